"""X12 helpers for the claim tests: pyx12's verdict on an 837P, and a hand-written 835."""

import io
from decimal import Decimal

import pyx12.params
import pyx12.x12n_document


def validate_x12(text: str) -> tuple[bool, str]:
    """pyx12's verdict and its 999 acknowledgement (which lists each error)."""
    ack = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text), ack, None)
    return ok, ack.getvalue()


def remittance(claim, charges, *, trace="TRC0001", paid=None) -> str:
    """A hand-written 835 paying the claim's lines (less a contractual adjustment)."""
    lines = []
    total = Decimal("0")
    for charge in charges:
        line_paid = (charge.amount * Decimal("0.8")).quantize(Decimal("0.01"))
        total += line_paid
        lines += [
            f"SVC*HC:{charge.code}*{charge.amount}*{line_paid}**{charge.units}",
            f"DTM*472*{charge.date_of_service:%Y%m%d}",
            f"CAS*CO*45*{charge.amount - line_paid}",
        ]
    paid = total if paid is None else paid
    segs = [
        "ISA*00*          *00*          *ZZ*PAYER          *ZZ*KAPCLINIC      "
        "*261105*1200*^*00501*000000007*0*P*:",
        "GS*HP*PAYER*KAPCLINIC*20261105*1200*7*X*005010X221A1",
        "ST*835*0001",
        f"BPR*I*{paid}*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*20261105",
        f"TRN*1*{trace}*1512345678",
        "N1*PR*AETNA",
        "N1*PE*CLINIC*XX*1000000020",
        "LX*1",
        f"CLP*{claim.control_number}*1*{claim.total_charge}*{paid}**12*PCN123",
        *lines,
        "SE*99*0001",
        "GE*1*7",
        "IEA*1*000000007",
    ]
    return "~".join(segs) + "~"
