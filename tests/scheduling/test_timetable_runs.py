"""Generating a retreat's timetable from the retreat page is a run the page follows: "n of N
sessions planned" in committed rows while the worker plans (nothing written yet), then one
transaction writes; a refusal names what is short and leaves nothing written; running it
twice changes nothing more; another clinic's run is not found."""

import pytest

from practice.models import Session
from scheduling.errors import InvalidInput
from scheduling.models import RetreatSession, TimetableRun
from scheduling.services import retreats
from scheduling.services.retreats import runs as runs_module
from scheduling.services.retreats import timetable as timetable_module
from tests.factories import PatientFactory, StaffFactory
from tests.scheduling.conftest import clear_for_retreat, local, spring_intensive

pytestmark = pytest.mark.django_db
ITEMS = 8  # the standard template: 1 + 3×2 + 1


@pytest.fixture
def retreat(cal):
    return spring_intensive(cal, capacity=8)


def enrol(cal, retreat, n):
    patients = [PatientFactory(clinic=cal.people.clinic) for _ in range(n)]
    for p in patients:
        clear_for_retreat(p, cal.people.medical)
        retreats.enrollment_create(retreat=retreat, patient=p)
    return patients


def block_dosing_b_on_day_3(cal):
    return Session.objects.create(
        clinic=cal.people.clinic,
        patient=PatientFactory(clinic=cal.people.clinic),
        clinician=StaffFactory(clinic=cal.people.clinic),
        room=cal.dosing_b,
        kind="integration",
        starts_at=local(2027, 3, 3, 8),
        ends_at=local(2027, 3, 3, 10),
    )


def new_run(cal, retreat):
    return TimetableRun.objects.create(
        clinic=cal.people.clinic, retreat=retreat, started_by=cal.people.admin
    )


def test_a_run_records_sessions_planned_item_by_item_before_writing_any(cal, retreat, monkeypatch):
    enrol(cal, retreat, 3)
    run = new_run(cal, retreat)
    seen = []
    real_plan_item, real_generate = timetable_module._plan_item, runs_module.timetable_generate

    def plan_item(*args, **kwargs):
        # What the polling page would read now (the row, as committed), and what is written.
        row = TimetableRun.objects.get(pk=run.pk)
        seen.append((row.status, row.done, row.total, Session.objects.count()))
        return real_plan_item(*args, **kwargs)

    def generate(**kwargs):
        row = TimetableRun.objects.get(pk=run.pk)
        seen.append((row.status, row.done, row.total, Session.objects.count()))
        return real_generate(**kwargs)

    monkeypatch.setattr(timetable_module, "_plan_item", plan_item)
    monkeypatch.setattr(runs_module, "timetable_generate", generate)
    run = retreats.timetable_run_process(run_id=run.pk)

    total = 3 * ITEMS
    planning = seen[:ITEMS]  # phase 1: one row update per item, no session written
    assert planning == [("planning", 3 * n, total, 0) for n in range(ITEMS)]
    assert seen[ITEMS] == ("writing", total, total, 0)  # phase 2 starts with all planned
    assert (run.status, run.done, run.total) == ("done", total, total)
    assert (run.created, run.kept, run.cancelled) == (total, 0, 0)
    assert run.finished_at is not None
    assert Session.objects.filter(status="scheduled").count() == total


def test_a_refused_run_names_the_shortage_and_writes_nothing(cal, retreat):
    enrol(cal, retreat, 8)
    blocker = block_dosing_b_on_day_3(cal)
    run = retreats.timetable_run_process(run_id=new_run(cal, retreat).pk)

    assert run.status == "refused" and run.finished_at is not None
    assert run.total == 8 * ITEMS and run.created == 0
    assert len(run.shortages) == 1
    assert "Day 3 (Wed Mar 03) 09:00–12:00 Dosing" in run.shortages[0]
    assert "Dosing B (integration session 08:00–10:00)" in run.shortages[0]
    assert run.session_ids == [blocker.pk]
    assert list(Session.objects.values_list("pk", flat=True)) == [blocker.pk]
    assert not RetreatSession.objects.exists()


