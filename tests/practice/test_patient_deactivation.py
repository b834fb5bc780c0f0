"""A patient is never deleted: deactivated with a reason, out of active lists, their record
still readable to the care team; the admin site offers no delete."""

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from backend.models import AuditEvent
from practice import services
from practice.models import Patient
from tests.otp import sign_in

pytestmark = pytest.mark.django_db


def test_deactivating_needs_a_reason_and_changes_nothing_without_one(people):
    with pytest.raises(ValidationError) as refused:
        services.patient_deactivate(patient=people.patient, by=people.admin.user, reason="  ")
    assert "reason" in refused.value.message_dict
    assert Patient.objects.get(pk=people.patient.pk).is_active


def test_the_api_deactivates_with_a_reason_and_the_list_drops_the_patient(people, api_as):
    client = api_as(people.admin)
    url = f"/api/v1/patients/{people.patient.pk}/deactivate/"
    refused = client.post(url, {}, format="json")
    assert refused.status_code == 400
    assert Patient.objects.get(pk=people.patient.pk).is_active

    response = client.post(url, {"reason": "Moved away"}, format="json")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    patient = Patient.objects.get(pk=people.patient.pk)
    assert (patient.deactivation_reason, patient.deactivated_by) == (
        "Moved away",
        people.admin.user,
    )
    listed = [row["id"] for row in client.get("/api/v1/patients/").json()["results"]]
    assert people.patient.pk not in listed
    inactive = client.get("/api/v1/patients/", {"is_active": "false"}).json()["results"]
    assert [row["id"] for row in inactive] == [people.patient.pk]
    # The care team still reads the record.
    assert api_as(people.therapist).get(f"/api/v1/patients/{people.patient.pk}/").status_code == 200
    # Audited: the deactivation request names the patient.
    assert AuditEvent.objects.filter(
        route="api:patient-deactivate", patients__contains=f" {people.patient.pk} "
    ).exists()

    assert client.post(f"/api/v1/patients/{people.patient.pk}/reactivate/").status_code == 200
    assert Patient.objects.get(pk=people.patient.pk).is_active


def test_only_admins_deactivate(people, api_as):
    response = api_as(people.therapist).post(
        f"/api/v1/patients/{people.patient.pk}/deactivate/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 403
    assert Patient.objects.get(pk=people.patient.pk).is_active


def test_the_api_has_no_delete_for_patients(people, api_as):
    response = api_as(people.admin).delete(f"/api/v1/patients/{people.patient.pk}/")
    assert response.status_code == 405
    assert Patient.objects.filter(pk=people.patient.pk).exists()


def test_the_patient_page_deactivates_with_a_reason(people, web_as):
    client = web_as(people.admin)
    client.post(f"/patients/{people.patient.pk}/deactivate/", {"reason": ""})
    assert Patient.objects.get(pk=people.patient.pk).is_active
    client.post(f"/patients/{people.patient.pk}/deactivate/", {"reason": "Treatment ended"})
    assert not Patient.objects.get(pk=people.patient.pk).is_active
    listed = client.get("/patients/").context["patients"]
    assert people.patient not in list(listed)
    assert people.patient in list(client.get("/patients/", {"inactive": "1"}).context["patients"])
    page = web_as(people.therapist).get(f"/patients/{people.patient.pk}/")
    assert page.status_code == 200
    assert "Treatment ended" in page.content.decode()


def test_the_admin_site_cannot_delete_a_patient(people, django_user_model, client):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    sign_in(client, root)
    response = client.post(f"/admin/practice/patient/{people.patient.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    request = RequestFactory().get("/admin/practice/patient/")
    request.user = root
    model_admin = site._registry[Patient]
    assert "delete_selected" not in model_admin.get_actions(request)
    assert not model_admin.has_delete_permission(request, people.patient)
    assert Patient.objects.filter(pk=people.patient.pk).exists()
