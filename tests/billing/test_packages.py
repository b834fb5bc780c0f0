"""What a patient pays instead of the standard fee: sliding scales, prepaid packages and
retreat packages, one price for a retreat itemised session by session. Bad input changes
nothing; another clinic's patient or enrollment answers 404."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from backend.errors import InvalidInput
from billing.errors import RetreatPackageRefused
from billing.models import Charge, Package
from billing.services.catalogue import package_create, retreat_package_create
from billing.services.charges import charge_approve, charges_suggest_for_session
from billing.services.payments import payment_record
from billing.services.superbills import superbill_issue, superbill_pdf_bytes
from scheduling.models import Enrollment, RetreatSession, RetreatTemplateItem
from tests.billing.conftest import DENVER
from tests.factories import RetreatFactory, completed_session, dose_from_stock

DAY = datetime.date(2026, 10, 5)


def _at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), DENVER)


def retreat_for(
    people, *, patient=None, price="1500.00", days=(("dosing", 120), ("integration", 55))
):
    """A retreat whose timetable gave `patient` one completed session per day of `days`."""
    patient = patient or people.patient
    retreat = RetreatFactory(
        clinic=people.clinic,
        name="Autumn retreat",
        price=Decimal(price),
        starts_on=DAY,
        ends_on=DAY + datetime.timedelta(days=len(days) - 1),
    )
    enrollment = Enrollment.objects.create(
        clinic=people.clinic, retreat=retreat, patient=patient, status="enrolled"
    )
    sessions = []
    for i, (kind, minutes) in enumerate(days):
        item = RetreatTemplateItem.objects.create(
            retreat=retreat,
            day=i + 1,
            kind=kind,
            start_time=datetime.time(10),
            duration_minutes=minutes,
        )
        session = completed_session(
            patient=patient,
            clinician=people.medical if kind == "dosing" else people.therapist,
            starts_at=_at(DAY + datetime.timedelta(days=i)),
            minutes=minutes,
            kind=kind,
        )
        RetreatSession.objects.create(enrollment=enrollment, item=item, session=session)
        sessions.append(session)
    return enrollment, sessions


def test_a_retreat_is_one_price_itemised_by_session_on_the_charges_and_the_superbill(codes):
    enrollment, (dosing, integration) = retreat_for(codes)
    dose_from_stock(dosing, by=codes.medical)
    dosing_lines = charges_suggest_for_session(session=dosing)
    (integration_line,) = charges_suggest_for_session(session=integration)

    # The first charge made the retreat's package at the retreat's price.
    package = Package.objects.get(patient=codes.patient, retreat=enrollment.retreat)
    assert (package.kind, package.price, package.sessions_included) == (
        "retreat",
        Decimal("1500.00"),
        2,
    )
    assert len(dosing_lines) > 1  # injection, drug, monitoring: the share is split across them
    assert sum(c.amount for c in dosing_lines) == Decimal("750.00")
    assert integration_line.amount == Decimal("750.00")
    assert {c.note for c in dosing_lines} == {"Autumn retreat: session 1 of 2"}
    assert integration_line.note == "Autumn retreat: session 2 of 2"

    for charge in [*dosing_lines, integration_line]:
        charge_approve(charge=charge, approved_by=codes.admin)
    payment_record(patient=codes.patient, method="card", amount=Decimal("1500"), received_on=DAY)
    superbill = superbill_issue(
        patient=codes.patient,
        issued_by=codes.admin,
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 10, 31),
    )
    text = " ".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(superbill_pdf_bytes(superbill=superbill))).pages
    )
    text = " ".join(text.split())
    assert "Autumn retreat: session 1 of 2" in text and "Autumn retreat: session 2 of 2" in text
    assert "Total charged $1,500.00" in text


def test_an_agreed_retreat_price_made_before_the_retreat_is_the_one_charged(codes):
    enrollment, (dosing, integration) = retreat_for(codes)
    retreat_package_create(enrollment=enrollment, price="1000", created_by=codes.admin)
    lines = charges_suggest_for_session(session=dosing) + charges_suggest_for_session(
        session=integration
    )
    assert sum(c.amount for c in lines) == Decimal("1000.00")
    assert Package.objects.filter(patient=codes.patient).count() == 1


def test_a_prepaid_package_never_pays_for_a_retreat_session(codes):
    prepaid = package_create(
        patient=codes.patient,
        name="Integration bundle",
        price="500",
        sessions_included=5,
        session_kind="integration",
    )
    _, (_, integration) = retreat_for(codes)
    (line,) = charges_suggest_for_session(session=integration)
    assert line.package.kind == "retreat"
    assert not Charge.objects.filter(package=prepaid).exists()


def test_a_retreat_package_is_refused_for_a_place_not_taken_or_not_yet_timetabled(codes):
    enrollment, _ = retreat_for(codes)
    waitlisted = Enrollment.objects.create(
        clinic=codes.clinic,
        retreat=enrollment.retreat,
        patient=codes.other_patient,
        status="waitlisted",
        position=1,
    )
    with pytest.raises(RetreatPackageRefused, match="waitlisted"):
        retreat_package_create(enrollment=waitlisted)

    untimetabled = Enrollment.objects.create(
        clinic=codes.clinic,
        retreat=RetreatFactory(clinic=codes.clinic),
        patient=codes.patient,
        status="enrolled",
    )
    with pytest.raises(RetreatPackageRefused, match="generate its timetable first"):
        retreat_package_create(enrollment=untimetabled)

    retreat_package_create(enrollment=enrollment)
    with pytest.raises(RetreatPackageRefused, match="already has a package"):
        retreat_package_create(enrollment=enrollment)
    assert Package.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"price": "-1"}, "price"),
        ({"sessions_included": 0}, "sessions_included"),
        ({"starts_on": DAY, "ends_on": DAY - datetime.timedelta(days=1)}, "ends_on"),
        ({"session_kind": "massage"}, "session_kind"),
        ({"name": " "}, "name"),
    ],
)
def test_a_prepaid_package_with_bad_input_is_refused_naming_the_field_and_nothing_is_made(
    codes, fields, field
):
    good = {"name": "Induction course", "price": "2400", "sessions_included": 6}
    with pytest.raises(InvalidInput) as refused:
        package_create(patient=codes.patient, **{**good, **fields})
    assert field in refused.value.extra["fields"]
    assert not Package.objects.exists()


def test_admins_sell_packages_through_the_api_and_patients_see_only_their_own(codes, api_as):
    admin = api_as(codes.admin)
    response = admin.post(
        "/api/v1/packages/",
        {
            "patient": codes.patient.pk,
            "name": "Induction course",
            "price": "2400.00",
            "sessions_included": 6,
            "session_kind": "dosing",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["used"] == 0 and response.json()["kind"] == "prepaid"
    enrollment, _ = retreat_for(codes, patient=codes.other_patient)
    response = admin.post("/api/v1/packages/", {"enrollment": enrollment.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["price"], response.json()["sessions_included"]) == ("1500.00", 2)

    # Missing fields for a prepaid package: 400 naming them, nothing made.
    response = admin.post("/api/v1/packages/", {"patient": codes.patient.pk}, format="json")
    assert response.status_code == 400
    assert {"name", "price", "sessions_included"} <= set(response.json()["fields"])
    assert Package.objects.count() == 2

    mine = api_as(codes.patient).get("/api/v1/packages/").json()["results"]
    assert [p["name"] for p in mine] == ["Induction course"]
    assert (
        api_as(codes.patient)
        .post("/api/v1/packages/", {"enrollment": enrollment.pk}, format="json")
        .status_code
        == 403
    )

    # Another clinic's admin: this clinic's patient and enrollment are not found.
    other = api_as(codes.other_admin)
    assert (
        other.post(
            "/api/v1/packages/",
            {"patient": codes.patient.pk, "name": "X", "price": "1", "sessions_included": 1},
            format="json",
        ).status_code
        == 404
    )
    assert (
        other.post("/api/v1/packages/", {"enrollment": enrollment.pk}, format="json").status_code
        == 404
    )
    assert other.get("/api/v1/packages/").json()["count"] == 0
    assert Package.objects.count() == 2


def test_the_package_list_costs_the_same_queries_for_one_package_or_ten(codes, api_as):
    client = api_as(codes.admin)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/packages/").status_code == 200
        return len(ctx)

    package_create(patient=codes.patient, name="One", price="100", sessions_included=1)
    one = queries()
    for i in range(9):
        package_create(patient=codes.patient, name=f"P{i}", price="100", sessions_included=2)
    assert queries() == one


def test_the_ledger_page_sets_a_sliding_scale_sells_packages_and_prices_a_retreat(codes, web_as):
    client = web_as(codes.admin)
    url = f"/billing/patients/{codes.patient.pk}/"
    enrollment, _ = retreat_for(codes)
    page = client.get(url).content.decode()
    assert "Standard fees (no sliding scale)" in page
    assert "Autumn retreat (Oct 5–Oct 6, 2026, $1,500.00)" in page

    client.post(url, {"action": "scale", "percent": "20", "reason": "Income"})
    page = client.get(url).content.decode()
    assert "20 % off" in page and "(Income)" in page

    # Ends before it starts: the form says so and nothing is sold.
    response = client.post(
        url,
        {
            "action": "package",
            "name": "Course",
            "price": "900",
            "sessions_included": "3",
            "session_kind": "dosing",
            "starts_on": "2026-10-10",
            "ends_on": "2026-10-01",
        },
        follow=True,
    )
    assert not Package.objects.exists()
    assert "The package ends before it starts" in response.content.decode()

    client.post(
        url,
        {
            "action": "package",
            "name": "Course",
            "price": "900",
            "sessions_included": "3",
            "session_kind": "dosing",
        },
    )
    client.post(url, {"action": "retreat-package", "enrollment": enrollment.pk, "price": ""})
    page = client.get(url).content.decode()
    assert "Course" in page and "0 of 3" in page
    assert "The sessions of Autumn retreat" in page and "0 of 2" in page
    # Priced: the retreat is no longer offered.
    assert "Price a retreat as one package" not in page

    client.post(url, {"action": "scale-remove"})
    assert "Standard fees (no sliding scale)" in client.get(url).content.decode()


def test_another_clinics_admin_cannot_open_or_change_the_ledger(codes, web_as):
    client = web_as(codes.other_admin)
    url = f"/billing/patients/{codes.patient.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "scale", "percent": "50"}).status_code == 404
    assert not codes.patient.__class__.objects.filter(sliding_scale__isnull=False).exists()
