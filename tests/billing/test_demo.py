"""The demo clinic's billing: a superbill for last month a portal patient can download."""

import io

from pypdf import PdfReader

from backend.demo import seed_demo
from billing.models import CardPayment, Charge, Claim, GoodFaithEstimate, PaymentPlan, Superbill
from billing.selectors import patient_balance
from billing.services.superbills import superbill_pdf_bytes


def test_the_demo_bills_last_month_and_seeding_twice_adds_nothing(db):
    ctx = seed_demo()
    first, last = ctx["billing_period"]
    eleanor, marcus, ruth = (ctx["patients"][k] for k in ("eleanor", "marcus", "ruth"))
    counts = (Superbill.objects.count(), Charge.objects.count())
    seed_demo()
    assert (Superbill.objects.count(), Charge.objects.count()) == counts

    superbill = Superbill.objects.get(patient=eleanor, period_start=first)
    assert superbill.period_end == last
    assert superbill.balance == 0
    text = PdfReader(io.BytesIO(superbill_pdf_bytes(superbill=superbill))).pages[0].extract_text()
    for field in ("90791", "90837", "99214", "90833", "Eleanor Whitfield", "W284419301", "F41.1"):
        assert field in text
    assert Superbill.objects.filter(patient=marcus).exists()
    assert not Superbill.objects.filter(patient=ruth).exists()  # no portal login
    assert patient_balance(patient_id=ruth.pk)["balance"] > 0
    plan = PaymentPlan.objects.get(patient=marcus)
    assert plan.instalments.count() == 3
    assert patient_balance(patient_id=marcus.pk)["balance"] > 0


def test_the_demo_shows_a_card_payment_a_self_pay_estimate_and_a_submitted_claim(db):
    ctx = seed_demo()
    eleanor, theo, ruth = (ctx["patients"][k] for k in ("eleanor", "theo", "ruth"))
    counts = (CardPayment.objects.count(), GoodFaithEstimate.objects.count(), Claim.objects.count())
    seed_demo()
    assert (
        CardPayment.objects.count(),
        GoodFaithEstimate.objects.count(),
        Claim.objects.count(),
    ) == counts

    # Paid as Stripe's test mode settles a portal Checkout, recorded once by its intent.
    [card] = CardPayment.objects.filter(patient=eleanor)
    assert (card.kind, card.status) == ("portal", "succeeded")
    assert card.payment.stripe_payment_intent == card.payment_intent_id
    assert card.payment_intent_id.startswith("pi_test_")
    assert card.payment.amount == card.amount > 0

    assert not theo.insurance_payer
    [estimate] = GoodFaithEstimate.objects.filter(patient=theo, superseded_by__isnull=True)
    assert estimate.plan == ctx["estimate_plan"]
    assert estimate.total > 0 and estimate.items

    [claim] = Claim.objects.filter(patient=ruth)
    assert claim.status == "submitted"
    assert claim.submitted_at is not None
    assert claim.lines.exists()
