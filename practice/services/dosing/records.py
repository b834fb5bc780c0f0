"""The dose itself: recorded behind the pre-dose gate, with its ledger entry."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from practice import ledger
from practice.choices import (
    Route,
    SessionKind,
    SessionStatus,
)
from practice.errors import (
    DosingGateRefused,
    DosingRecordRefused,
    InvalidInput,
)
from practice.models import (
    DosingRecord,
    Session,
    StaffMember,
    TreatmentPlan,
)
from practice.selectors import clinical_settings_for
from practice.services.dosing._common import fields_of, mg_per_kg, require_medical
from practice.services.dosing.gates import (
    OVERRIDABLE,
    REASON_FIELDS,
    dose_failures,
    predose_gate_failures,
)


def _lock_session(session: Session) -> Session:
    return (
        Session.objects.select_for_update(of=("self",))
        .select_related("clinic", "patient", "plan")
        .get(pk=session.pk)
    )


@transaction.atomic
def dosing_record_create(
    *,
    session: Session,
    by: StaffMember,
    dose_mg: Decimal,
    weight_kg: Decimal,
    escort_confirmed: bool,
    fasting_confirmed: bool,
    predose_systolic: int | None,
    predose_diastolic: int | None,
    predose_heart_rate: int | None = None,
    predose_spo2: int | None = None,
    weight_confirmed: bool = False,
    route: str | None = None,
    lot=None,
    drawn_mg: Decimal | None = None,
    dose_override: bool = False,
    dose_override_reason: str = "",
    administered_at: datetime.datetime | None = None,
    notes: str = "",
) -> DosingRecord:
    """Record the dose given in a checked-in dosing session, behind the pre-dose gate.

    Locks the session row (one dose per session) and its plan's (the induction target).
    Refuses, changing nothing, unless `by` is medical staff of the clinic (DosingNotAllowed,
    403), the session is a checked-in dosing session (DosingRecordRefused), a lot is chosen
    and the weight and dose are positive (InvalidInput), and the gate opens. The gate
    refuses with one
    DosingGateRefused (409) listing every failed check at once in `extra["reasons"]` (and
    the form fields they concern in `extra["fields"]`): `predose_gate_failures` (screening,
    plan and its induction target, escort, fasting, blood pressure, SpO2, heart rate),
    `dose_failures` (weight against the screening's, route against the plan's, mg/kg
    against the route's range and the plan's dose; for esketamine the label's 56 or 84 mg
    instead), and the ledger's
    `administration_problems` (lot expired, formulation not for the route, stock short).

    A dose outside the route's range or the plan's dose is given only with
    `dose_override=True` and a reason: the override (who, why, and what it answered) is
    stored on the record and so in the audit log. The route defaults to the plan's; mg/kg
    is computed from the weight.

    The dose is drawn from `lot` (a `controlled.Lot`): in the same transaction the
    controlled-substance ledger records the administration under the lot's row lock, so no
    dose exists without its ledger entry.
    """
    session = _lock_session(session)
    require_medical(by, session.patient, "record a dose")
    if session.kind != SessionKind.DOSING:
        raise DosingRecordRefused("A dose can only be recorded in a dosing session.")
    if DosingRecord.objects.filter(session=session).exists():
        raise DosingRecordRefused("A dose is already recorded for this session.")
    if session.status != SessionStatus.CHECKED_IN:
        raise DosingRecordRefused(
            f"Check the patient in first (the session is {session.get_status_display().lower()})."
        )
    try:
        weight_kg, dose_mg = Decimal(str(weight_kg)), Decimal(str(dose_mg))
    except ArithmeticError as exc:
        raise InvalidInput("Enter the weight in kg and the dose in mg as numbers.") from exc
    if weight_kg <= 0:
        raise InvalidInput("Enter the patient's weight in kg.")
    if dose_mg <= 0:
        raise InvalidInput("Enter the dose in mg.")
    if lot is None:
        raise InvalidInput("Choose the lot the dose is drawn from (in stock and not expired).")
    if session.plan_id:
        # Two doses under one plan at once must not both pass its induction target.
        TreatmentPlan.objects.select_for_update().filter(pk=session.plan_id).first()
    administered_at = administered_at or timezone.now()
    on = session.clinic.date_of(administered_at)
    settings = clinical_settings_for(session.clinic_id)
    route = route or (session.plan.route if session.plan else None)
    if route not in Route.values:
        raise InvalidInput("Choose the route of the dose.")
    failures = predose_gate_failures(
        session=session,
        escort_confirmed=escort_confirmed,
        fasting_confirmed=fasting_confirmed,
        predose_systolic=predose_systolic,
        predose_diastolic=predose_diastolic,
        predose_heart_rate=predose_heart_rate,
        predose_spo2=predose_spo2,
        settings=settings,
        on=on,
    )
    dose_problems = dose_failures(
        session=session,
        dose_mg=dose_mg,
        weight_kg=weight_kg,
        route=route,
        weight_confirmed=weight_confirmed,
        settings=settings,
        on=on,
    )
    overridden = [(code, message) for code, message in dose_problems if code in OVERRIDABLE]
    reason = (dose_override_reason or "").strip()
    if overridden and dose_override and reason:
        failures += [problem for problem in dose_problems if problem not in overridden]
    else:
        failures += dose_problems
        if overridden and dose_override:
            failures.append(
                (
                    "override_reason",
                    "Say why the dose is given outside the limits: an override needs a reason.",
                )
            )
    # The ledger, twice (through practice.ledger): here to list what the lot cannot do with
    # the other reasons, and below to take the dose out of it.
    # What is drawn (when said) is what leaves the lot's stock now; what was drawn and not
    # given is the most that may later be wasted against this dose.
    if drawn_mg is not None and drawn_mg < dose_mg:
        failures.append(("drawn", f"The draw ({drawn_mg} mg) must be at least the dose."))
    failures += ledger.administration_problems(
        lot=lot,
        clinic=session.clinic,
        dose_mg=max(dose_mg, drawn_mg or dose_mg),
        route=route,
        on=on,
    )
    if failures:
        fields = fields_of(failures, REASON_FIELDS)
        raise DosingGateRefused(
            "Dosing refused: " + " ".join(message for _, message in failures),
            extra={
                "reasons": [code for code, _ in failures],
                "fields": fields,
                "overridable": [code for code, _ in overridden],
            },
        )
    record = DosingRecord(
        session=session,
        route=route,
        dose_mg=dose_mg,
        weight_kg=weight_kg,
        dose_mg_per_kg=mg_per_kg(dose_mg, weight_kg),
        lot_number=lot.lot_number,
        administered_at=administered_at,
        administered_by=by,
        escort_confirmed=escort_confirmed,
        fasting_confirmed=fasting_confirmed,
        predose_systolic=predose_systolic,
        predose_diastolic=predose_diastolic,
        predose_heart_rate=predose_heart_rate,
        predose_spo2=predose_spo2,
        weight_confirmed=weight_confirmed,
        notes=notes,
    )
    if overridden:
        record.dose_override_by = by
        record.dose_override_reason = reason[:500]
        record.dose_override_for = " ".join(message for _, message in overridden)[:500]
    record.full_clean()
    record.save()
    ledger.administration_record(dosing_record=record, lot=lot, recorded_by=by, drawn_mg=drawn_mg)
    return record
