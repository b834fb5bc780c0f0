"""Consent documents through the services: templates and versions, signing with a drawn
signature, the hash, immutability (the model and the database), countersigning, revoking,
and the dosing gate's `consent` reason at booking, check-in and the dose."""

import datetime

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from practice import services
from practice.choices import DOSING_CONSENT_KINDS, ConsentKind
from practice.consent_texts import DEFAULT_TEXTS
from practice.errors import (
    ConsentImmutable,
    ConsentInvalid,
    ConsentMissing,
    ConsentRefused,
    ConsentTemplateRefused,
    DosingGateRefused,
    RoleNotAllowed,
)
from practice.models import Consent, ConsentTemplate, DosingRecord
from practice.selectors import consent_hold_reasons, consents_missing
from tests.factories import (
    ScreeningFactory,
    TreatmentPlanFactory,
    signature_data_url,
    signature_png,
)
from tests.practice.clinical import dose, dosing_session

pytestmark = pytest.mark.django_db
KAP = ConsentKind.KAP_INFORMED_CONSENT
CSA = ConsentKind.CONTROLLED_SUBSTANCE_AGREEMENT


def publish(people, kind=KAP, **options):
    title, body = DEFAULT_TEXTS[kind]
    template = services.consent_template_create(
        clinic_id=people.clinic.pk, kind=kind, title=title, body=body, by=people.admin, **options
    )
    return services.consent_template_publish(template=template, by=people.admin)


def sign(people, template, *, patient=None, name="Erin Patient", drawing=None, **kwargs):
    patient = patient or people.patient
    return services.consent_sign(
        template=template,
        patient=patient,
        user=patient.user,
        signed_name=name,
        signature=drawing if drawing is not None else signature_data_url(),
        ip_address="203.0.113.9",
        user_agent="Test browser",
        **kwargs,
    )


# --- templates and versions --------------------------------------------------------------


def test_an_admin_writes_a_draft_and_publishing_it_retires_the_version_before(people):
    first = publish(people)
    second = services.consent_template_create(
        clinic_id=people.clinic.pk,
        kind=KAP,
        title="KAP consent, revised",
        body=first.body + "\n\nAdded: a paragraph on bladder symptoms.",
        by=people.admin,
    )
    assert (second.version, second.status) == (2, "draft")
    services.consent_template_publish(template=second, by=people.admin)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("retired", "published")
    assert first.retired_at is not None


def test_a_template_naming_an_unknown_field_or_missing_its_kinds_fields_is_refused(people):
    with pytest.raises(ConsentTemplateRefused) as refused:
        services.consent_template_create(
            clinic_id=people.clinic.pk,
            kind=KAP,
            title="KAP",
            body="I, {{ patient_name }}, born {{ ssn }}, agree.",
            by=people.admin,
        )
    assert "{{ ssn }}" in refused.value.message
    assert "{{ prescriber }}" in refused.value.message
    assert not ConsentTemplate.objects.exists()


def test_only_the_clinics_admin_writes_templates(people):
    for who in (people.medical, people.therapist, people.other_admin):
        with pytest.raises(RoleNotAllowed):
            services.consent_template_create(
                clinic_id=people.clinic.pk, kind=KAP, title="x", body="x", by=who
            )


def test_a_published_version_is_not_published_again(people):
    template = publish(people)
    with pytest.raises(ConsentRefused):
        services.consent_template_publish(template=template, by=people.admin)


def test_the_rendered_text_fills_in_the_patient_clinic_prescriber_and_date(people):
    template = publish(people)
    text = services.consent_render(
        template=template, patient=people.patient, on=datetime.date(2026, 11, 30)
    )
    assert "Erin Patient" in text
    assert "Apr 12, 1986" in text  # the factory's date of birth
    assert people.clinic.name in text
    assert people.medical.display_name in text  # medical staff on the care team
    assert "Nov 30, 2026" in text
    assert "{{" not in text


# --- signing ------------------------------------------------------------------------------


