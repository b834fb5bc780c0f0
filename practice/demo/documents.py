"""Demo: outside documents on the record (idempotent). Eleanor photographed both sides of
her insurance card in the portal; staff reviewed the front, the back waits for review."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from practice.choices import DocumentKind
from practice.models import PatientDocument
from practice.services.documents import document_review, document_upload


def _card_photo(lines: list[str]) -> bytes:
    """A plain PNG standing in for a phone photo of a card."""
    image = Image.new("RGB", (640, 400), "#f4f1ea")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((20, 20, 620, 380), radius=24, outline="#1d4e89", width=6)
    for i, line in enumerate(lines):
        draw.text((60, 70 + i * 48), line, fill="#1d2733")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def seed(ctx: dict) -> dict:
    eleanor = ctx["patients"]["eleanor"]
    if PatientDocument.objects.filter(patient=eleanor).exists():
        return ctx
    member = f"Member ID {eleanor.insurance_member_id}"
    front = document_upload(
        patient=eleanor,
        uploaded_by=eleanor.user,
        kind=DocumentKind.INSURANCE_CARD_FRONT,
        file=SimpleUploadedFile(
            "card-front.png",
            _card_photo([eleanor.insurance_payer or "Health plan", member, "Demo card"]),
        ),
    )
    document_upload(
        patient=eleanor,
        uploaded_by=eleanor.user,
        kind=DocumentKind.INSURANCE_CARD_BACK,
        file=SimpleUploadedFile(
            "card-back.png", _card_photo(["Claims address on file", "Demo card"])
        ),
    )
    document_review(document=front, by=ctx["staff"]["admin"])
    return ctx
