"""The therapist's worklist on /today/: today's sessions, drafts, overdue notes, alerts."""

import datetime
import zoneinfo

import pytest
import time_machine

from integration_notes import selectors, services
from tests.factories import SessionFactory, note_template, signed_note

pytestmark = pytest.mark.django_db

DENVER = zoneinfo.ZoneInfo("America/Denver")
# Thursday 26 Nov 2026, 9:00 in Denver (the clinic's timezone).
NOW = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=DENVER)


def at(day, hour, minute=0):
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=DENVER)


def session_at(people, start, *, clinician=None, patient=None, **kwargs):
    return SessionFactory(
        patient=patient or people.patient,
        clinician=clinician or people.therapist,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=50),
        **kwargs,
    )


@pytest.fixture
def day(people):
    template = note_template(people.clinic)
    s = {
        "today_early": session_at(people, at(26, 8)),
        "today_late": session_at(people, at(26, 16, 30)),
        # 22:30 in Denver is already the 27th in UTC: still today for the clinic.
        "today_evening": session_at(people, at(26, 22, 30)),
        "tomorrow": session_at(people, at(27, 9)),
        "cancelled_today": session_at(people, at(26, 11), status="cancelled"),
        "others_today": session_at(
            people, at(26, 10), clinician=people.outsider, patient=people.other_patient
        ),
        # Ended 26 Nov 9:50 minus 4 days: past the 72 h deadline, no note at all.
        "overdue_no_note": session_at(people, at(22, 9), status="completed"),
        # Past the deadline with only a draft.
        "overdue_draft": session_at(people, at(21, 14), status="completed"),
        # Past the deadline but signed: done.
        "signed_old": session_at(people, at(20, 10), status="completed"),
        # Two days ago: not due yet.
        "recent": session_at(people, at(24, 10), status="completed"),
        "no_show_old": session_at(people, at(19, 10), status="no_show"),
    }
    services.note_start(session=s["overdue_draft"], author=people.therapist, template=template)
    services.note_start(session=s["recent"], author=people.therapist, template=template)
    signed_note(s["signed_old"])
    return s


def test_the_worklist_lists_the_therapists_day(people, day):
    with time_machine.travel(NOW, tick=False):
        wl = selectors.worklist(user=people.therapist.user)
    assert wl.today == [day["today_early"], day["today_late"], day["today_evening"]]
    assert [n.session for n in wl.drafts] == [day["overdue_draft"], day["recent"]]
    assert [n.is_overdue for n in wl.drafts] == [True, False]
    assert wl.overdue == [day["overdue_draft"], day["overdue_no_note"]]


def test_the_due_time_is_configurable(people, day, settings):
    settings.NOTES_DUE_AFTER_HOURS = 24
    with time_machine.travel(NOW, tick=False):
        wl = selectors.worklist(user=people.therapist.user)
    assert day["recent"] in wl.overdue


def test_another_therapist_sees_only_their_own_day(people, day):
    with time_machine.travel(NOW, tick=False):
        wl = selectors.worklist(user=people.outsider.user)
    assert wl.today == [day["others_today"]]
    assert wl.drafts == []
    assert wl.overdue == []


def test_the_dashboard_shows_the_worklist(people, day, web_as):
    with time_machine.travel(NOW, tick=False):
        response = web_as(people.therapist).get("/today/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="worklist"' in html
    assert "8:00 AM" in html  # today's sessions in the clinic's time
    assert f"/sessions/{day['overdue_no_note'].pk}/note/" in html
    assert "Past due without a signed note" in html


def test_an_admin_gets_no_worklist(people, day, web_as):
    assert selectors.worklist(user=people.admin.user).today == []


def test_today_shows_open_safety_alerts_once_most_severe_first(people, day, web_as):
    from practice.models import SafetyAlert

    def alert(patient, severity, message, minutes_ago, **extra):
        return SafetyAlert.objects.create(
            clinic=people.clinic,
            patient=patient,
            kind="phq9_item9" if severity == "urgent" else "vitals",
            severity=severity,
            message=message,
            raised_at=NOW - datetime.timedelta(minutes=minutes_ago),
            **extra,
        )

    alert(people.patient, "urgent", "PHQ-9 item 9 answered 2 by Erin", 60)
    alert(people.patient, "warning", "Blood pressure 165/100 after the dose", 5)  # newer
    alert(people.patient, "urgent", "Newer urgent alert", 30)
    alert(
        people.patient,
        "urgent",
        "Already acknowledged",
        1,
        acknowledged_at=NOW,
        acknowledged_by=people.therapist,
        acknowledgement_note="Called her; safe, plan in place.",
    )
    alert(people.other_patient, "urgent", "Not on Bob's care team", 2)
    with time_machine.travel(NOW, tick=False):
        html = web_as(people.therapist).get("/today/").content.decode()
    # Once: the Today list, not again in the worklist panel.
    assert html.count("PHQ-9 item 9 answered 2 by Erin") == 1
    assert 'data-testid="worklist-alerts"' not in html
    assert "Already acknowledged" not in html and "Not on Bob" not in html
    # Urgent before warning though the warning is newer; newest first within a severity.
    order = [
        html.index(text)
        for text in ("Newer urgent alert", "PHQ-9 item 9 answered", "Blood pressure 165/100")
    ]
    assert order == sorted(order)


def test_the_session_page_shows_the_note_panel(people, day, web_as):
    session = day["today_early"]
    response = web_as(people.therapist).get(f"/sessions/{session.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="session-note-panel"' in html
    assert f"/sessions/{session.pk}/note/" in html
