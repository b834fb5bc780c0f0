from django.db import models


class ProductForm(models.TextChoices):
    VIAL = "vial", "Vial (injectable solution)"
    TROCHE = "troche", "Troche / lozenge"
    DEVICE = "device", "Esketamine nasal spray device (28 mg, single use)"
    OTHER = "other", "Other"


# Which routes each form of product can be given by. The injectable solution of a vial is
# given IM, IV or SC, or intranasally with an atomiser; a troche is held in the mouth
# (the oral route); the esketamine nasal spray device is esketamine's only form and is
# given by nothing else (ketamine's intranasal route draws from a vial). "Other" names no
# route, so no dose is drawn from it until the product is recorded with its form.
ROUTES_FOR_FORM = {
    ProductForm.VIAL: frozenset({"im", "iv", "sc", "in"}),
    ProductForm.TROCHE: frozenset({"oral"}),
    ProductForm.DEVICE: frozenset({"esketamine_nasal"}),
    ProductForm.OTHER: frozenset(),
}


class Schedule(models.TextChoices):
    II = "II", "Schedule II"
    IIN = "IIN", "Schedule IIN"
    III = "III", "Schedule III"
    IIIN = "IIIN", "Schedule IIIN"
    IV = "IV", "Schedule IV"
    V = "V", "Schedule V"


class EntryKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    ADMINISTRATION = "administration", "Administration"
    WASTE = "waste", "Waste (unused remainder)"
    LOSS = "loss", "Loss / breakage"
    THEFT = "theft", "Theft / suspected diversion"
    RETURN = "return", "Return to supplier"
    TRANSFER = "transfer", "Transfer to another registrant"
    DESTRUCTION = "destruction", "Destruction"
    ADJUSTMENT = "adjustment", "Adjustment"
    REVERSAL = "reversal", "Reversal"


# Entries that take stock out of the lot.
OUTGOING_KINDS = frozenset(
    {
        EntryKind.ADMINISTRATION,
        EntryKind.WASTE,
        EntryKind.LOSS,
        EntryKind.THEFT,
        EntryKind.RETURN,
        EntryKind.TRANSFER,
        EntryKind.DESTRUCTION,
    }
)
# Entries recorded by hand on a lot's page (receipt comes with the lot, administration from
# a dosing record, reversal from the entry it corrects).
MANUAL_KINDS = (
    EntryKind.WASTE,
    EntryKind.LOSS,
    EntryKind.THEFT,
    EntryKind.RETURN,
    EntryKind.TRANSFER,
    EntryKind.DESTRUCTION,
    EntryKind.ADJUSTMENT,
)
# How many second staff members confirm each kind of entry with their password. Everything
# that moves stock other than a receipt or an administration to a patient is witnessed
# (adjustments up too: any discrepancy is reportable); `_common.append_entry` enforces it.
WITNESSES_NEEDED = {
    EntryKind.RECEIPT: 0,
    EntryKind.ADMINISTRATION: 0,
    EntryKind.WASTE: 1,
    EntryKind.LOSS: 1,
    EntryKind.THEFT: 1,
    EntryKind.RETURN: 1,
    EntryKind.TRANSFER: 1,
    EntryKind.DESTRUCTION: 2,
    EntryKind.ADJUSTMENT: 1,
    EntryKind.REVERSAL: 1,
}
# Stock lost, stolen or missing: alerts the clinic's admins and medical staff at once (an
# adjustment down counts too), and may have to be reported on DEA Form 106.
LOSS_KINDS = frozenset({EntryKind.LOSS, EntryKind.THEFT})


class CountStatus(models.TextChoices):
    RECONCILED = "reconciled", "Matches the ledger"
    OPEN = "open", "Discrepancy – open"
    EXPLAINED = "explained", "Discrepancy – explained"


class InventoryKind(models.TextChoices):
    INITIAL = "initial", "Initial inventory"
    BIENNIAL = "biennial", "Biennial inventory"
    OTHER = "other", "Other inventory (e.g. change of registrant)"


class TimeOfDay(models.TextChoices):
    OPENING = "opening", "Opening of business"
    CLOSE = "close", "Close of business"


MANUAL_KIND_CHOICES = [(kind.value, kind.label) for kind in MANUAL_KINDS]
