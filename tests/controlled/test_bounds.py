"""Amounts the ledger cannot record are refused before anything is saved (400, with the
field), and one bad row never turns the clinic's product list into a server error."""

from decimal import Decimal

import pytest

from controlled.models import LedgerEntry, Lot, Product

pytestmark = pytest.mark.django_db

HUGE = {
    "name": "Ketamine bulk",
    "form": "vial",
    "strength_mg": "99999.999",
    "units_per_container": "999999.99",
}


def test_a_product_holding_more_than_the_ledger_records_is_a_400_and_saves_nothing(people, api_as):
    client = api_as(people.admin)
    response = client.post("/api/v1/controlled/products/", HUGE, format="json")
    assert response.status_code == 400, response.content
    assert "units_per_container" in response.json()["fields"]
    assert not Product.objects.exists()
    assert client.get("/api/v1/controlled/products/").status_code == 200


def test_the_product_list_survives_a_row_saved_before_the_bound(people, api_as):
    Product.objects.create(
        clinic=people.clinic,
        name=HUGE["name"],
        form="vial",
        strength_mg=Decimal(HUGE["strength_mg"]),
        units_per_container=Decimal(HUGE["units_per_container"]),
    )
    response = api_as(people.medical).get("/api/v1/controlled/products/")
    assert response.status_code == 200, response.content
    (row,) = response.json()["results"]
    assert Decimal(row["mg_per_container"]) == Decimal("99999998000.00")  # 99999.999 × 999999.99


def test_a_receipt_beyond_what_a_lot_records_is_a_400_and_saves_nothing(people, api_as, product):
    response = api_as(people.medical).post(
        "/api/v1/controlled/lots/",
        {
            "product_id": product.pk,
            "lot_number": "K7781",
            "expires_on": "2031-01-31",
            "supplier_name": "Front Range Medical Supply",
            "supplier_address": "4100 Brighton Blvd, Denver, CO 80216",
            "supplier_dea_number": "RM2233447",
            "containers_received": 30_000_000,  # × 500 mg
            "invoice_number": "INV-9",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "containers_received" in response.json()["fields"]
    assert not Lot.objects.exists() and not LedgerEntry.objects.exists()