def test_the_patient_signs_and_everything_about_the_signature_is_kept(people):
    template = publish(people)
    moment = timezone.now().replace(microsecond=123456)
    consent = sign(people, template, at=moment)
    consent.refresh_from_db()
    assert consent.signed_name == "Erin Patient"
    assert consent.signed_at == moment
    assert consent.ip_address == "203.0.113.9"
    assert consent.user_agent == "Test browser"
    assert consent.signed_by_user == people.patient.user
    assert bytes(consent.signature_png).startswith(b"\x89PNG")
    assert "Erin Patient" in consent.rendered_text
    assert consents_missing(patient=people.patient, kinds=[KAP]) == []


def test_the_hash_is_sha256_over_text_name_moment_and_drawing_and_verifies(people):
    import hashlib

    consent = sign(people, publish(people))
    moment = consent.signed_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    expected = hashlib.sha256(
        consent.rendered_text.encode()
        + b"\x00"
        + consent.signed_name.encode()
        + b"\x00"
        + moment.encode()
        + b"\x00"
        + bytes(consent.signature_png)
    ).hexdigest()
    assert consent.sha256 == expected
    assert services.consent_verify(consent=consent) is True


def test_an_empty_drawing_is_refused_and_nothing_is_stored(people):
    template = publish(people)
    for drawing in ("", signature_data_url(drawn=False), "data:image/png;base64,not-base64!"):
        with pytest.raises(ConsentInvalid) as refused:
            sign(people, template, drawing=drawing)
        assert "signature" in refused.value.extra["fields"]
    assert not Consent.objects.exists()


def test_a_drawing_that_is_not_a_png_is_refused(people):
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (50, 50), "black").save(buffer, format="JPEG")
    jpeg = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    with pytest.raises(ConsentInvalid):
        sign(people, publish(people), drawing=jpeg)
    assert not Consent.objects.exists()


def test_a_signature_without_a_typed_name_is_refused(people):
    with pytest.raises(ConsentInvalid) as refused:
        sign(people, publish(people), name="   ")
    assert "signed_name" in refused.value.extra["fields"]
    assert not Consent.objects.exists()


def test_only_the_patients_own_login_signs(people):
    template = publish(people)
    with pytest.raises(RoleNotAllowed):
        services.consent_sign(
            template=template,
            patient=people.patient,
            user=people.other_patient.user,
            signed_name="Erin Patient",
            signature=signature_data_url(),
        )
    assert not Consent.objects.exists()


def test_another_clinics_template_or_a_draft_is_not_signed(people):
    draft = services.consent_template_create(
        clinic_id=people.clinic.pk,
        kind=KAP,
        title="Draft",
        body=DEFAULT_TEXTS[KAP][1],
        by=people.admin,
    )
    foreign = services.consent_template_create(
        clinic_id=people.other_clinic.pk,
        kind=KAP,
        title="Theirs",
        body=DEFAULT_TEXTS[KAP][1],
        by=people.other_admin,
    )
    services.consent_template_publish(template=foreign, by=people.other_admin)
    for template in (draft, foreign):
        with pytest.raises(ConsentRefused):
            sign(people, template)
    assert not Consent.objects.exists()


def test_the_same_version_is_signed_once(people):
    template = publish(people)
    sign(people, template)
    with pytest.raises(ConsentRefused):
        sign(people, template)
    assert Consent.objects.count() == 1


def test_a_text_that_changed_since_it_was_shown_is_not_signed(people):
    template = publish(people)
    with pytest.raises(ConsentRefused):
        sign(people, template, shown_text_sha256="0" * 64)
    assert not Consent.objects.exists()


# --- versions that ask for a new signature ------------------------------------------------


def test_a_new_version_asking_for_a_new_signature_makes_the_old_one_not_current(people):
    first = publish(people)
    sign(people, first)
    second = services.consent_template_create(
        clinic_id=people.clinic.pk,
        kind=KAP,
        title=first.title,
        body=first.body + "\nRevised.",
        by=people.admin,
        requires_new_signature=True,
    )
    second = services.consent_template_publish(template=second, by=people.admin)
    assert consents_missing(patient=people.patient, kinds=[KAP]) == [KAP]
    sign(people, second)
    assert consents_missing(patient=people.patient, kinds=[KAP]) == []


