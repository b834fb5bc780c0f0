"""What the dosing modules share: the medical-staff check, the record locks, and the
arithmetic and wording of their refusals."""

from decimal import ROUND_HALF_UP, Decimal

from practice.choices import SessionStatus
from practice.errors import (
    DosingNotAllowed,
    DosingRecordRefused,
)
from practice.models import (
    DosingRecord,
    StaffMember,
)
from practice.services._common import require_same_clinic


def require_medical(by: StaffMember, patient, doing: str) -> None:
    require_same_clinic(by, patient)
    if by.role != "medical":
        raise DosingNotAllowed(f"Only medical staff may {doing}.")


def fields_of(failures: list[tuple[str, str]], field_of: dict) -> dict[str, list[str]]:
    """The form fields the failed checks concern, each with its messages (for `fields`)."""
    fields: dict[str, list[str]] = {}
    for code, message in failures:
        if code in field_of:
            fields.setdefault(field_of[code], []).append(message)
    return fields


def percent_off(value: Decimal, reference: Decimal) -> Decimal:
    if reference <= 0:
        return Decimal("Infinity") if value != reference else Decimal(0)
    return abs(value - reference) * 100 / reference


def mg_per_kg(dose_mg: Decimal, weight_kg: Decimal) -> Decimal:
    return (Decimal(dose_mg) / Decimal(weight_kg)).quantize(Decimal("0.001"), ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def lock_record(record: DosingRecord) -> DosingRecord:
    return (
        DosingRecord.objects.select_for_update(of=("self",))
        .select_related("session__patient", "session__clinic")
        .get(pk=record.pk)
    )


def require_open(record: DosingRecord) -> None:
    if record.session.status in (SessionStatus.COMPLETED, SessionStatus.CANCELLED):
        raise DosingRecordRefused(
            f"The session is {record.session.get_status_display().lower()}; its record is closed."
        )
