"""The service-scale world of `make bench` still builds as the models change: every row it
copies passes PostgreSQL's constraints (foreign keys, checks, the calendar's exclusion
constraints), ids stay usable after it, and its first clinic's pages answer."""

import os
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from bench._scale import ZONE, build
from integration_notes.models import Note
from practice.models import Clinic, Patient, Session
from tests.otp import sign_in

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        "postgres" not in os.environ.get("DATABASE_URL", ""),
        reason="needs PostgreSQL (DATABASE_URL): the world is written with COPY",
    ),
]


def test_a_small_world_builds_and_its_first_clinic_is_usable(client, django_user_model):
    # The world's "today" given, not read twice from the clock (midnight could fall between).
    today = timezone.localdate(timezone.now(), ZoneInfo(ZONE))
    world = build(0.01, clinics=2, today=today)

    # The same 400 patients a clinic at every scale; the present in full (9 clinicians ×
    # 3 sessions a day × 121 days: 3,267) and 1 % of the 6,733 sessions of history before it.
    assert world.counts["practice.Patient"] == 800 == Patient.objects.count()
    assert world.counts["practice.Session"] == 2 * 3334 == Session.objects.count()
    assert world.counts["messaging.Reminder"] == 2 * 2 * 3334
    assert world.counts["practice.DosingRecord"] > 0
    assert world.counts["integration_notes.Note"] > 0
    assert world.counts["billing.Charge"] > 0
    # A callable default is called per row: every session is its own booking.
    assert Session.objects.values("booking_key").distinct().count() == 2 * 3334
    first = Clinic.objects.get(pk=world.clinic_ids[0])
    on_today = [
        s for s in Session.objects.filter(clinic=first) if first.date_of(s.starts_at) == today
    ]
    assert len(on_today) == 27
    # The first therapist (whose pages the benchmark asks for) has notes to list.
    assert Note.objects.filter(patient__care_team__staff__user_id=world.therapist_user_id).exists()
    # Sequences continue after the copied ids.
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('practice_session', 'id'))")
        assert cursor.fetchone()[0] > Session.objects.order_by("-pk").values_list("pk")[0][0]

    sign_in(client, django_user_model.objects.get(pk=world.admin_user_id))
    for url in [
        "/today/",
        f"/patients/{world.patient_id}/",
        f"/calendar/sessions/{world.session_id}/",
    ]:
        assert client.get(url).status_code == 200, url
