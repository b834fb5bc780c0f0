"""The service codes a KAP clinic bills, with short descriptions and default fees.

Fees are a starting point for self-pay clinics; each clinic edits its own catalogue.
J0013 (esketamine, 1 mg) replaced S0013 on 2026-01-01.
"""

from decimal import Decimal

EM_WITH_ADDONS = frozenset({"99212", "99213", "99214", "99215"})
PSYCHOTHERAPY_ADDONS = frozenset({"90833", "90836", "90838"})
# Psychotherapy, psychiatric evaluation and E/M codes: by video they carry modifier 95
# (synchronous telehealth) and the clinic's telehealth place of service (10 or 02).
TELEHEALTH_MODIFIER = "95"
TELEHEALTH_CODES = frozenset(
    {"90791", "90792", "90832", "90834", "90837", "90785", "90853"}
    | PSYCHOTHERAPY_ADDONS
    | EM_WITH_ADDONS
    | {"99202", "99203", "99204", "99205", "99211"}
)

# code, description, fee
CATALOGUE: list[tuple[str, str, Decimal]] = [
    ("90791", "Psychiatric diagnostic evaluation", Decimal("250.00")),
    ("90792", "Psychiatric diagnostic evaluation with medical services", Decimal("325.00")),
    ("90832", "Psychotherapy, 30 minutes (16–37 min)", Decimal("110.00")),
    ("90834", "Psychotherapy, 45 minutes (38–52 min)", Decimal("160.00")),
    ("90837", "Psychotherapy, 60 minutes (53 min or more)", Decimal("210.00")),
    ("90833", "Psychotherapy add-on with E/M, 30 minutes", Decimal("95.00")),
    ("90836", "Psychotherapy add-on with E/M, 45 minutes", Decimal("140.00")),
    ("90838", "Psychotherapy add-on with E/M, 60 minutes", Decimal("185.00")),
    ("90785", "Interactive complexity add-on", Decimal("25.00")),
    ("90853", "Group psychotherapy", Decimal("75.00")),
    ("99202", "Office visit, new patient, straightforward", Decimal("110.00")),
    ("99203", "Office visit, new patient, low complexity", Decimal("165.00")),
    ("99204", "Office visit, new patient, moderate complexity", Decimal("245.00")),
    ("99205", "Office visit, new patient, high complexity", Decimal("320.00")),
    ("99211", "Office visit, established patient, minimal", Decimal("35.00")),
    ("99212", "Office visit, established patient, straightforward", Decimal("85.00")),
    ("99213", "Office visit, established patient, low complexity", Decimal("130.00")),
    ("99214", "Office visit, established patient, moderate complexity", Decimal("185.00")),
    ("99215", "Office visit, established patient, high complexity", Decimal("250.00")),
    ("96372", "Therapeutic injection, IM or SC (drug billed separately)", Decimal("45.00")),
    ("96365", "IV infusion, therapeutic, initial hour", Decimal("225.00")),
    ("96366", "IV infusion, therapeutic, each additional hour", Decimal("75.00")),
    ("J3490", "Unclassified drug (ketamine hydrochloride)", Decimal("40.00")),
    (
        "G2082",
        "Esketamine nasal self-administration, up to 56 mg, with observation",
        Decimal("700.00"),
    ),
    (
        "G2083",
        "Esketamine nasal self-administration, over 56 mg, with observation",
        Decimal("950.00"),
    ),
    ("J0013", "Esketamine, nasal, 1 mg", Decimal("12.00")),
    (
        "0820T",
        "Continuous in-person monitoring during psychedelic therapy, first clinician, each hour",
        Decimal("150.00"),
    ),
    (
        "0821T",
        "Continuous in-person monitoring, second clinician (concurrent), each hour",
        Decimal("100.00"),
    ),
    (
        "0822T",
        "Continuous in-person monitoring, clinical staff under direction (concurrent), each hour",
        Decimal("60.00"),
    ),
]
