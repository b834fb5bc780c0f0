"""Good Faith Estimates: every field the No Surprises Act requires, read back from the PDF;
versioned per plan; only for self-pay or uninsured patients; the $400 dispute warning."""

import datetime
import hashlib
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.files.storage import default_storage
from pypdf import PdfReader

from billing.errors import EstimateRefused
from billing.models import Charge, GoodFaithEstimate
from billing.selectors import estimate_overrun
from billing.services.estimates import estimate_issue
from practice.choices import Route
from tests.factories import TreatmentPlanFactory

NOV_1 = datetime.datetime(2026, 10, 1, 16, 0, tzinfo=datetime.UTC)


def pdf_text(estimate) -> str:
    with default_storage.open(estimate.pdf.name, "rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == estimate.pdf_sha256
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def uninsured(codes):
    patient = codes.patient
    patient.insurance_payer = ""
    patient.insurance_member_id = ""
    patient.save()
    return patient


@pytest.fixture
def plan(uninsured, codes):
    return TreatmentPlanFactory(
        patient=uninsured, route=Route.INTRAMUSCULAR, induction_target_sessions=6
    )


@pytest.mark.django_db
@time_machine.travel(NOV_1, tick=False)
def test_the_estimate_prices_the_plan_with_the_clinics_fees_code_by_code(plan, codes):
    estimate = estimate_issue(plan=plan, issued_by=codes.admin)

    by_description = {(r["code"], r["quantity"]) for r in estimate.items}
    # Intake, preparation, six IM doses (injection, drug, monitoring) and six integrations.
    assert ("90791", 1) in by_description
    assert ("96372", 6) in by_description
    assert ("J3490", 6) in by_description
    assert ("90837", 6) in by_description
    assert estimate.total == sum(Decimal(r["total"]) for r in estimate.items)
    assert estimate.version == 1
    assert estimate.period_start == datetime.date(2026, 10, 1)


@pytest.mark.django_db
@time_machine.travel(NOV_1, tick=False)
def test_the_pdf_carries_every_field_the_rule_requires(plan, codes):
    estimate = estimate_issue(plan=plan, issued_by=codes.admin)

    text = pdf_text(estimate)
    clinic = codes.clinic
    assert clinic.name in text
    assert clinic.npi in text
    assert clinic.tax_id in text
    assert codes.therapist.npi in text
    assert "96372" in text and "90791" in text
    assert f"${estimate.total}" in text
    assert "F41.1" in text  # the patient's diagnosis
    assert "not a contract" in text  # the disclaimer
    assert "dispute resolution process" in text
    assert "at least $400 more than this Good Faith Estimate" in text


@pytest.mark.django_db
def test_an_insured_patient_is_refused_with_the_reason_and_nothing_is_created(codes):
    plan = TreatmentPlanFactory(patient=codes.patient)

    with pytest.raises(EstimateRefused) as refused:
        estimate_issue(plan=plan)

    assert "self-pay or uninsured" in refused.value.missing[0]
    assert not GoodFaithEstimate.objects.exists()


@pytest.mark.django_db
def test_an_insured_patient_who_asks_to_pay_themselves_gets_an_estimate(codes):
    plan = TreatmentPlanFactory(patient=codes.patient)

    estimate = estimate_issue(plan=plan, self_pay=True)

    assert estimate.self_pay_requested


@pytest.mark.django_db
def test_issuing_again_for_a_changed_plan_supersedes_the_previous_version(plan):
    first = estimate_issue(plan=plan)
    plan.induction_target_sessions = 4
    plan.save()

    second = estimate_issue(plan=plan)

    first.refresh_from_db()
    assert second.version == 2
    assert first.superseded_by == second
    assert second.total < first.total
    assert [e.estimate for e in estimate_overrun(patient_id=plan.patient_id)] == [second]


@pytest.mark.django_db
def test_billing_400_dollars_over_the_estimate_warns_that_the_patient_may_dispute(
    plan, approved_session
):
    with time_machine.travel(NOV_1, tick=False):
        estimate = estimate_issue(plan=plan)
    charge = approved_session(datetime.date(2026, 10, 5), plan=plan)[0]

    # Set the billed total exactly (a sliding scale or extra hours would do it too).
    Charge.objects.filter(pk=charge.pk).update(amount=estimate.total + Decimal("399.99"))
    [under] = estimate_overrun(patient_id=plan.patient_id)
    assert not under.may_dispute

    Charge.objects.filter(pk=charge.pk).update(amount=estimate.total + Decimal("400.00"))
    [over] = estimate_overrun(patient_id=plan.patient_id)
    assert over.may_dispute
    assert over.over == Decimal("400.00")


@pytest.mark.django_db
def test_the_overrun_is_per_estimate_its_plans_sessions_since_it_against_its_total(
    plan, approved_session, codes, web_as
):
    other_plan = TreatmentPlanFactory(
        patient=plan.patient, route=Route.INTRAMUSCULAR, induction_target_sessions=2
    )
    with time_machine.travel(NOV_1, tick=False):
        estimate = estimate_issue(plan=plan)
        other = estimate_issue(plan=other_plan)
    before = approved_session(datetime.date(2026, 9, 28), plan=plan)[0]  # before the estimate
    ours = approved_session(datetime.date(2026, 10, 5), plan=plan)[0]
    theirs = approved_session(datetime.date(2026, 10, 6), plan=other_plan)[0]
    unplanned = approved_session(datetime.date(2026, 10, 7))[0]  # no plan: on no estimate
    for charge in (before, theirs, unplanned):
        Charge.objects.filter(pk=charge.pk).update(amount=Decimal("5000.00"))

    Charge.objects.filter(pk=ours.pk).update(amount=estimate.total + Decimal("399.99"))
    rows = {row.estimate: row for row in estimate_overrun(patient_id=plan.patient_id)}
    assert rows[estimate].billed == estimate.total + Decimal("399.99")
    assert not rows[estimate].may_dispute
    assert rows[other].billed == Decimal("5000.00")
    assert rows[other].may_dispute == (Decimal("5000.00") - other.total >= 400)

    Charge.objects.filter(pk=ours.pk).update(amount=estimate.total + Decimal("400.00"))
    rows = {row.estimate: row for row in estimate_overrun(patient_id=plan.patient_id)}
    assert rows[estimate].may_dispute
    assert rows[estimate].over == Decimal("400.00")

    page = web_as(codes.admin).get(f"/billing/patients/{plan.patient_id}/").content.decode()
    assert f'data-testid="estimate-plan-{plan.pk}"' in page
    assert f'data-testid="estimate-plan-{other_plan.pk}"' in page
    assert f"Billed charges for treatment plan {plan.pk} exceed" in page
