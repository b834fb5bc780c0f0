"""Consent documents: templates (versioned per clinic and kind), signing, countersigning,
revocation, and the hash check.

- A clinic admin writes a template version (a draft) and publishes it; publishing retires
  the version it replaces. Its body never changes after that: a change is a new version,
  which says whether patients who signed an earlier one must sign again.
- The patient signs in the portal: the text rendered for them, their typed name and a drawn
  signature (a PNG that must hold a drawing). The record keeps the text, the name, the PNG,
  the moment, the address, the browser and the login, and a SHA-256 over the document
  (`Consent.compute_hash`); `consent_verify` recomputes it.
- Medical staff or an admin countersign; staff or the patient revoke with a reason. Both are
  recorded on the consent, which is never deleted.
"""

import base64
import binascii
import datetime
import hashlib
import io

from django.db import transaction
from django.db.models import Max
from django.utils import formats, timezone

from backend.errors import full_clean_or_refuse
from backend.roles import ADMIN, MEDICAL
from practice.choices import ConsentKind, ConsentTemplateStatus, StaffRole
from practice.errors import (
    ConsentInvalid,
    ConsentRefused,
    ConsentTemplateRefused,
    RoleNotAllowed,
)
from practice.models import CareTeam, Consent, ConsentTemplate, Patient, StaffMember
from practice.models.consents import CONSENT_FIELDS, FIELD_PATTERN, REQUIRED_FIELDS, braced

# A drawn signature: a PNG data URL of at most this many bytes, this many pixels a side,
# with at least this many drawn (opaque, darker than light grey) pixels.
SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_MAX_SIDE = 4000
SIGNATURE_MIN_DRAWN_PIXELS = 20
_DATA_URL_PREFIX = "data:image/png;base64,"


def _require_admin(by: StaffMember, clinic_id: int) -> None:
    if by.clinic_id != clinic_id or not by.is_active or by.role != ADMIN:
        raise RoleNotAllowed("Only the clinic's admins write consent templates.")


def consent_template_body_problems(*, kind: str, body: str) -> list[str]:
    """What is wrong with a template body: named fields it may not use, and the fields its
    kind needs (`REQUIRED_FIELDS`) that it leaves out."""
    used = set(FIELD_PATTERN.findall(body))
    problems = []
    unknown = sorted(used - set(CONSENT_FIELDS))
    if unknown:
        problems.append(
            "Unknown fields: "
            + ", ".join(braced(name) for name in unknown)
            + "; a template may use "
            + ", ".join(braced(name) for name in CONSENT_FIELDS)
            + "."
        )
    absent = [name for name in REQUIRED_FIELDS.get(kind, ()) if name not in used]
    if absent:
        problems.append(
            f"A {ConsentKind(kind).label} names " + ", ".join(braced(name) for name in absent) + "."
        )
    return problems


@transaction.atomic
def consent_template_create(
    *,
    clinic_id: int,
    kind: str,
    title: str,
    body: str,
    by: StaffMember,
    requires_new_signature: bool = True,
    requires_countersignature: bool = False,
) -> ConsentTemplate:
    """A new draft version of the clinic's template of `kind` (version = highest + 1).

    Locks the clinic's versions of that kind (so two admins get two numbers). Raises
    RoleNotAllowed (not the clinic's admin) or ConsentTemplateRefused (unknown kind, a body
    with unknown fields or without the fields its kind needs)."""
    _require_admin(by, clinic_id)
    if kind not in ConsentKind.values:
        raise ConsentTemplateRefused(
            f"Unknown consent kind {kind!r}.", extra={"fields": {"kind": ["Unknown kind."]}}
        )
    problems = consent_template_body_problems(kind=kind, body=body)
    if problems:
        raise ConsentTemplateRefused(" ".join(problems), extra={"fields": {"body": problems}})
    existing = ConsentTemplate.objects.select_for_update().filter(clinic_id=clinic_id, kind=kind)
    latest = existing.aggregate(latest=Max("version"))["latest"] or 0
    template = ConsentTemplate(
        clinic_id=clinic_id,
        kind=kind,
        version=latest + 1,
        title=title.strip(),
        body=body.strip(),
        requires_new_signature=requires_new_signature,
        requires_countersignature=requires_countersignature,
        created_by=by,
    )
    full_clean_or_refuse(template, ConsentTemplateRefused)
    template.save()
    return template


