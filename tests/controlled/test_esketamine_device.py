"""The esketamine nasal spray device in the ledger: esketamine at the label's one strength
(28 mg per device), stocked as kits of devices, given by the esketamine route and by no
ketamine route, while ketamine's vial and troche serve no esketamine dose."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from controlled.models import Product
from controlled.services import product_create
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

DEVICE = {
    "name": "Spravato 28 mg nasal spray, 2-device kit",
    "form": "device",
    "substance": "Esketamine hydrochloride",
    "strength_mg": Decimal("28"),
    "units_per_container": Decimal("2"),
    "ndc": "50458-028-02",
}


def test_a_device_kit_is_28_mg_devices_of_schedule_iii(people):
    product = product_create(clinic=people.clinic, **DEVICE)
    assert product.schedule == "III"
    assert (product.unit_label, product.strength_display, product.container_display) == (
        "device",
        "28 mg/device",
        "kit of 2 devices",
    )
    assert product.mg_per_container == Decimal("56")
    assert product.units_for(Decimal("84")) == Decimal("3.00")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"strength_mg": Decimal("30")}, "strength_mg", "holds 28 mg (the label's only strength)"),
        ({"substance": "Ketamine hydrochloride"}, "substance", "esketamine's (SPRAVATO)"),
        ({"form": "vial"}, "form", "Esketamine is stocked as its nasal spray device."),
    ],
)
def test_a_product_that_is_not_the_esketamine_device_as_labelled_is_refused(
    people, changes, field, message
):
    with pytest.raises(ValidationError) as caught:
        product_create(clinic=people.clinic, **{**DEVICE, **changes})
    assert message in " ".join(caught.value.message_dict[field])
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("form", "routes"),
    [
        ("device", {"esketamine_nasal"}),
        ("vial", {"im", "iv", "sc", "in"}),
        ("troche", {"oral"}),
        ("other", set()),
    ],
)
def test_each_form_suits_its_routes_only(people, form, routes):
    product = ProductFactory.build(clinic=people.clinic, form=form)
    every = {"im", "iv", "sc", "in", "oral", "esketamine_nasal"}
    assert {route for route in every if product.suits_route(route)} == routes


def test_the_api_creates_the_device_and_refuses_a_wrong_strength(people, api_as):
    client = api_as(people.admin)
    body = {**DEVICE, "strength_mg": "30", "units_per_container": "2"}
    refused = client.post("/api/v1/controlled/products/", body, format="json")
    assert refused.status_code == 400
    assert "strength_mg" in refused.json()["fields"]
    assert not Product.objects.exists()
    created = client.post(
        "/api/v1/controlled/products/", {**body, "strength_mg": "28"}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert (created.json()["form"], created.json()["unit"]) == ("device", "device")
