"""Reads of consent documents: templates, signed consents, and what a dose still needs signed."""

import dataclasses

from django.db.models import QuerySet

from practice.choices import ConsentKind, ConsentTemplateStatus
from practice.models import Consent, ConsentTemplate, Patient


def consent_template_list(*, user) -> QuerySet[ConsentTemplate]:
    """Every version of the templates of `user`'s clinic (staff)."""
    return ConsentTemplate.objects.visible_to(user).select_related("created_by__user")


def consent_templates_published(*, clinic_id: int) -> QuerySet[ConsentTemplate]:
    return ConsentTemplate.objects.filter(
        clinic_id=clinic_id, status=ConsentTemplateStatus.PUBLISHED
    ).order_by("kind")


def consent_list(*, user) -> QuerySet[Consent]:
    """Signed consents `user` may see: a patient their own, staff per the care team."""
    return Consent.objects.visible_to(user).select_related(
        "patient", "template", "countersigned_by__user"
    )


def consents_of(*, patient: Patient) -> QuerySet[Consent]:
    return (
        Consent.objects.filter(patient=patient)
        .select_related("template", "countersigned_by__user")
        .defer("signature_png", "rendered_text")
        .order_by("kind", "-signed_at", "-id")
    )


@dataclasses.dataclass(frozen=True)
class ConsentGate:
    """Which of the asked kinds have no current signed consent (`missing`), and of those,
    which the clinic has not published at all (`unpublished`), in the order asked."""

    missing: list[str]
    unpublished: list[str]
    # kind -> the published template the patient should sign, where there is one.
    to_sign: dict[str, int]


def consent_gate(*, patient: Patient, kinds, consents: list[Consent] | None = None) -> ConsentGate:
    """Two queries: the clinic's published and retired versions of `kinds`, and the
    patient's unrevoked consents of `kinds` (one when the caller passes `consents`, all the
    patient's consents with their templates, as `consents_of` reads them).

    A consent is current when it is not revoked and no version after the one it signed, up
    to the published one, `requires_new_signature`."""
    kinds = list(kinds)
    versions = list(
        ConsentTemplate.objects.filter(clinic_id=patient.clinic_id, kind__in=kinds)
        .exclude(status=ConsentTemplateStatus.DRAFT)
        .values_list("id", "kind", "version", "status", "requires_new_signature")
    )
    if consents is None:
        unrevoked = Consent.objects.filter(
            patient=patient, kind__in=kinds, revoked_at__isnull=True
        ).values_list("kind", "template__version")
    else:
        unrevoked = [
            (c.kind, c.template.version)
            for c in consents
            if c.kind in kinds and c.revoked_at is None
        ]
    signed: dict[str, int] = {}
    for kind, version in unrevoked:
        signed[kind] = max(signed.get(kind, 0), version)
    missing, unpublished, to_sign = [], [], {}
    for kind in kinds:
        published = [
            v for v in versions if v[1] == kind and v[3] == ConsentTemplateStatus.PUBLISHED
        ]
        if not published:
            missing.append(kind)
            unpublished.append(kind)
            continue
        pk, _, current_version, _, _ = published[0]
        floor = max(
            (v[2] for v in versions if v[1] == kind and v[4] and v[2] <= current_version),
            default=1,
        )
        if signed.get(kind, 0) < floor:
            missing.append(kind)
            to_sign[kind] = pk
    return ConsentGate(missing=missing, unpublished=unpublished, to_sign=to_sign)


def consents_missing(*, patient: Patient, kinds) -> list[str]:
    """The kinds in `kinds` the patient has no current signed consent for (signed, not
    revoked, on a version no later published version asks to sign again), in order."""
    return consent_gate(patient=patient, kinds=kinds).missing


def consent_hold_reasons(
    *, patient: Patient, kinds, gate: ConsentGate | None = None
) -> list[tuple[str, str]]:
    """The gate's reason, as (code, message): one `consent` entry naming what is missing,
    and telling the admin to publish a template where the clinic has none; empty when all
    are signed."""
    gate = gate or consent_gate(patient=patient, kinds=kinds)
    if not gate.missing:
        return []
    labels = [str(ConsentKind(kind).label) for kind in gate.missing]
    message = "The patient has not signed a current " + " and ".join(labels) + "."
    if gate.unpublished:
        message += (
            " The clinic has no published "
            + " or ".join(str(ConsentKind(kind).label) for kind in gate.unpublished)
            + ": a clinic admin publishes one under Consent documents."
        )
    return [("consent", message)]