def test_a_new_version_without_a_new_signature_keeps_the_old_signature_current(people):
    first = publish(people)
    sign(people, first)
    second = services.consent_template_create(
        clinic_id=people.clinic.pk,
        kind=KAP,
        title=first.title,
        body=first.body + "\nTypo fixed.",
        by=people.admin,
        requires_new_signature=False,
    )
    services.consent_template_publish(template=second, by=people.admin)
    assert consents_missing(patient=people.patient, kinds=[KAP]) == []


# --- immutability --------------------------------------------------------------------------


def test_a_signed_consent_cannot_be_changed_through_the_orm(people):
    consent = sign(people, publish(people))
    consent.rendered_text = "I agree to something else."
    with pytest.raises(ConsentImmutable):
        consent.save()
    consent.refresh_from_db()
    consent.signed_name = "Someone Else"
    with pytest.raises(ConsentImmutable):
        consent.save(update_fields=["signed_name"])
    with pytest.raises(ConsentImmutable):
        consent.delete()
    assert Consent.objects.get().signed_name == "Erin Patient"


def test_the_database_refuses_to_change_a_signed_consent_but_lets_countersign_and_revoke(
    people,
):
    consent = sign(people, publish(people))
    for change in ({"rendered_text": "Changed."}, {"signed_name": "X"}, {"sha256": "0" * 64}):
        with pytest.raises(DatabaseError), transaction.atomic():
            Consent.objects.filter(pk=consent.pk).update(**change)
    Consent.objects.filter(pk=consent.pk).update(
        countersigned_by=people.medical, countersigned_at=timezone.now()
    )
    Consent.objects.filter(pk=consent.pk).update(
        revoked_at=timezone.now(), revoked_by=people.admin.user, revocation_reason="Asked to."
    )
    stored = Consent.objects.get()
    assert stored.rendered_text == consent.rendered_text
    assert stored.revoked_at is not None and stored.countersigned_at is not None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="DELETE is refused on PostgreSQL")
def test_the_database_refuses_to_delete_a_signed_consent_on_postgresql(people):
    consent = sign(people, publish(people))
    with pytest.raises(DatabaseError), transaction.atomic():
        Consent.objects.filter(pk=consent.pk)._raw_delete(connection.alias)
    assert Consent.objects.filter(pk=consent.pk).exists()


def test_a_tampered_row_does_not_verify(people):
    consent = sign(people, publish(people))
    _tamper_text(consent, "I agree to nothing.")
    consent = Consent.objects.get(pk=consent.pk)
    assert services.consent_verify(consent=consent) is False


def _tamper_text(consent, text):
    table = Consent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Replica mode skips ordinary triggers for this transaction only.
            cursor.execute("SET LOCAL session_replication_role = 'replica'")
            cursor.execute(
                f"UPDATE {table} SET rendered_text = %s WHERE id = %s", [text, consent.pk]
            )
            cursor.execute("SET LOCAL session_replication_role = 'origin'")
        else:
            cursor.execute("DROP TRIGGER practice_consent_immutable")
            cursor.execute(
                f"UPDATE {table} SET rendered_text = %s WHERE id = %s", [text, consent.pk]
            )


# --- countersigning and revoking ------------------------------------------------------------


def test_medical_staff_countersign_once(people):
    consent = sign(people, publish(people, requires_countersignature=True))
    services.consent_countersign(consent=consent, by=people.medical)
    consent.refresh_from_db()
    assert consent.countersigned_by == people.medical
    with pytest.raises(ConsentRefused):
        services.consent_countersign(consent=consent, by=people.admin)
    assert services.consent_verify(consent=consent)


def test_a_therapist_or_another_clinic_does_not_countersign(people):
    consent = sign(people, publish(people))
    for who in (people.therapist, people.other_admin):
        with pytest.raises(RoleNotAllowed):
            services.consent_countersign(consent=consent, by=who)
    assert Consent.objects.get().countersigned_at is None


