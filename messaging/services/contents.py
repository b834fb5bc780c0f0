"""What a message about a session may say, built from the session (a `practice` model).

Scheduling decides which messages a session gets and adds its own parts (the confirm/cancel
link, the cancellation window); the description of the session itself is written once, here.
"""

from __future__ import annotations

from messaging.services.outbox import patient_messaging
from practice.selectors import clinical_settings_for

SESSION_LABELS = {
    "preparation": "preparation session",
    "dosing": "dosing session",
    "integration": "integration session",
}


def session_context(*, session, messaging=None) -> dict:
    """Date, time, place and the kind of session (only if the patient agreed to name it),
    and the fasting time the clinic's dosing gate checks (`ClinicalSettings.fasting_hours`,
    so what the patient is told is what staff confirm). Never the dose, diagnosis or notes.
    `messaging` is the patient's `PatientMessaging` when the caller has read it already."""
    clinic = session.patient.clinic
    starts = clinic.local(session.starts_at)
    shares = (messaging or patient_messaging(session.patient)).share_session_type
    return {
        "session_label": SESSION_LABELS.get(session.kind, "appointment")
        if shares
        else "appointment",
        "session_date": f"{starts:%A, %B} {starts.day}",
        "session_time": starts.strftime("%I:%M %p").lstrip("0") + f" {starts.tzname()}",
        "fasting_hours": clinical_settings_for(clinic).fasting_hours,
        "escort_on_file": bool(session.patient.escort_name),
    }
