"""The SPRAVATO REMS at the bedside: what an esketamine dose needs before the patient
leaves, besides what every dose needs (`practice.services.dosing.discharge.discharge_failures`).

The label's numbers are in `practice.esketamine`; the clinic's window for the ~40-minute
blood pressure and the observation minutes (never under 120) in `ClinicalSettings`.
"""

import datetime

from practice.models import ClinicalSettings, DosingRecord


def esketamine_bp_check(record: DosingRecord, settings: ClinicalSettings):
    """The reading that counts as the label's ~40-minute blood pressure (the first in the
    clinic's window after the dose), or None; and the window's bounds."""
    given = record.administered_at or record.created_at
    start, end = (given + datetime.timedelta(minutes=m) for m in settings.esketamine_bp_window())
    reading = (
        record.vitals.filter(taken_at__gte=start, taken_at__lte=end).order_by("taken_at").first()
    )
    return reading, start, end


def esketamine_discharge_failures(
    *,
    record: DosingRecord,
    ready_per_clinical_judgement: bool,
    settings: ClinicalSettings,
) -> list[tuple[str, str]]:
    """What the SPRAVATO REMS and label still need before an esketamine patient leaves
    (practice/esketamine.py), besides the two hours and the last reading's limits:

    - bp_40_minutes: a blood pressure taken in the clinic's window around 40 minutes after
      the dose (default 30–50);
    - bp_before_discharge: another reading after that window, so the last reading before
      discharge is not the 40-minute one;
    - sedation and dissociation: each assessed on the record;
    - clinical_judgement: the clinician judges the patient clinically stable and ready to
      leave.
    """
    local = record.session.clinic.local  # times in messages read on the clinic's clock
    failures: list[tuple[str, str]] = []
    reading, start, end = esketamine_bp_check(record, settings)
    if reading is None:
        low, high = settings.esketamine_bp_window()
        failures.append(
            (
                "bp_40_minutes",
                f"Record the blood pressure about 40 minutes after the esketamine dose "
                f"(between {low} and {high} minutes: {local(start):%H:%M}–"
                f"{local(end):%H:%M}).",
            )
        )
    if not record.vitals.filter(taken_at__gt=end).exists():
        failures.append(
            (
                "bp_before_discharge",
                f"Take the blood pressure again before discharge (a reading after "
                f"{local(end):%H:%M}, when the 40-minute window closes).",
            )
        )
    if not record.sedation:
        failures.append(
            ("sedation", "Assess the sedation (none, mild, moderate or severe) on the record.")
        )
    if record.dissociation_score is None:
        failures.append(("dissociation", "Rate the dissociation (0–10) on the record."))
    if not ready_per_clinical_judgement:
        failures.append(
            (
                "clinical_judgement",
                "Confirm the patient is clinically stable and ready to leave, in your "
                "clinical judgement.",
            )
        )
    return failures
