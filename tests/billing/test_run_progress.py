"""Month-end progress: the run page shows "n of N" while it runs and polls itself, then a
summary with links to what was issued and what was refused, and why."""

import datetime

import pytest

from billing.models import BulkIssueItem, BulkIssueRun, Superbill
from billing.services import superbills as module
from billing.services.superbills import bulk_issue_process

pytestmark = pytest.mark.django_db
OCTOBER = datetime.date(2026, 10, 1)


def test_the_progress_fragment_says_n_of_n_while_the_run_works(
    three_paid, codes, web_as, monkeypatch
):
    run = BulkIssueRun.objects.create(clinic=codes.clinic, month=OCTOBER, started_by=codes.admin)
    client = web_as(codes.admin)
    queued = client.get(f"/billing/runs/{run.pk}/?fragment=1").content.decode()
    assert "The run is queued" in queued and "hx-trigger=" in queued

    # The worker stops after the first patient (as if killed): one of three is done.
    real_issue, calls = module.superbill_issue, []

    def dies_on_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real_issue(**kwargs)

    monkeypatch.setattr(module, "superbill_issue", dies_on_second)
    with pytest.raises(SystemExit):
        bulk_issue_process(run_id=run.pk)

    response = client.get(f"/billing/runs/{run.pk}/?fragment=1")
    fragment = response.content.decode()
    assert "<html" not in fragment  # the block alone, for the poll to swap in
    assert '<strong data-testid="run-count">1 of 3</strong>' in fragment
    assert f'hx-get="/billing/runs/{run.pk}/?fragment=1"' in fragment
    page = client.get(f"/billing/runs/{run.pk}/").content.decode()
    assert "js/htmx.min.js" in page and "1 of 3" in page


def test_the_summary_lists_what_was_issued_and_what_was_refused_and_why(three_paid, codes, web_as):
    three_paid[1].diagnoses.all().delete()
    run = BulkIssueRun.objects.create(clinic=codes.clinic, month=OCTOBER, started_by=codes.admin)
    bulk_issue_process(run_id=run.pk)
    response = web_as(codes.admin).get(f"/billing/runs/{run.pk}/")
    page = response.content.decode()
    assert "hx-get" not in page and "htmx.min.js" not in page  # done: no more polling
    assert "3 of 3 patients looked at" in page and "2 issued, 1 refused" in page
    issued = page[page.index('data-testid="run-issued"') : page.index('data-testid="run-refused"')]
    for superbill in Superbill.objects.all():
        assert (
            f'href="/billing/superbills/{superbill.pk}/pdf/?inline=1">{superbill.number}' in issued
        )
    refused = page[page.index('data-testid="run-refused"') :]
    assert "Frank Other: " in refused and "no diagnosis recorded for Frank Other" in refused


def test_starting_a_run_through_celery_eagerly_lands_on_its_finished_summary(
    three_paid, codes, web_as, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client = web_as(codes.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/billing/", {"action": "month", "month": "2026-10"})
    run = BulkIssueRun.objects.get()
    assert response.status_code == 302 and response.url == f"/billing/runs/{run.pk}/"
    run.refresh_from_db()
    assert (run.status, run.total) == ("done", 3)
    assert BulkIssueItem.objects.filter(run=run, outcome="issued").count() == 3
    page = client.get(response.url).content.decode()
    assert "3 of 3 patients looked at" in page and "3 issued, 0 refused" in page


def test_another_clinics_run_is_not_found(three_paid, codes, web_as):
    run = BulkIssueRun.objects.create(clinic=codes.clinic, month=OCTOBER)
    client = web_as(codes.other_admin)
    assert client.get(f"/billing/runs/{run.pk}/").status_code == 404
    assert client.get(f"/billing/runs/{run.pk}/?fragment=1").status_code == 404


def test_the_progress_fragment_reads_a_constant_number_of_queries(
    three_paid, codes, web_as, django_assert_max_num_queries
):
    run = BulkIssueRun.objects.create(clinic=codes.clinic, month=OCTOBER)
    bulk_issue_process(run_id=run.pk)
    client = web_as(codes.admin)
    # session, user, staff (the role), the run with its clinic, its items with patients and
    # superbills; the session's second-factor device (django-otp); the request's audit row.
    with django_assert_max_num_queries(7):
        client.get(f"/billing/runs/{run.pk}/?fragment=1")
