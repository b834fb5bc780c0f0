"""Clinic templates are versioned: a note keeps the exact fields it was written with."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from integration_notes import services
from integration_notes.builtin_templates import BUILTIN_TEMPLATES
from integration_notes.models import NoteTemplate
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

FIELDS_V1 = [
    {"key": "mood", "label": "Mood", "kind": "text", "required": True},
    {"key": "plan", "label": "Plan", "kind": "long_text"},
]


def test_every_clinic_starts_with_the_kap_templates_and_soap_dap_birp(people):
    services.note_templates_install(clinic=people.clinic)
    services.note_templates_install(clinic=people.clinic)  # idempotent
    keys = set(NoteTemplate.objects.filter(clinic=people.clinic).values_list("key", flat=True))
    assert keys == {
        "kap-preparation",
        "kap-dosing",
        "kap-integration",
        "soap",
        "dap",
        "birp",
    }
    assert NoteTemplate.objects.filter(clinic=people.clinic).count() == len(BUILTIN_TEMPLATES)
    preparation = NoteTemplate.objects.get(clinic=people.clinic, key="kap-preparation")
    assert [f["label"] for f in preparation.fields] == [
        "Goals",
        "Intentions",
        "Concerns",
        "Set and setting",
        "Consent reviewed",
    ]
    integration = NoteTemplate.objects.get(clinic=people.clinic, key="kap-integration")
    assert {"template": "kap-preparation", "field": "intentions"} in integration.show_alongside


def test_revising_a_template_adds_a_version_and_old_notes_keep_theirs(people):
    v1 = services.note_template_create(
        clinic=people.clinic, key="check-in", name="Check-in", fields=FIELDS_V1
    )
    first = SessionFactory(patient=people.patient, clinician=people.therapist, kind="integration")
    old_note = services.note_start(
        session=first, author=people.therapist, template=v1, content={"mood": "calm"}
    )
    old_note = services.note_sign(note=old_note, signer=people.therapist)

    v2 = services.note_template_revise(
        template=v1,
        fields=[*FIELDS_V1, {"key": "sleep", "label": "Sleep", "kind": "scale"}],
        name="Check-in (with sleep)",
    )
    v1.refresh_from_db()
    assert (v1.version, v1.is_current) == (1, False)
    assert (v2.version, v2.is_current) == (2, True)
    assert [f["key"] for f in v1.fields] == ["mood", "plan"]

    old_note.refresh_from_db()
    assert old_note.template_id == v1.pk
    assert services.note_hash_matches(old_note)

    # A retired version cannot start a new note; the current one can, with its new field.
    second = SessionFactory(
        patient=people.patient,
        clinician=people.therapist,
        kind="integration",
        starts_at=first.ends_at,
        ends_at=first.ends_at + datetime.timedelta(minutes=50),
    )
    with pytest.raises(services.TemplateNotForSession):
        services.note_start(session=second, author=people.therapist, template=v1)
    new_note = services.note_start(
        session=second, author=people.therapist, template=v2, content={"sleep": "7"}
    )
    assert new_note.content == {"sleep": 7}


def test_revising_twice_numbers_versions_in_order(people):
    v1 = services.note_template_create(clinic=people.clinic, key="x", name="X", fields=FIELDS_V1)
    v2 = services.note_template_revise(template=v1, name="X2")
    v3 = services.note_template_revise(template=v1, name="X3")  # revises the current one
    assert [v2.version, v3.version] == [2, 3]
    assert list(
        NoteTemplate.objects.filter(key="x", is_current=True).values_list("version", flat=True)
    ) == [3]


def test_the_database_allows_one_current_version_per_key(people):
    services.note_template_create(clinic=people.clinic, key="x", name="X", fields=FIELDS_V1)
    with pytest.raises(IntegrityError), transaction.atomic():
        NoteTemplate.objects.create(
            clinic=people.clinic, key="x", version=2, name="X", fields=FIELDS_V1
        )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([], "at least one field"),
        ([{"key": "Bad Key", "label": "x"}], "lowercase"),
        ([{"key": "a", "label": "A"}, {"key": "a", "label": "B"}], "used twice"),
        ([{"key": "a", "label": ""}], "label is required"),
        ([{"key": "a", "label": "A", "kind": "video"}], "unknown kind"),
        ([{"key": "a", "label": "A", "kind": "choice", "options": ["one"]}], "two options"),
    ],
)
def test_a_template_with_bad_fields_is_refused(people, fields, message):
    with pytest.raises(ValidationError) as refused:
        services.note_template_create(clinic=people.clinic, key="x", name="X", fields=fields)
    assert message in str(refused.value)
    assert not NoteTemplate.objects.filter(key="x").exists()


def test_saving_a_template_in_the_admin_adds_a_version(people, admin_client):
    v1 = services.note_template_create(clinic=people.clinic, key="x", name="X", fields=FIELDS_V1)
    response = admin_client.post(
        f"/admin/integration_notes/notetemplate/{v1.pk}/change/",
        {
            "name": "X renamed",
            "description": "",
            "session_kinds": "[]",
            "fields": '[{"key": "mood", "label": "Mood now", "kind": "text"}]',
            "show_alongside": "[]",
            "position": 100,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    v1.refresh_from_db()
    assert v1.name == "X" and not v1.is_current
    v2 = NoteTemplate.objects.get(key="x", is_current=True)
    assert (v2.version, v2.name, v2.fields[0]["label"]) == (2, "X renamed", "Mood now")


def test_a_template_for_another_session_kind_is_refused(people):
    services.note_templates_install(clinic=people.clinic)
    dosing = NoteTemplate.objects.get(clinic=people.clinic, key="kap-dosing")
    session = SessionFactory(patient=people.patient, clinician=people.therapist, kind="integration")
    with pytest.raises(services.TemplateNotForSession) as refused:
        services.note_start(session=session, author=people.therapist, template=dosing)
    assert "dosing sessions" in refused.value.message
