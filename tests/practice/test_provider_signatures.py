"""Providers' signatures: set by the staff member or a clinic admin, drawn or uploaded,
checked by content, replaced and never edited."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from practice.errors import RoleNotAllowed, SignatureRefused
from practice.models import ProviderSignature
from practice.selectors import provider_signatures_current
from practice.services import provider_signature_set
from tests.factories import signature_data_url


def photo(format: str, *, size=(2400, 800)) -> SimpleUploadedFile:
    """A scan of a signature on white paper, as a phone takes it."""
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).line([(200, 600), (900, 200), (2000, 650)], fill="black", width=24)
    buffer = io.BytesIO()
    image.save(buffer, format=format)
    return SimpleUploadedFile(f"signature.{format.lower()}", buffer.getvalue())


@pytest.mark.django_db
def test_a_staff_member_draws_their_own_signature_and_it_replaces_the_one_on_file(people):
    before = ProviderSignature.objects.get(staff_member=people.therapist, replaced_at=None)
    signature = provider_signature_set(
        staff_member=people.therapist, set_by=people.therapist.user, drawn=signature_data_url()
    )
    assert signature.source == "drawn"
    assert bytes(signature.png).startswith(b"\x89PNG")
    before.refresh_from_db()
    assert before.replaced_at == signature.set_at
    assert provider_signatures_current(staff_member_ids=[people.therapist.pk]) == {
        people.therapist.pk: signature
    }


@pytest.mark.django_db
def test_a_clinic_admin_uploads_a_jpeg_which_is_kept_as_a_png_scaled_to_the_pad(people):
    signature = provider_signature_set(
        staff_member=people.medical, set_by=people.admin.user, file=photo("JPEG")
    )
    image = Image.open(io.BytesIO(bytes(signature.png)))
    assert (image.format, image.size) == ("PNG", (1200, 400))
    assert signature.source == "uploaded"
    assert signature.set_by == people.admin.user


@pytest.mark.django_db
def test_an_upload_is_judged_by_content_not_by_name(people):
    fake = SimpleUploadedFile("signature.png", b"MZ\x90\x00" + b"\x00" * 200)
    with pytest.raises(SignatureRefused) as refused:
        provider_signature_set(staff_member=people.medical, set_by=people.admin.user, file=fake)
    assert refused.value.extra["fields"] == {
        "file": ["Upload the signature as a PNG or JPEG image."]
    }


@pytest.mark.django_db
def test_a_blank_pad_or_a_blank_page_is_refused_and_the_signature_on_file_stays(people):
    current = ProviderSignature.objects.get(staff_member=people.therapist, replaced_at=None)
    with pytest.raises(SignatureRefused):
        provider_signature_set(
            staff_member=people.therapist,
            set_by=people.therapist.user,
            drawn=signature_data_url(drawn=False),
        )
    blank = io.BytesIO()
    Image.new("RGB", (600, 200), "white").save(blank, format="PNG")
    with pytest.raises(SignatureRefused):
        provider_signature_set(
            staff_member=people.therapist,
            set_by=people.therapist.user,
            file=SimpleUploadedFile("blank.png", blank.getvalue()),
        )
    assert ProviderSignature.objects.get(staff_member=people.therapist, replaced_at=None) == current


@pytest.mark.django_db
def test_one_way_at_a_time(people):
    with pytest.raises(SignatureRefused):
        provider_signature_set(staff_member=people.therapist, set_by=people.therapist.user)
    with pytest.raises(SignatureRefused):
        provider_signature_set(
            staff_member=people.therapist,
            set_by=people.therapist.user,
            drawn=signature_data_url(),
            file=photo("PNG"),
        )


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["outsider", "medical", "other_admin"])
def test_only_the_staff_member_or_their_clinics_admin_sets_it(people, who):
    with pytest.raises(RoleNotAllowed):
        provider_signature_set(
            staff_member=people.therapist,
            set_by=getattr(people, who).user,
            drawn=signature_data_url(),
        )
    assert ProviderSignature.objects.filter(staff_member=people.therapist).count() == 1
