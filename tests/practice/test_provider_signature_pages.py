"""The signature page: a staff member sets their own, an admin anyone's in the clinic."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageDraw

from practice.models import ProviderSignature
from tests.factories import signature_data_url


def current(staff):
    return ProviderSignature.objects.get(staff_member=staff, replaced_at=None)


@pytest.mark.django_db
def test_the_security_page_leads_a_staff_member_to_their_signature(people, web_as):
    page = web_as(people.therapist).get(reverse("accounts:security"))
    assert reverse("practice:my-signature") in page.content.decode()


@pytest.mark.django_db
def test_a_staff_member_draws_their_signature_on_the_page(people, web_as):
    client = web_as(people.therapist)
    before = current(people.therapist)
    page = client.get(reverse("practice:my-signature"))
    assert page.status_code == 200
    assert before.data_url in page.content.decode()
    response = client.post(reverse("practice:my-signature"), {"signature": signature_data_url()})
    assert response.status_code == 302
    assert current(people.therapist).pk != before.pk
    assert current(people.therapist).set_by == people.therapist.user


@pytest.mark.django_db
def test_a_blank_pad_is_refused_on_the_form(people, web_as):
    before = current(people.therapist)
    response = web_as(people.therapist).post(
        reverse("practice:my-signature"), {"signature": signature_data_url(drawn=False)}
    )
    assert response.status_code == 200
    assert "The signature box is empty" in response.content.decode()
    assert current(people.therapist) == before


@pytest.mark.django_db
def test_an_admin_uploads_a_providers_signature(people, web_as):
    image = Image.new("RGB", (900, 300), "white")
    ImageDraw.Draw(image).line([(50, 250), (400, 60), (850, 240)], fill="black", width=10)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    upload = SimpleUploadedFile("scan.jpg", buffer.getvalue(), content_type="image/jpeg")
    url = reverse("practice:staff-signature", kwargs={"staff_pk": people.medical.pk})
    response = web_as(people.admin).post(url, {"file": upload})
    assert response.status_code == 302
    assert current(people.medical).source == "uploaded"
    assert current(people.medical).set_by == people.admin.user


@pytest.mark.django_db
def test_another_clinics_admin_cannot_reach_a_providers_signature(people, web_as):
    url = reverse("practice:staff-signature", kwargs={"staff_pk": people.medical.pk})
    assert web_as(people.other_admin).get(url).status_code == 404
