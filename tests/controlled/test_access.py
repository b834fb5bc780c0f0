"""Who may see and write the ledger, through the API and the pages; query counts."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry

from controlled import services
from controlled.models import LedgerEntry
from tests.audit import audited_reads
from tests.factories import PASSWORD, ProductFactory, clinic_today, receive_lot

pytestmark = pytest.mark.django_db

API_LISTS = [
    "/api/v1/controlled/products/",
    "/api/v1/controlled/lots/",
    "/api/v1/controlled/entries/",
    "/api/v1/controlled/counts/",
    "/api/v1/controlled/inventories/",
]
PAGES = [
    "/controlled/",
    "/controlled/lots/new/",
    "/controlled/counts/",
    "/controlled/inventories/",
    "/controlled/inventories/new/",
    "/controlled/reports/",
]


@pytest.mark.parametrize("who", ["therapist", "outsider", "patient"])
@pytest.mark.parametrize("url", API_LISTS)
def test_therapists_and_patients_get_403_from_the_api(people, api_as, lot, who, url):
    assert api_as(getattr(people, who)).get(url).status_code == 403


@pytest.mark.parametrize("who", ["therapist", "patient"])
def test_therapists_and_patients_cannot_open_a_lot_or_write(people, api_as, lot, who):
    client = api_as(getattr(people, who))
    assert client.get(f"/api/v1/controlled/lots/{lot.pk}/").status_code == 403
    response = client.post(
        f"/api/v1/controlled/lots/{lot.pk}/record/",
        {"kind": "loss", "quantity_mg": "5", "reason": "x"},
        format="json",
    )
    assert response.status_code == 403
    assert lot.entries.count() == 1


@pytest.mark.parametrize("who", ["therapist", "patient"])
@pytest.mark.parametrize("url", PAGES)
def test_therapists_and_patients_get_403_on_the_pages(people, web_as, lot, who, url):
    assert web_as(getattr(people, who)).get(url).status_code == 403


@pytest.mark.parametrize("who", ["admin", "medical"])
@pytest.mark.parametrize("url", PAGES)
def test_admins_and_medical_staff_open_the_pages(people, web_as, lot, who, url):
    response = web_as(getattr(people, who)).get(url)
    assert response.status_code == 200


def test_another_clinics_lot_answers_404(people, api_as, web_as, lot):
    assert api_as(people.other_admin).get(f"/api/v1/controlled/lots/{lot.pk}/").status_code == 404
    assert api_as(people.other_admin).get("/api/v1/controlled/lots/").json()["count"] == 0
    assert web_as(people.other_admin).get(f"/controlled/lots/{lot.pk}/").status_code == 404
    entry = lot.entries.get()
    assert (
        web_as(people.other_admin).get(f"/controlled/entries/{entry.pk}/reverse/").status_code
        == 404
    )


def test_the_nav_shows_the_ledger_to_admins_and_medical_staff_only(people, web_as):
    assert "Controlled substances" in web_as(people.medical).get("/today/").content.decode()
    assert "Controlled substances" not in web_as(people.therapist).get("/today/").content.decode()


def test_receiving_a_lot_through_the_api(people, api_as, product):
    response = api_as(people.medical).post(
        "/api/v1/controlled/lots/",
        {
            "product_id": product.pk,
            "lot_number": "K7781",
            "expires_on": "2031-01-31",
            "supplier_name": "Front Range Medical Supply",
            "supplier_address": "4100 Brighton Blvd, Denver, CO 80216",
            "supplier_dea_number": "RM2233447",
            "containers_received": 5,
            "invoice_number": "INV-9",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["balance_mg"] == "2500.00"
    assert response.json()["balance_units"] == "50.00"


def test_a_bad_supplier_dea_number_is_a_400_with_the_field(people, api_as, product):
    response = api_as(people.medical).post(
        "/api/v1/controlled/lots/",
        {
            "product_id": product.pk,
            "lot_number": "K7781",
            "expires_on": "2031-01-31",
            "supplier_name": "Front Range Medical Supply",
            "supplier_address": "Denver",
            "supplier_dea_number": "RM2233445",
            "containers_received": 5,
            "invoice_number": "INV-9",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "supplier_dea_number" in response.json()["fields"]
    assert not product.lots.exists()


def test_waste_through_the_api_is_witnessed_and_audited(people, api_as, lot, nurse):
    client = api_as(people.medical)
    refused = client.post(
        f"/api/v1/controlled/lots/{lot.pk}/record/",
        {
            "kind": "waste",
            "quantity_mg": "5",
            "reason": "Remainder",
            "witness_id": nurse.pk,
            "witness_password": "wrong",
        },
        format="json",
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "witness_refused"
    assert lot.entries.count() == 1

    response = client.post(
        f"/api/v1/controlled/lots/{lot.pk}/record/",
        {
            "kind": "waste",
            "quantity_mg": "5",
            "reason": "Remainder",
            "witness_id": nurse.pk,
            "witness_password": PASSWORD,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["witness_name"] == "Nina Nurse, RN"
    assert "witness_password" not in response.json()
    entry = LedgerEntry.objects.get(pk=response.json()["id"])
    log = LogEntry.objects.get_for_object(entry).get(action=LogEntry.Action.CREATE)
    assert log.actor == people.medical.user


def test_an_overdraw_through_the_api_is_a_409(people, api_as, lot, nurse):
    response = api_as(people.medical).post(
        f"/api/v1/controlled/lots/{lot.pk}/record/",
        {
            "kind": "loss",
            "quantity_mg": "501",
            "reason": "Broken",
            "witness_id": nurse.pk,
            "witness_password": PASSWORD,
        },
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert lot.entries.count() == 1


def test_reversing_through_the_api(people, api_as, lot, nurse):
    entry = services.entry_record(
        lot=lot,
        kind="loss",
        quantity_mg="5",
        staff=people.medical,
        reason="Dropped",
        witness=nurse,
        witness_password=PASSWORD,
    )
    response = api_as(people.medical).post(
        f"/api/v1/controlled/entries/{entry.pk}/reverse/",
        {"reason": "Found intact", "witness_id": nurse.pk, "witness_password": PASSWORD},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["reverses"] == entry.pk
    lot_data = api_as(people.medical).get(f"/api/v1/controlled/lots/{lot.pk}/").json()
    assert lot_data["balance_mg"] == "500.00"


def test_reading_a_lot_is_an_audited_access(people, api_as, lot):
    api_as(people.admin).get(f"/api/v1/controlled/lots/{lot.pk}/")
    assert audited_reads(lot)


def test_the_lot_list_costs_the_same_for_one_lot_or_many(
    people, api_as, product, django_assert_num_queries
):
    client = api_as(people.medical)
    receive_lot(product=product, received_by=people.medical)
    # 1 token + user, 2 staff member of the user, 3 count, 4 lots with product and balance,
    # 5 the clinic's time zone (its today decides "expired", looked up once)
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(6):
        assert client.get("/api/v1/controlled/lots/").status_code == 200
    for _ in range(3):
        receive_lot(product=ProductFactory(clinic=people.clinic), received_by=people.medical)
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(6):
        assert len(client.get("/api/v1/controlled/lots/").json()["results"]) == 4


def test_the_entry_list_costs_the_same_for_one_entry_or_many(
    people, api_as, lot, nurse, dose, django_assert_num_queries
):
    client = api_as(people.medical)
    # 1 token + user, 2 staff member, 3 entries with lot, product, people, patient,
    # reversal links (one join; a keyset page: no COUNT(*))
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(4):
        assert client.get("/api/v1/controlled/entries/").status_code == 200
    for _ in range(3):
        record = dose("10")
        services.administration_record(
            dosing_record=record, lot=lot, recorded_by=people.medical, drawn_mg=Decimal("11")
        )
        services.entry_record(
            lot=lot,
            kind="waste",
            quantity_mg="1",
            staff=people.medical,
            witness=nurse,
            witness_password=PASSWORD,
            dosing_record=record,
            reason="Remainder",
        )
    # + the request's audit row (one INSERT, backend/audit.py)
    with django_assert_num_queries(4):
        assert len(client.get("/api/v1/controlled/entries/").json()["results"]) == 7


def test_the_stock_page_shows_balances_and_open_discrepancies(people, web_as, lot, nurse):
    services.count_record(
        lot=lot,
        counted_units=Decimal("9"),
        counted_by=people.medical,
        second_counter=nurse,
        second_counter_password=PASSWORD,
    )
    page = web_as(people.admin).get("/controlled/").content.decode()
    assert "K2201" in page
    assert "500.00" in page
    assert "Open count discrepancy" in page
    dashboard = web_as(people.admin).get("/today/").content.decode()
    assert "Count discrepancy on lot K2201" in dashboard


def test_medical_staff_add_a_product_from_the_pages(people, web_as):
    response = web_as(people.medical).post(
        "/controlled/products/new/",
        {
            "substance": "Ketamine hydrochloride",
            "name": "Ketamine 100 mg troche",
            "form": "troche",
            "strength_mg": "100",
            "units_per_container": "30",
            "schedule": "III",
            "ndc": "",
        },
    )
    assert response.status_code == 302
    from controlled.models import Product

    product = Product.objects.get(name="Ketamine 100 mg troche")
    assert product.clinic == people.clinic
    assert product.mg_per_container == Decimal("3000")


def test_only_admins_set_the_dea_registration(people, web_as):
    assert web_as(people.medical).get("/controlled/registration/").status_code == 403
    response = web_as(people.admin).post(
        "/controlled/registration/",
        {"registrant_name": "Clearwater", "dea_number": "FC7654320", "schedules": "3"},
    )
    assert response.status_code == 200
    assert "check digit" in response.content.decode()
    response = web_as(people.admin).post(
        "/controlled/registration/",
        {"registrant_name": "Clearwater", "dea_number": "fc7654329", "schedules": "3"},
    )
    assert response.status_code == 302
    from controlled.models import Registration

    assert Registration.objects.get(clinic=people.clinic).dea_number == "FC7654329"


def test_the_dosing_lot_selector_lists_only_lots_in_stock_and_not_expired(
    people, product, lot, dose
):
    import datetime

    from controlled.forms import DosingLotField

    expired = receive_lot(product=product, received_by=people.medical, lot_number="OLD")
    empty = receive_lot(product=product, received_by=people.medical, lot_number="EMPTY")
    services.administration_record(dosing_record=dose("500"), lot=empty, recorded_by=people.medical)
    from controlled.models import Lot

    Lot.objects.filter(pk=expired.pk).update(
        expires_on=clinic_today(people.clinic) - datetime.timedelta(days=1)
    )
    field = DosingLotField(clinic_id=people.clinic.pk)
    assert [c.pk for c in field.queryset] == [lot.pk]
    assert "500.00 mg left" in field.label_from_instance(field.queryset.get())
    assert not DosingLotField(clinic_id=people.other_clinic.pk).queryset.exists()
