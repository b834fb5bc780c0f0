"""Discharge: when the patient may leave after the dose, and the discharge itself."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from practice.errors import (
    DischargeRefused,
    DosingRecordRefused,
    InvalidInput,
)
from practice.models import (
    ClinicalSettings,
    DosingRecord,
    StaffMember,
    VitalSigns,
)
from practice.selectors import clinical_settings_for
from practice.services.dosing._common import (
    fields_of,
    lock_record,
    percent_off,
    require_medical,
    require_open,
)
from practice.services.esketamine import esketamine_discharge_failures


def baseline_deviations(record: DosingRecord, reading: VitalSigns, tolerance_percent: int):
    """How `reading` is off the pre-dose one by more than `tolerance_percent`, in words
    (systolic, diastolic and, when it was taken, heart rate); empty when near baseline."""
    pairs = [
        ("systolic", reading.systolic, record.predose_systolic),
        ("diastolic", reading.diastolic, record.predose_diastolic),
        ("heart rate", reading.heart_rate, record.predose_heart_rate),
    ]
    off = []
    for name, now, before in pairs:
        if before is None:
            continue
        percent = percent_off(Decimal(now), Decimal(before))
        if percent > tolerance_percent:
            off.append(f"{name} {now} against {before} before the dose ({percent:.0f} % off)")
    return off


def discharge_failures(
    *,
    record: DosingRecord,
    at: datetime.datetime,
    alert_and_oriented: bool = True,
    escort_present: bool = True,
    vitals_near_baseline: bool | None = None,
    ready_per_clinical_judgement: bool = True,
    settings: ClinicalSettings | None = None,
) -> tuple[list[tuple[str, str]], bool | None]:
    """Every reason the patient may not leave at `at`, as (code, message), and whether the
    last reading is near the pre-dose one (None without a reading). Pure read.

    - observation: at least the clinic's minimum for the route since the dose (after
      esketamine never under the REMS's 120 minutes);
    - vitals: a reading taken after the dose, the last of which is within the clinic's
      discharge limits (systolic, diastolic, SpO2) and near baseline: systolic, diastolic
      and heart rate within `discharge_baseline_tolerance_percent` of the pre-dose values.
      "Near baseline" is read from the readings; a caller's `vitals_near_baseline` that
      says otherwise is refused, never believed;
    - the checklist: alert and oriented, escort present;
    - after esketamine, the REMS monitoring (`esketamine_discharge_failures`): the
      blood pressure at about 40 minutes and again before discharge, sedation and
      dissociation assessed, and the clinician's judgement that the patient is ready.
    """
    settings = settings or clinical_settings_for(record.session.clinic_id)
    local = record.session.clinic.local  # times in messages read on the clinic's clock
    failures: list[tuple[str, str]] = []
    given = record.administered_at or record.created_at
    minutes = settings.observe_minutes(record.route)
    earliest = given + datetime.timedelta(minutes=minutes)
    if at < earliest:
        failures.append(
            (
                "observation",
                f"Observe at least {minutes} minutes after a dose by the "
                f"{record.get_route_display()} route: given at {local(given):%H:%M}, the "
                f"patient may leave from {local(earliest):%H:%M}.",
            )
        )
    last = record.vitals.filter(taken_at__gte=given).order_by("taken_at", "id").last()
    near = None
    if last is None:
        failures.append(("vitals", "Record the vital signs after the dose before discharge."))
    else:
        when = (
            f"{last.systolic}/{last.diastolic}, SpO2 {last.spo2}% at {local(last.taken_at):%H:%M}"
        )
        if (
            last.systolic >= settings.discharge_systolic_below
            or last.diastolic >= settings.discharge_diastolic_below
        ):
            failures.append(
                (
                    "discharge_pressure",
                    f"The last reading ({when}) is at or above the clinic's discharge limit "
                    f"({settings.discharge_systolic_below}/{settings.discharge_diastolic_below}); "
                    "wait and take another reading.",
                )
            )
        if last.spo2 < settings.discharge_spo2_at_least:
            failures.append(
                (
                    "discharge_spo2",
                    f"The last reading ({when}) is below the clinic's discharge SpO2 "
                    f"({settings.discharge_spo2_at_least}%).",
                )
            )
        off = baseline_deviations(record, last, settings.discharge_baseline_tolerance_percent)
        near = not off
        if off:
            failures.append(
                (
                    "baseline",
                    f"Vital signs are not back near baseline (within "
                    f"{settings.discharge_baseline_tolerance_percent} %) at "
                    f"{local(last.taken_at):%H:%M}: " + "; ".join(off) + ".",
                )
            )
    if vitals_near_baseline is False and near:
        failures.append(
            (
                "baseline",
                "Vital signs were marked as not back near baseline, but the last reading is: "
                "take another reading, or leave the mark to the readings.",
            )
        )
    if not alert_and_oriented:
        failures.append(("alert_and_oriented", "Confirm the patient is alert and oriented."))
    if not escort_present:
        failures.append(
            ("escort_present", "Confirm the escort is present to take the patient home.")
        )
    if record.is_esketamine:
        failures += esketamine_discharge_failures(
            record=record,
            ready_per_clinical_judgement=ready_per_clinical_judgement,
            settings=settings,
        )
    return failures, near


# Where each discharge reason points on the form and in the API (`fields` of the refusal).
DISCHARGE_REASON_FIELDS = {
    "alert_and_oriented": "alert_and_oriented",
    "escort_present": "escort_present",
    "sedation": "sedation",
    "dissociation": "dissociation_score",
    "clinical_judgement": "ready_per_clinical_judgement",
}

# Discharge moments this far ahead of the server's clock are a typing mistake.
FUTURE_TOLERANCE = datetime.timedelta(minutes=10)


@transaction.atomic
def dosing_discharge(
    *,
    record: DosingRecord,
    by: StaffMember,
    alert_and_oriented: bool,
    escort_present: bool,
    vitals_near_baseline: bool | None = None,
    ready_per_clinical_judgement: bool = False,
    ready_after_minutes: int | None = None,
    at: datetime.datetime | None = None,
) -> DosingRecord:
    """Discharge the patient after the observation time, on readings back near baseline.

    Locks the record. Refuses with one DischargeRefused (409) listing every reason at once
    in `extra["reasons"]` (`discharge_failures`): the route's minimum observation not yet
    over, no reading since the dose, the last reading past the clinic's discharge limits
    or not near the pre-dose one, a `vitals_near_baseline` that contradicts the readings,
    or the checklist incomplete; after esketamine also the REMS items (the ~40-minute and
    pre-discharge blood pressures, sedation and dissociation assessed, and
    `ready_per_clinical_judgement`). Whether vital signs are near baseline is derived from
    the readings and stored, with the clinician's judgement, the REMS's "ready after"
    minutes (optional; at most the minutes since the dose) and who discharged. `at`
    (default now) may be earlier, not later than now.
    """
    record = lock_record(record)
    require_medical(by, record.session.patient, "discharge a patient")
    require_open(record)
    if record.discharged_at is not None:
        raise DosingRecordRefused("The patient is already discharged.")
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        raise InvalidInput("Give the time of discharge with its time zone.")
    if at > now + FUTURE_TOLERANCE:
        raise InvalidInput("A discharge cannot be dated in the future.")
    given = record.administered_at or record.created_at
    if ready_after_minutes is not None:
        try:
            ready_after_minutes = int(ready_after_minutes)
        except (TypeError, ValueError) as exc:
            raise InvalidInput("Give the minutes as a whole number.") from exc
        since = int((at - given).total_seconds() // 60)
        if not 0 < ready_after_minutes <= since:
            message = f"A whole number of minutes after the dose, from 1 to {since}."
            raise InvalidInput(message, extra={"fields": {"ready_after_minutes": [message]}})
    failures, near = discharge_failures(
        record=record,
        at=at,
        alert_and_oriented=alert_and_oriented,
        escort_present=escort_present,
        vitals_near_baseline=vitals_near_baseline,
        ready_per_clinical_judgement=ready_per_clinical_judgement,
    )
    if failures:
        fields = fields_of(failures, DISCHARGE_REASON_FIELDS)
        raise DischargeRefused(
            "Discharge refused: " + " ".join(message for _, message in failures),
            extra={"reasons": [code for code, _ in failures], "fields": fields},
        )
    record.discharge_vitals_near_baseline = bool(near)
    record.discharge_alert_and_oriented = True
    record.discharge_escort_present = True
    record.discharge_ready_per_clinical_judgement = bool(ready_per_clinical_judgement)
    record.ready_after_minutes = ready_after_minutes
    record.discharged_at = at
    record.discharged_by = by
    record.full_clean()
    record.save()
    return record