def test_a_clash_that_appears_after_planning_refuses_the_write_and_writes_nothing(
    cal, retreat, monkeypatch
):
    enrol(cal, retreat, 8)
    real_plan = runs_module.timetable_plan
    blockers = []

    def plan_then_someone_books(**kwargs):
        plan = real_plan(**kwargs)
        blockers.append(block_dosing_b_on_day_3(cal))  # booked while the run was planning
        return plan

    monkeypatch.setattr(runs_module, "timetable_plan", plan_then_someone_books)
    run = retreats.timetable_run_process(run_id=new_run(cal, retreat).pk)

    assert run.status == "refused" and run.session_ids == [blockers[0].pk]
    assert list(Session.objects.values_list("pk", flat=True)) == [blockers[0].pk]
    assert not RetreatSession.objects.exists()


def test_running_a_run_twice_books_once(cal, retreat):
    enrol(cal, retreat, 2)
    run = new_run(cal, retreat)
    first = retreats.timetable_run_process(run_id=run.pk)
    again = retreats.timetable_run_process(run_id=run.pk)
    assert (again.status, again.created, again.finished_at) == (
        "done",
        2 * ITEMS,
        first.finished_at,
    )
    assert Session.objects.count() == 2 * ITEMS


def test_a_run_left_by_a_dead_worker_is_finished_by_the_redelivered_task(cal, retreat):
    enrol(cal, retreat, 2)
    run = new_run(cal, retreat)
    TimetableRun.objects.filter(pk=run.pk).update(status="writing", done=16, total=16)
    run = retreats.timetable_run_process(run_id=run.pk)
    assert (run.status, run.created) == ("done", 2 * ITEMS)
    assert Session.objects.count() == 2 * ITEMS


def test_starting_twice_while_a_run_is_active_gives_the_same_run_and_a_new_one_after(
    cal, retreat, django_capture_on_commit_callbacks
):
    enrol(cal, retreat, 2)
    with django_capture_on_commit_callbacks() as queued:
        first = retreats.timetable_run_start(retreat=retreat, by=cal.people.admin)
        second = retreats.timetable_run_start(retreat=retreat, by=cal.people.admin)
    assert first.pk == second.pk and len(queued) == 1  # one task enqueued
    retreats.timetable_run_process(run_id=first.pk)

    later = retreats.timetable_run_start(retreat=retreat, by=cal.people.admin)
    assert later.pk != first.pk
    later = retreats.timetable_run_process(run_id=later.pk)
    assert (later.created, later.kept, later.cancelled) == (0, 2 * ITEMS, 0)
    assert Session.objects.count() == 2 * ITEMS


def test_a_retreat_without_a_template_is_refused_at_once_and_records_no_run(cal, retreat):
    retreats.retreat_template_set(retreat=retreat, items=[])
    with pytest.raises(InvalidInput, match="daily template"):
        retreats.timetable_run_start(retreat=retreat, by=cal.people.admin)
    assert not TimetableRun.objects.exists()


# ------------------------------------------------------------------------------- the page