def test_revoking_needs_a_reason_and_keeps_the_consent(people):
    consent = sign(people, publish(people))
    with pytest.raises(ConsentInvalid):
        services.consent_revoke(consent=consent, user=people.medical.user, reason=" ")
    services.consent_revoke(consent=consent, user=people.medical.user, reason="Patient asked.")
    stored = Consent.objects.get()
    assert (stored.revocation_reason, stored.revoked_by) == ("Patient asked.", people.medical.user)
    assert consents_missing(patient=people.patient, kinds=[KAP]) == [KAP]
    with pytest.raises(ConsentRefused):
        services.consent_revoke(consent=stored, user=people.admin.user, reason="Again.")


def test_the_patient_revokes_their_own_consent_and_no_one_elses(people):
    consent = sign(people, publish(people))
    with pytest.raises(RoleNotAllowed):
        services.consent_revoke(consent=consent, user=people.other_patient.user, reason="No.")
    with pytest.raises(RoleNotAllowed):
        services.consent_revoke(consent=consent, user=people.therapist.user, reason="No.")
    services.consent_revoke(consent=consent, user=people.patient.user, reason="I changed my mind.")
    assert Consent.objects.get().revoked_at is not None


# --- the gate --------------------------------------------------------------------------------


def _cleared_unsigned(people):
    ScreeningFactory(patient=people.patient, screened_by=people.medical, consented=False)
    return TreatmentPlanFactory(
        patient=people.patient,
        created_by=people.medical,
        status="active",
        activated_at=timezone.now(),
    )


def test_a_clinic_without_a_published_consent_tells_the_admin_to_publish_one(people):
    reasons = consent_hold_reasons(patient=people.patient, kinds=DOSING_CONSENT_KINDS)
    assert [code for code, _ in reasons] == ["consent"]
    assert "publishes one" in reasons[0][1]
    assert "KAP informed consent" in reasons[0][1]


def test_booking_a_dose_is_refused_without_the_consents_listing_what_is_missing(people):
    plan = _cleared_unsigned(people)
    sign(people, publish(people, KAP))
    publish(people, CSA)
    with pytest.raises(ConsentMissing) as refused:
        dosing_session(people, plan, checked_in=False)
    assert refused.value.code == "consent_missing"
    assert refused.value.extra["reasons"] == ["consent"]
    assert refused.value.extra["missing"] == [CSA]
    assert "Controlled-substance agreement" in refused.value.message


def test_check_in_is_refused_once_a_consent_is_revoked(people):
    plan = _cleared_unsigned(people)
    kap = sign(people, publish(people, KAP))
    sign(people, publish(people, CSA))
    session = dosing_session(people, plan, checked_in=False)
    services.consent_revoke(consent=kap, user=people.patient.user, reason="Withdrawn.")
    with pytest.raises(ConsentMissing) as refused:
        services.session_check_in(session=session)
    assert refused.value.extra["missing"] == [KAP]
    session.refresh_from_db()
    assert session.status == "scheduled"


def test_the_dose_is_refused_with_the_consent_reason_in_the_gates_list(people):
    plan = _cleared_unsigned(people)
    kap = sign(people, publish(people, KAP))
    sign(people, publish(people, CSA))
    session = dosing_session(people, plan)
    Consent.objects.filter(pk=kap.pk).update(
        revoked_at=timezone.now(), revoked_by=people.patient.user, revocation_reason="Withdrawn."
    )
    with pytest.raises(DosingGateRefused) as refused:
        dose(people, session)
    assert "consent" in refused.value.extra["reasons"]
    assert not DosingRecord.objects.filter(session=session).exists()


def test_a_consented_patient_doses(people):
    plan = _cleared_unsigned(people)
    sign(people, publish(people, KAP))
    sign(people, publish(people, CSA))
    session = dosing_session(people, plan)
    assert services.session_gate_failures(session=session) == []


def test_the_gate_counts_signatures_made_before_the_day_of_the_dose(people):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=30)):
        sign(people, publish(people, KAP))
        sign(people, publish(people, CSA))
    assert consents_missing(patient=people.patient, kinds=DOSING_CONSENT_KINDS) == []


def test_signature_png_helper_draws(people):
    # The factories' drawing passes the server's check (so the other tests sign for real).
    from practice.services.consents import signature_png_from_data_url

    assert signature_png_from_data_url(signature_data_url()) == signature_png()