@transaction.atomic
def consent_template_publish(
    *, template: ConsentTemplate, by: StaffMember, at: datetime.datetime | None = None
) -> ConsentTemplate:
    """Publish a draft: it becomes the clinic's version of its kind and the published one it
    replaces is retired. Locks the clinic's versions of the kind. Raises RoleNotAllowed or
    ConsentRefused (not a draft, or a later version is already published)."""
    at = at or timezone.now()
    _require_admin(by, template.clinic_id)
    versions = {
        t.pk: t
        for t in ConsentTemplate.objects.select_for_update().filter(
            clinic_id=template.clinic_id, kind=template.kind
        )
    }
    template = versions[template.pk]
    if template.status != ConsentTemplateStatus.DRAFT:
        raise ConsentRefused(
            f"Version {template.version} is {template.get_status_display().lower()}; only a "
            "draft is published. Write a new version to change the document."
        )
    for other in versions.values():
        if other.status == ConsentTemplateStatus.PUBLISHED:
            if other.version > template.version:
                raise ConsentRefused(
                    f"Version {other.version} is already published; this older draft cannot "
                    "replace it."
                )
            other.status = ConsentTemplateStatus.RETIRED
            other.retired_at = at
            other.save(update_fields=["status", "retired_at"])
    template.status = ConsentTemplateStatus.PUBLISHED
    template.published_at = at
    template.save(update_fields=["status", "published_at"])
    return template


def prescriber_for(patient: Patient) -> StaffMember | None:
    """The medical staff member on the patient's care team (the first by name), if any."""
    return (
        StaffMember.objects.filter(
            pk__in=CareTeam.objects.filter(patient=patient).values("staff_id"),
            role=StaffRole.MEDICAL,
            is_active=True,
        )
        .select_related("user")
        .first()
    )


def consent_render(
    *, template: ConsentTemplate, patient: Patient, on: datetime.date | None = None
) -> str:
    """The template's text for this patient, each named field filled in (dates in the
    clinic's date format; `on` defaults to the clinic's today)."""
    clinic = patient.clinic
    on = on or clinic.today()
    prescriber = prescriber_for(patient)
    values = {
        "patient_name": patient.full_name,
        "date_of_birth": formats.date_format(patient.date_of_birth, "DATE_FORMAT"),
        "clinic_name": clinic.name,
        "prescriber": prescriber.display_name if prescriber else "the clinic's prescriber",
        "date": formats.date_format(on, "DATE_FORMAT"),
    }
    return FIELD_PATTERN.sub(
        lambda match: values.get(match.group(1), match.group(0)), template.body
    )


def text_sha256(text: str) -> str:
    """The hash the sign page sends back, so a text that changed since it was shown is
    refused rather than signed unseen."""
    return hashlib.sha256(text.encode()).hexdigest()


def signature_png_from_data_url(data_url: str, *, error=ConsentInvalid) -> bytes:
    """The PNG bytes of a drawn signature sent as a data URL, checked: a PNG, of sane size,
    with something drawn on it (at least `SIGNATURE_MIN_DRAWN_PIXELS` opaque pixels darker
    than light grey). Raises `error` (ConsentInvalid unless told) naming the `signature`
    field. Consents and providers' signatures both go through here."""
    from PIL import Image, ImageChops, UnidentifiedImageError

    def refuse(message: str):
        return error(message, extra={"fields": {"signature": [message]}})

    data_url = (data_url or "").strip()
    if not data_url:
        raise refuse("Draw your signature in the box (with a finger, a pen or the mouse).")
    if not data_url.startswith(_DATA_URL_PREFIX):
        raise refuse("The signature must be a PNG drawing.")
    encoded = data_url[len(_DATA_URL_PREFIX) :]
    if len(encoded) > SIGNATURE_MAX_BYTES * 4 // 3 + 4:
        raise refuse("The signature drawing is too large.")
    try:
        png = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise refuse("The signature drawing could not be read.") from exc
    try:
        image = Image.open(io.BytesIO(png))
        if image.format != "PNG":
            raise refuse("The signature must be a PNG drawing.")
        if max(image.size) > SIGNATURE_MAX_SIDE:
            raise refuse("The signature drawing is too large.")
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise refuse("The signature drawing could not be read.") from exc
    rgba = image.convert("RGBA")
    # Drawn: not transparent, and darker than the light grey a blank pad may be filled with.
    alpha = rgba.getchannel("A").point(lambda a: 255 if a > 32 else 0)
    dark = rgba.convert("L").point(lambda v: 255 if v < 200 else 0)
    drawn = ImageChops.multiply(alpha, dark).histogram()[255]
    if drawn < SIGNATURE_MIN_DRAWN_PIXELS:
        raise refuse("The signature box is empty: draw your signature before signing.")
    return png