def test_the_fragment_says_n_of_n_while_planning_then_the_summary_with_links(cal, retreat, web_as):
    enrol(cal, retreat, 3)
    run = new_run(cal, retreat)
    url = f"/retreats/{retreat.pk}/timetable-runs/{run.pk}/"
    client = web_as(cal.people.admin)
    queued = client.get(url + "?fragment=1").content.decode()
    assert "The run is queued" in queued and f'hx-get="{url}?fragment=1"' in queued

    # As a worker leaves it mid-plan: 3 of the 8 items planned for 3 patients.
    TimetableRun.objects.filter(pk=run.pk).update(status="planning", done=9, total=24)
    fragment = client.get(url + "?fragment=1").content.decode()
    assert "<html" not in fragment  # the block alone, for the poll to swap in
    assert '<strong data-testid="run-count">9 of 24</strong> sessions planned.' in fragment
    assert f'hx-get="{url}?fragment=1"' in fragment and 'hx-trigger="every 2s"' in fragment
    page = client.get(url).content.decode()
    assert "js/htmx.min.js" in page and "9 of 24" in page

    retreats.timetable_run_process(run_id=run.pk)
    page = client.get(url).content.decode()
    assert "hx-get" not in page and "htmx.min.js" not in page  # done: no more polling
    assert "24 sessions planned" in page and "<strong>24 booked</strong>, 0 kept" in page
    assert f'href="/retreats/{retreat.pk}/#timetable">See the timetable' in page
    assert 'href="/calendar/?date=2027-03-01&amp;by=room">day 1 (Mon Mar 1)' in page
    assert 'href="/calendar/?date=2027-03-05&amp;by=room">day 5 (Fri Mar 5)' in page
    retreat_page = client.get(f"/retreats/{retreat.pk}/").content.decode()
    assert "Last generation: done" in retreat_page and url in retreat_page


def test_a_refused_run_shows_the_shortage_and_links_the_clashing_session(cal, retreat, web_as):
    enrol(cal, retreat, 8)
    blocker = block_dosing_b_on_day_3(cal)
    run = retreats.timetable_run_process(run_id=new_run(cal, retreat).pk)
    page = web_as(cal.people.admin).get(f"/retreats/{retreat.pk}/timetable-runs/{run.pk}/")
    html = page.content.decode()
    refused = html[html.index('data-testid="run-refused"') :]
    assert "Nothing was created." in refused
    assert "Day 3 (Wed Mar 03) 09:00–12:00 Dosing" in refused
    assert f'<a href="/calendar/sessions/{blocker.pk}/">Integration' in refused
    assert "hx-get" not in html


def test_generate_on_the_retreat_page_starts_a_run_and_lands_on_its_summary(
    cal, retreat, web_as, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    enrol(cal, retreat, 2)
    client = web_as(cal.people.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/retreats/{retreat.pk}/", {"action": "generate"})
    run = TimetableRun.objects.get()
    assert response.status_code == 302
    assert response.url == f"/retreats/{retreat.pk}/timetable-runs/{run.pk}/"
    page = client.get(response.url).content.decode()
    assert "<strong>16 booked</strong>" in page
    assert Session.objects.filter(status="scheduled").count() == 2 * ITEMS


def test_another_clinics_run_is_not_found_and_other_staff_may_not_open_it(
    cal, retreat, web_as, client
):
    run = new_run(cal, retreat)
    url = f"/retreats/{retreat.pk}/timetable-runs/{run.pk}/"
    other = web_as(cal.people.other_admin)
    assert other.get(url).status_code == 404
    assert other.get(url + "?fragment=1").status_code == 404
    client.logout()
    admin = web_as(cal.people.admin)
    assert admin.get(f"/retreats/{retreat.pk + 1}/timetable-runs/{run.pk}/").status_code == 404
    client.logout()
    assert web_as(cal.people.therapist).get(url).status_code == 403


def test_the_fragment_reads_a_constant_number_of_queries(
    cal, retreat, web_as, django_assert_max_num_queries
):
    enrol(cal, retreat, 8)
    block_dosing_b_on_day_3(cal)
    run = retreats.timetable_run_process(run_id=new_run(cal, retreat).pk)
    client = web_as(cal.people.admin)
    # session, user, staff (the role), the run with its retreat and clinic; the clashing
    # sessions' links: the reader's role and clinic, the sessions; the session's
    # second-factor device (django-otp); the request's audit row.
    with django_assert_max_num_queries(10):
        client.get(f"/retreats/{retreat.pk}/timetable-runs/{run.pk}/?fragment=1")
