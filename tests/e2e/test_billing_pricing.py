"""The clinic admin prices a patient's care from the ledger's Pricing section: a sliding
scale, a prepaid package of integration sessions (a package ending before it starts is
refused first), and the patient's retreat place as one package; then the charges suggested
for the completed sessions carry each package's share and say which session of it they are."""

import datetime
from decimal import Decimal

import pytest

from billing.models import Charge, Package
from billing.services.catalogue import service_codes_seed
from scheduling.models import Enrollment, RetreatSession, RetreatTemplateItem
from tests.billing.conftest import DENVER
from tests.factories import RetreatFactory, completed_session

pytestmark = pytest.mark.django_db(transaction=True)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), DENVER)


@pytest.fixture
def sessions(people):
    """Erin's completed sessions, all in the past, one a day (never overlapping): a first
    preparation, a two-day retreat (a dose, then integration), two weekly integrations."""
    service_codes_seed(clinic=people.clinic)
    preparation = completed_session(
        patient=people.patient,
        clinician=people.therapist,
        starts_at=_at(datetime.date(2026, 9, 28)),
        minutes=55,
        kind="preparation",
    )
    retreat = RetreatFactory(
        clinic=people.clinic,
        name="Autumn retreat",
        price=Decimal("1500.00"),
        starts_on=datetime.date(2026, 10, 5),
        ends_on=datetime.date(2026, 10, 6),
    )
    enrollment = Enrollment.objects.create(
        clinic=people.clinic, retreat=retreat, patient=people.patient, status="enrolled"
    )
    for day, (kind, minutes, clinician) in enumerate(
        [("dosing", 120, people.medical), ("integration", 55, people.therapist)], start=1
    ):
        item = RetreatTemplateItem.objects.create(
            retreat=retreat,
            day=day,
            kind=kind,
            start_time=datetime.time(10),
            duration_minutes=minutes,
        )
        session = completed_session(
            patient=people.patient,
            clinician=clinician,
            starts_at=_at(retreat.starts_on + datetime.timedelta(days=day - 1)),
            minutes=minutes,
            kind=kind,
        )
        RetreatSession.objects.create(enrollment=enrollment, item=item, session=session)
    weekly = [
        completed_session(
            patient=people.patient,
            clinician=people.therapist,
            starts_at=_at(day),
            minutes=55,
        )
        for day in (datetime.date(2026, 10, 12), datetime.date(2026, 10, 19))
    ]
    return preparation, weekly


def test_an_admin_prices_care_with_a_scale_and_packages_and_the_charges_follow(
    people, sessions, page, login
):
    preparation, weekly = sessions
    login("alice")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="Patient, Erin").click()
    page.get_by_role("link", name="Open ledger").click()
    pricing = page.locator("#pricing")
    assert "Standard fees (no sliding scale)" in pricing.inner_text()
    assert "No packages." in pricing.inner_text()

    # A sliding scale of 20 %.
    pricing.get_by_text("Set a sliding scale").click()
    page.fill("#id_percent", "20")
    page.fill("#id_reason", "Income below the clinic's threshold")
    page.get_by_role("button", name="Set sliding scale").click()
    assert "Sliding scale set" in page.locator(".messages").inner_text()
    assert (
        "20 % off the standard fee (Income below the clinic's threshold)"
        in page.get_by_test_id("sliding-scale").inner_text()
    )

    # A prepaid package of three integration sessions, whose end date is mistyped first.
    pricing.get_by_text("Sell a prepaid package").click()
    page.fill("#id_name", "Integration bundle")
    page.fill("#id_price", "450")
    page.fill("#id_sessions_included", "3")
    page.select_option("#id_session_kind", label="Integration")
    page.fill("#id_starts_on", "2026-10-01")
    page.fill("#id_ends_on", "2026-09-30")
    page.get_by_role("button", name="Add package").click()
    package_form = page.locator("form", has=page.locator("#id_ends_on"))
    assert package_form.is_visible()  # still open, next to what was typed
    assert "The package ends before it starts: check its dates." in package_form.inner_text()
    assert page.input_value("#id_name") == "Integration bundle"
    assert not Package.objects.exists()
    page.fill("#id_ends_on", "2026-12-31")
    page.get_by_role("button", name="Add package").click()
    assert "Package added" in page.locator(".messages").inner_text()
    bundle = page.locator("#pricing tr", has_text="Integration bundle")
    assert "Integration sessions from Oct 1, 2026 until Dec 31, 2026" in bundle.inner_text()
    assert "$450.00" in bundle.inner_text() and "0 of 3" in bundle.inner_text()

    # The retreat place as one package, at the price agreed with the patient.
    pricing.get_by_text("Price a retreat as one package").click()
    # (By label: the form's fields have ids of their own, not the prepaid package form's.)
    retreat_form = page.locator("form", has=page.get_by_role("button", name="Add retreat package"))
    retreat_form.get_by_label("Retreat").select_option(
        label="Autumn retreat (Oct 5–Oct 6, 2026, $1,500.00)"
    )
    retreat_form.get_by_label("Price").fill("1200")
    retreat_form.get_by_role("button", name="Add retreat package").click()
    assert "Retreat package added" in page.locator(".messages").inner_text()
    retreat_row = page.locator("#pricing tr", has_text="Autumn retreat")
    assert "The sessions of Autumn retreat, Oct 5–Oct 6, 2026" in retreat_row.inner_text()
    assert "$1,200.00" in retreat_row.inner_text() and "0 of 2" in retreat_row.inner_text()
    assert page.get_by_text("Price a retreat as one package").count() == 0

    # Month end: the billing desk suggests charges for the completed sessions.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()
    page.get_by_role("button", name="Suggest charges for completed sessions").click()
    assert "charge(s) suggested from completed sessions" in page.locator(".messages").inner_text()
    queue = page.locator("#review-queue").inner_text()
    for note in (
        "Autumn retreat: session 1 of 2",
        "Autumn retreat: session 2 of 2",
        "Integration bundle: session 1 of 3",
        "Integration bundle: session 2 of 3",
    ):
        assert note in queue

    page.locator("#review-queue").get_by_role("link", name="Erin Patient").first.click()
    charges = page.locator("section", has=page.get_by_role("heading", name="Charges"))
    assert "Integration bundle: session 2 of 3" in charges.inner_text()
    assert "2 of 3" in page.locator("#pricing tr", has_text="Integration bundle").inner_text()
    assert "2 of 2" in page.locator("#pricing tr", has_text="Autumn retreat").inner_text()

    # DB facts: the packages' prices are shared out, and only the session no package covers
    # gets the sliding scale.
    retreat_total = sum(c.amount for c in Charge.objects.filter(package__kind="retreat"))
    assert retreat_total == Decimal("1200.00")
    assert [c.amount for c in Charge.objects.filter(session__in=weekly)] == [
        Decimal("150.00"),
        Decimal("150.00"),
    ]
    (first_visit,) = Charge.objects.filter(session=preparation)
    assert first_visit.package is None
    assert first_visit.amount == (first_visit.unit_fee * first_visit.units * Decimal("0.8"))
