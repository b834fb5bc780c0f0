"""The admin's patient forms: valid input is saved through the services, bad input is shown
field by field and nothing is saved."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from practice import services
from practice.models import Patient

pytestmark = pytest.mark.django_db

FORM = {
    "legal_first_name": "Harper",
    "legal_last_name": "Quinn",
    "preferred_name": "",
    "date_of_birth": "1990-07-14",
    "sex": "F",
    "phone": "(720) 555-0133",
    "email": "harper.quinn@example.com",
    "address_line1": "901 Walnut Street",
    "address_line2": "",
    "city": "Boulder",
    "state": "CO",
    "postal_code": "80302",
    "insurance_payer": "Cigna",
    "insurance_member_id": "U7781203",
    "insurance_group_number": "",
    "emergency_contact_name": "",
    "emergency_contact_relationship": "",
    "emergency_contact_phone": "",
    "escort_name": "Jordan Quinn",
    "escort_phone": "720-555-0155",
}


def test_an_admin_registers_a_patient_through_the_form(people, web_as):
    response = web_as(people.admin).post("/patients/new/", FORM)
    patient = Patient.objects.get(legal_last_name="Quinn")
    assert response.status_code == 302
    assert response["Location"] == f"/patients/{patient.pk}/"
    assert patient.clinic == people.clinic
    assert patient.escort_phone.as_e164 == "+17205550155"
    page = web_as(people.admin).get(response["Location"]).content.decode()
    assert "Patient registered." in page


def test_bad_input_on_the_form_is_shown_per_field_and_nothing_is_saved(people, web_as):
    before = Patient.objects.count()
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    response = web_as(people.admin).post(
        "/patients/new/",
        {**FORM, "legal_last_name": "", "date_of_birth": tomorrow, "phone": "555"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"legal_last_name", "date_of_birth", "phone"}
    page = response.content.decode()
    assert "A date of birth cannot be in the future." in page
    assert "This field is required." in page
    assert "Enter a valid phone number" in page
    assert Patient.objects.count() == before


def test_an_admin_edits_a_patient_and_a_bad_edit_changes_nothing(people, web_as):
    client = web_as(people.admin)
    url = f"/patients/{people.patient.pk}/edit/"
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}

    response = client.post(url, {**data, "insurance_payer": "Changed", "escort_phone": "12"})
    assert response.status_code == 200
    assert "escort_phone" in response.context["form"].errors
    people.patient.refresh_from_db()
    assert people.patient.insurance_payer == "Aetna"

    response = client.post(url, {**data, "insurance_payer": "United Healthcare"})
    assert response.status_code == 302
    people.patient.refresh_from_db()
    assert people.patient.insurance_payer == "United Healthcare"


@pytest.mark.parametrize("who", ["therapist", "medical", "patient"])
def test_only_admins_open_the_patient_forms(people, web_as, who):
    client = web_as(getattr(people, who))
    assert client.get("/patients/new/").status_code == 403
    assert client.post("/patients/new/", FORM).status_code == 403
    assert client.get(f"/patients/{people.patient.pk}/edit/").status_code == 403
    assert not Patient.objects.filter(legal_last_name="Quinn").exists()


def test_another_clinics_admin_cannot_edit_our_patient(people, web_as):
    client = web_as(people.other_admin)
    assert client.get(f"/patients/{people.patient.pk}/edit/").status_code == 404
    response = client.post(f"/patients/{people.patient.pk}/edit/", FORM)
    assert response.status_code == 404
    people.patient.refresh_from_db()
    assert people.patient.legal_first_name == "Erin"


def test_the_patient_list_searches_by_name_and_pages(people, web_as):
    from tests.factories import PatientFactory

    # Fixed names: a random one could contain the searched text.
    PatientFactory.create_batch(
        30, clinic=people.clinic, legal_first_name="Zoe", legal_last_name="Zimmer"
    )
    client = web_as(people.admin)
    page_one = client.get("/patients/")
    assert page_one.context["page_obj"].paginator.count == 32
    assert len(page_one.context["patients"]) == 25
    assert "Page 1 of 2" in page_one.content.decode()
    found = client.get("/patients/?q=erin")
    assert [p.pk for p in found.context["patients"]] == [people.patient.pk]


def test_a_models_validation_in_the_service_is_shown_on_the_form_not_a_500(
    people, web_as, monkeypatch
):
    def refuse(**kwargs):
        raise ValidationError({"postal_code": ["Enter a ZIP code of this clinic's state."]})

    monkeypatch.setattr(services, "patient_create", refuse)
    before = Patient.objects.count()
    response = web_as(people.admin).post("/patients/new/", FORM)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "postal_code": ["Enter a ZIP code of this clinic's state."]
    }
    assert Patient.objects.count() == before


def test_a_models_validation_from_a_patient_page_action_is_a_message_after_the_redirect(
    people, web_as, monkeypatch
):
    def refuse(**kwargs):
        raise ValidationError("This staff member is already on the care team.")

    monkeypatch.setattr(services, "care_team_add", refuse)
    response = web_as(people.admin).post(
        f"/patients/{people.patient.pk}/care-team/",
        {"staff": people.outsider.pk},
        follow=True,
    )
    assert response.redirect_chain == [(f"/patients/{people.patient.pk}/", 302)]
    assert "This staff member is already on the care team." in [
        str(m) for m in response.context["messages"]
    ]
