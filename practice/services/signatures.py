"""Providers' signatures: set by the staff member themself or by a clinic admin, drawn on
the signature pad or uploaded, and replaced (never edited).

A drawn signature arrives as a PNG data URL and goes through the consents' check
(`signature_png_from_data_url`). An upload is judged by content like a document (libmagic:
only PNG or JPEG), scaled to fit the pad's proportions, turned into a PNG and then passes
the same check, so both ways store the same thing: PNG bytes with something drawn on them.
"""

import base64
import hashlib
import io

import magic
from django.db import transaction
from django.utils import timezone

from backend.errors import full_clean_or_refuse
from backend.roles import ADMIN
from practice.errors import RoleNotAllowed, SignatureRefused
from practice.models import ProviderSignature, StaffMember
from practice.services.consents import signature_png_from_data_url

UPLOAD_MAX_BYTES = 5 * 1024 * 1024
UPLOAD_TYPES = frozenset({"image/png", "image/jpeg"})
# An uploaded image is scaled down to fit this box before it is checked and kept.
UPLOAD_BOX = (1200, 400)


def _refuse(field: str, message: str) -> SignatureRefused:
    return SignatureRefused(message, extra={"fields": {field: [message]}})


def _require_setter(*, staff_member: StaffMember, user) -> None:
    """The staff member themself, or an active admin of their clinic."""
    if staff_member.user_id == user.pk:
        return
    setter = StaffMember.objects.filter(user=user, is_active=True).first()
    if setter is None or setter.clinic_id != staff_member.clinic_id or setter.role != ADMIN:
        raise RoleNotAllowed(
            "Only the staff member themself or a clinic admin sets a provider's signature."
        )


def _png_from_upload(file) -> bytes:
    from PIL import Image, UnidentifiedImageError

    file.seek(0)
    data = file.read(UPLOAD_MAX_BYTES + 1)
    if not data:
        raise _refuse("file", "The file is empty.")
    if len(data) > UPLOAD_MAX_BYTES:
        raise _refuse("file", "The image is larger than 5 MB: upload a smaller scan.")
    if magic.from_buffer(data[:8192], mime=True) not in UPLOAD_TYPES:
        raise _refuse("file", "Upload the signature as a PNG or JPEG image.")
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise _refuse("file", "The image could not be read.") from exc
    image = image.convert("RGBA")
    image.thumbnail(UPLOAD_BOX)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@transaction.atomic
def provider_signature_set(
    *, staff_member: StaffMember, set_by, drawn: str = "", file=None
) -> ProviderSignature:
    """Make a new signature current for `staff_member`: `drawn` (a PNG data URL from the
    signature pad) or `file` (an uploaded PNG or JPEG), exactly one of them.

    Locks the staff member's row so two settings in a race replace one another in order;
    the signature it replaces keeps its row with `replaced_at` set. Raises RoleNotAllowed
    (403) unless `set_by` is the staff member's own user or an admin of their clinic, and
    SignatureRefused (400, per field) for nothing given, both given, an empty drawing or an
    image that is not a PNG or JPEG.
    """
    _require_setter(staff_member=staff_member, user=set_by)
    if bool(drawn) == (file is not None):
        raise _refuse("signature", "Draw the signature or upload an image of it (one of them).")
    if file is not None:
        png = _png_from_upload(file)
        source = ProviderSignature.Source.UPLOADED
        data_url = "data:image/png;base64," + base64.b64encode(png).decode()
        field = "file"
    else:
        data_url, source, field = drawn, ProviderSignature.Source.DRAWN, "signature"

    def error(message, extra):
        return _refuse(field, message)

    png = signature_png_from_data_url(data_url, error=error)
    staff_member = StaffMember.objects.select_for_update().get(pk=staff_member.pk)
    now = timezone.now()
    ProviderSignature.objects.filter(staff_member=staff_member, replaced_at__isnull=True).update(
        replaced_at=now
    )
    signature = ProviderSignature(
        clinic_id=staff_member.clinic_id,
        staff_member=staff_member,
        png=png,
        sha256=hashlib.sha256(png).hexdigest(),
        source=source,
        set_by=set_by,
        set_at=now,
    )
    full_clean_or_refuse(signature, SignatureRefused)
    signature.save()
    return signature
