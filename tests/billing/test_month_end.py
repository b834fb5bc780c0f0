"""Month-end: one superbill per patient with paid charges, resumable after a worker dies."""

import datetime

import pytest

from billing.models import BulkIssueRun, Superbill
from billing.services import superbills as module
from billing.services.superbills import bulk_issue_process, bulk_issue_start
from messaging.models import Reminder

OCTOBER = datetime.date(2026, 10, 1)


def test_month_end_issues_one_superbill_per_patient_with_paid_charges(
    three_paid, codes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = bulk_issue_start(clinic=codes.clinic, month=OCTOBER, started_by=codes.admin)
    assert len(callbacks) == 1  # the Celery task, enqueued after commit
    run = bulk_issue_process(run_id=run.pk)
    assert run.status == "done"
    assert sorted(Superbill.objects.values_list("patient_id", flat=True)) == sorted(
        p.pk for p in three_paid
    )
    numbers = sorted(Superbill.objects.values_list("sequence", flat=True))
    assert numbers == [1, 2, 3]
    # Each patient is told through the outbox.
    assert Reminder.objects.filter(kind="superbill_issued").count() == 3


def test_a_run_killed_midway_resumes_without_issuing_twice(three_paid, codes, monkeypatch):
    run = BulkIssueRun.objects.create(clinic=codes.clinic, month=OCTOBER)
    real_issue = module.superbill_issue
    calls = []

    def dies_on_second(**kwargs):
        calls.append(kwargs["patient"].pk)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real_issue(**kwargs)

    monkeypatch.setattr(module, "superbill_issue", dies_on_second)
    with pytest.raises(SystemExit):
        bulk_issue_process(run_id=run.pk)
    assert Superbill.objects.count() == 1
    monkeypatch.setattr(module, "superbill_issue", real_issue)

    # The redelivered task (acks_late) runs the same run again.
    bulk_issue_process(run_id=run.pk)
    bulk_issue_process(run_id=run.pk)
    assert Superbill.objects.count() == 3
    assert sorted(Superbill.objects.values_list("sequence", flat=True)) == [1, 2, 3]
    assert run.items.filter(outcome="issued").count() == 3


def test_a_patient_the_run_cannot_bill_is_reported_not_skipped_silently(three_paid, codes):
    three_paid[1].diagnoses.all().delete()
    run = BulkIssueRun.objects.create(clinic=codes.clinic, month=OCTOBER)
    bulk_issue_process(run_id=run.pk)
    refused = run.items.get(patient=three_paid[1])
    assert refused.outcome == "refused"
    assert "no diagnosis recorded for Frank Other" in refused.message
    assert Superbill.objects.count() == 2
