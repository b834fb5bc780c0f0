"""The patient-facing take-home summary of a session."""

from django.db import transaction
from django.utils import timezone

from integration_notes.errors import InvalidInput, NotTheAuthor
from integration_notes.models import IntegrationSummary
from practice.models import Session, StaffMember


@transaction.atomic
def summary_save(
    *, session: Session, author: StaffMember, practices: str, reminders: str = "", share: bool
) -> IntegrationSummary:
    """Write (or rewrite) the patient's take-home summary of a session; `share` shows it in
    their portal. Only the session's clinician writes it. Locks the session row."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.clinician_id != author.pk:
        raise NotTheAuthor("Only the session's clinician writes the patient's summary.")
    practices = (practices or "").strip()
    if not practices:
        raise InvalidInput("Write at least the practices agreed.", code="empty_summary")
    summary = IntegrationSummary.objects.filter(session=session).first() or IntegrationSummary(
        clinic_id=session.clinic_id, patient_id=session.patient_id, session=session, author=author
    )
    summary.practices = practices
    summary.reminders = (reminders or "").strip()
    if share and summary.shared_at is None:
        summary.shared_at = timezone.now()
    elif not share:
        summary.shared_at = None
    summary.full_clean()
    summary.save()
    return summary