@transaction.atomic
def consent_sign(
    *,
    template: ConsentTemplate,
    patient: Patient,
    user,
    signed_name: str,
    signature: str,
    ip_address: str | None = None,
    user_agent: str = "",
    shown_text_sha256: str | None = None,
    at: datetime.datetime | None = None,
) -> Consent:
    """The patient signs the published `template`: store the rendered text, the typed name,
    the drawn signature (`signature`, a PNG data URL), the moment, address, browser, login,
    and the SHA-256 (`Consent.compute_hash`).

    Only the patient's own portal login signs. Locks the patient row (one signature per
    version even if the button is pressed twice). Raises ConsentInvalid (400: no name, no
    drawing, not a PNG), ConsentRefused (409: template not published or another clinic's,
    already signed, or the text changed since it was shown) or RoleNotAllowed. Nothing is
    stored when it refuses."""
    at = at or timezone.now()
    if patient.user_id is None or user is None or patient.user_id != user.pk:
        raise RoleNotAllowed("Only the patient signs their consent, from their own portal login.")
    patient = Patient.objects.select_for_update().select_related("clinic").get(pk=patient.pk)
    # As stored now: a version retired since the page was opened is not signed.
    template = ConsentTemplate.objects.get(pk=template.pk)
    if template.clinic_id != patient.clinic_id or template.status != (
        ConsentTemplateStatus.PUBLISHED
    ):
        raise ConsentRefused("This document is not one your clinic asks you to sign now.")
    signed_name = " ".join((signed_name or "").split())
    if not signed_name:
        message = "Type your full name to sign."
        raise ConsentInvalid(message, extra={"fields": {"signed_name": [message]}})
    png = signature_png_from_data_url(signature)
    if Consent.objects.filter(patient=patient, template=template, revoked_at__isnull=True).exists():
        raise ConsentRefused("You have already signed this version of the document.")
    text = consent_render(template=template, patient=patient, on=patient.clinic.date_of(at))
    if shown_text_sha256 is not None and shown_text_sha256 != text_sha256(text):
        raise ConsentRefused(
            "The document changed since the page was opened: read it again and sign.",
        )
    consent = Consent(
        clinic_id=patient.clinic_id,
        patient=patient,
        template=template,
        kind=template.kind,
        title=template.title,
        rendered_text=text,
        signed_name=signed_name[:200],
        signature_png=png,
        signed_at=at,
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:300],
        signed_by_user=user,
    )
    consent.sha256 = Consent.compute_hash(
        rendered_text=text, signed_name=consent.signed_name, signature_png=png, signed_at=at
    )
    full_clean_or_refuse(consent, ConsentInvalid)
    consent.save()
    return consent


def _locked(consent: Consent) -> Consent:
    return (
        Consent.objects.select_for_update(of=("self",))
        .select_related("template", "patient")
        .get(pk=consent.pk)
    )


@transaction.atomic
def consent_countersign(
    *, consent: Consent, by: StaffMember, at: datetime.datetime | None = None
) -> Consent:
    """Medical staff or an admin of the patient's clinic countersign a signed consent,
    once. Locks the consent. Raises RoleNotAllowed or ConsentRefused (revoked, or already
    countersigned)."""
    at = at or timezone.now()
    if by.clinic_id != consent.clinic_id or not by.is_active or by.role not in (ADMIN, MEDICAL):
        raise RoleNotAllowed("Only medical staff or an admin of the clinic countersign.")
    consent = _locked(consent)
    if consent.revoked_at is not None:
        raise ConsentRefused("This consent was revoked; it cannot be countersigned.")
    if consent.countersigned_at is not None:
        raise ConsentRefused("This consent is already countersigned.")
    consent.countersigned_by = by
    consent.countersigned_at = at
    consent.save(update_fields=["countersigned_by", "countersigned_at"])
    return consent


@transaction.atomic
def consent_revoke(
    *, consent: Consent, user, reason: str, at: datetime.datetime | None = None
) -> Consent:
    """Record that a consent no longer stands (who, when, why); it is kept, never deleted.
    Medical staff or an admin of the clinic, or the patient themself, revoke. Locks the
    consent. Raises ConsentInvalid (no reason), ConsentRefused (already revoked) or
    RoleNotAllowed."""
    from backend.roles import actor_for

    at = at or timezone.now()
    actor = actor_for(user)
    allowed = actor is not None and (
        (actor.is_patient and actor.patient_id == consent.patient_id)
        or (actor.clinic_id == consent.clinic_id and actor.role in (ADMIN, MEDICAL))
    )
    if not allowed:
        raise RoleNotAllowed("Only medical staff, an admin or the patient revoke a consent.")
    reason = (reason or "").strip()
    if not reason:
        message = "Say why the consent is revoked."
        raise ConsentInvalid(message, extra={"fields": {"reason": [message]}})
    consent = _locked(consent)
    if consent.revoked_at is not None:
        raise ConsentRefused("This consent is already revoked.")
    consent.revoked_at = at
    consent.revoked_by = user
    consent.revocation_reason = reason
    consent.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    return consent


def consent_verify(*, consent: Consent) -> bool:
    """Whether the stored SHA-256 matches the document as stored now (text, name, moment,
    signature: `Consent.compute_hash`). False means the row was changed after signing."""
    return consent.recomputed_hash() == consent.sha256


def consent_pdf(*, consent: Consent) -> bytes:
    """The signed consent as PDF: the text, the signature image, the typed name, the moment
    and address of signing (clinic time), the countersignature and revocation, and the hash
    with whether it verifies."""
    from backend.pdf import render_pdf

    clinic = consent.patient.clinic
    context = {
        "consent": consent,
        "clinic": clinic,
        "verified": consent_verify(consent=consent),
        "signature_data_url": _DATA_URL_PREFIX
        + base64.b64encode(bytes(consent.signature_png)).decode(),
    }
    return render_pdf("practice/pdf/consent.html", context)
