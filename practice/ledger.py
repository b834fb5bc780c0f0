"""The one place practice reaches up to the controlled-substance ledger (`controlled/`).

A dose is drawn from a lot, and its administration entry is written to the DEA ledger in the
same transaction as the dosing record; the dose form and API offer the lots to draw from.
Everything practice needs of the ledger goes through this module, and the import-linter
contract in pyproject.toml lets this module, and no other in practice, import `controlled`.
"""

from controlled.forms import DosingLotField
from controlled.models import Lot
from controlled.services import administration_problems, administration_record

__all__ = ["DosingLotField", "administration_problems", "administration_record", "clinic_lot"]


def clinic_lot(*, clinic_id: int, lot_id: int) -> Lot | None:
    """The clinic's lot with this id, or None (another clinic's lot is never found)."""
    return Lot.objects.for_clinic(clinic_id).filter(pk=lot_id).first()
