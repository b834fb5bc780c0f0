"""The reminder outbox under load.

1. One sweep claiming and publishing 10,000 due reminders, against publishing 10,000
   no-op tasks on the same broker connection (target: at most 1.5×).
2. Due-to-sent latency on Redis with a real worker and beat (target p95: one sweep
   interval + 5 s). BENCH_SWEEP_SECONDS sets the interval (default 10; production 60).
3. EXPLAIN ANALYZE of the claim query at 1,000,000 reminder rows (PostgreSQL): it must
   use the partial index `reminder_due_idx`, not a sequential scan.

Redis parts run on a private redis-server on a free port, so no running worker can take
the benchmark's tasks.
"""

import datetime
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

N = int(os.environ.get("BENCH_REMINDERS", "10000"))
ROUNDS = 3


def run(report=None):
    if report is None:
        print("| measure | value | note |\n|---|---|---|")

        def report(label, value, note=""):
            print(f"| {label} | {value} | {note} |", flush=True)

    from backend.celery import app
    from practice.models import Clinic, Patient

    clinic = Clinic.objects.create(name="Bench clinic", timezone="UTC")
    patient = Patient.objects.create(
        clinic=clinic,
        legal_first_name="Bench",
        legal_last_name="Patient",
        date_of_birth=datetime.date(1980, 1, 1),
        email="bench@example.com",
    )
    from messaging.models import ReminderSettings

    # No quiet hours: the benchmark runs at any time of day.
    ReminderSettings.objects.create(
        clinic=clinic, quiet_hours_start=datetime.time(0), quiet_hours_end=datetime.time(0)
    )
    redis = _private_redis()
    try:
        if redis is not None:
            _point_app_at(app, redis.url)
        _claim_and_publish(report, app, clinic, patient)
        if redis is not None and connection.vendor == "postgresql":
            _latency(report, redis, clinic, patient)
        else:
            report("due-to-sent latency", "skipped", "needs PostgreSQL and redis-server")
    finally:
        if redis is not None:
            redis.stop()
            shutil.rmtree(redis.workdir, ignore_errors=True)
    if connection.vendor == "postgresql":
        _explain_at_scale(report, clinic, patient)
    else:
        report("EXPLAIN at 1M rows", "skipped", "needs PostgreSQL")


def _private_redis():
    if not shutil.which("redis-server"):
        return None
    from tests.messaging.harness import RedisServer

    server = RedisServer(Path(tempfile.mkdtemp(prefix="bench-redis-")))
    server.start()
    return server


def _point_app_at(app, url):
    app.conf.update(dict.fromkeys(("broker_url", "broker_write_url", "broker_read_url"), url))
    app._pool = None
    app.amqp._producer_pool = None


def _rows(clinic, patient, count, *, send_at, prefix):
    from messaging.models import Reminder

    Reminder.objects.bulk_create(
        [
            Reminder(
                clinic=clinic,
                patient=patient,
                kind="superbill_issued",
                channel="email",
                target_type=prefix,
                target_id=str(i),
                send_at=send_at(i) if callable(send_at) else send_at,
                subject="Your superbill is ready",
                body_text="Hello",
            )
            for i in range(count)
        ],
        batch_size=2000,
    )


def _claim_and_publish(report, app, clinic, patient):
    from messaging.models import Reminder
    from messaging.services.outbox import reminders_dispatch

    @app.task(name="bench.noop", ignore_result=True)
    def noop(i):
        return None

    queue = f"bench-{os.getpid()}"
    _rows(clinic, patient, N, send_at=timezone.now() - datetime.timedelta(minutes=1), prefix="b")
    rows = Reminder.objects.filter(target_type="b")

    def publish_noop():
        with app.producer_or_acquire() as producer:
            for i in range(N):
                noop.apply_async((i,), producer=producer, retry=False, queue=queue)

    def claim_and_publish():
        assert reminders_dispatch(queue=queue) == N

    noop_times, claim_times = [], []
    publish_noop()  # warm up the connection and the code paths
    for _ in range(ROUNDS):
        started = time.perf_counter()
        publish_noop()
        noop_times.append(time.perf_counter() - started)
        rows.update(lease_until=None)
        started = time.perf_counter()
        claim_and_publish()
        claim_times.append(time.perf_counter() - started)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)
    noop_s, claim_s = statistics.median(noop_times), statistics.median(claim_times)
    report(f"publish {N:,} no-op tasks", f"{noop_s:.2f} s", f"median of {ROUNDS}")
    report(f"claim + publish {N:,} due reminders (one sweep)", f"{claim_s:.2f} s", "")
    report("ratio", f"{claim_s / noop_s:.2f}×", "target ≤ 1.5×")
    rows.delete()


def _latency(report, redis, clinic, patient):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from messaging.models import Reminder
    from tests.messaging.harness import CeleryProcesses, wait_until

    interval = int(os.environ.get("BENCH_SWEEP_SECONDS", "10"))
    count = int(os.environ.get("BENCH_LATENCY_REMINDERS", "300"))
    every, _ = IntervalSchedule.objects.get_or_create(
        every=interval, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.update_or_create(
        name="reminders-dispatch-due",
        defaults={"task": "messaging.tasks.reminders_dispatch_due", "interval": every},
    )
    var_dir = Path(tempfile.mkdtemp(prefix="bench-var-"))
    (var_dir / "outbox").mkdir()
    processes = CeleryProcesses(broker_url=redis.url, var_dir=var_dir)
    try:
        processes.beat()
        processes.worker(concurrency=2)
        start = timezone.now() + datetime.timedelta(seconds=2)
        spread = 2 * interval
        _rows(
            clinic,
            patient,
            count,
            send_at=lambda i: start + datetime.timedelta(seconds=spread * i / count),
            prefix="lat",
        )
        rows = Reminder.objects.filter(target_type="lat")
        wait_until(
            lambda: rows.filter(status="sent").count() == count,
            timeout=spread + interval * 3 + 60,
            interval=0.5,
            what="the latency reminders",
        )
        delays = sorted((r.sent_at - r.send_at).total_seconds() for r in rows)
    finally:
        processes.stop_all()
        shutil.rmtree(var_dir, ignore_errors=True)
    p50 = statistics.median(delays)
    p95 = delays[int(0.95 * (len(delays) - 1))]
    report(
        f"due-to-sent, {count} reminders due over {spread} s",
        f"p50 {p50:.1f} s, p95 {p95:.1f} s, max {delays[-1]:.1f} s",
        f"sweep every {interval} s; target p95 ≤ {interval + 5} s",
    )


def _explain_at_scale(report, clinic, patient):
    from messaging.services.outbox import reminders_claim_due

    total = int(os.environ.get("BENCH_EXPLAIN_ROWS", "1000000"))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # History: mostly sent rows; a few thousand pending, a thousand of them due.
        cursor.execute(
            """
            INSERT INTO scheduling_reminder
              (clinic_id, patient_id, kind, channel, target_type, target_id, send_at, status,
               attempts, subject, body_text, body_html, recipient, provider_message_id,
               last_error, sent_at, created_at, updated_at)
            SELECT %s, %s, 'session_48h', 'email', 'x', g::text,
                   now() - (g || ' seconds')::interval + CASE WHEN g %% 200 = 0
                     THEN interval '2 days' ELSE interval '0' END
                     - CASE WHEN g %% 1000 = 0 THEN interval '3 days' ELSE interval '0' END,
                   CASE WHEN g %% 200 = 0 THEN 'pending' ELSE 'sent' END,
                   1, 's', 'b', '', '', '', '',
                   CASE WHEN g %% 200 = 0 THEN NULL ELSE now() END, now(), now()
            FROM generate_series(1, %s) AS g
            """,
            [clinic.pk, patient.pk, total],
        )
        cursor.execute("ANALYZE scheduling_reminder")
    report(f"insert {total:,} rows", f"{time.perf_counter() - started:.0f} s", "")
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        claimed = reminders_claim_due(limit=1000)
        transaction.set_rollback(True)
    claim_sql = next(
        q["sql"]
        for q in queries.captured_queries
        if "SKIP LOCKED" in q["sql"] and "pending" in q["sql"]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + claim_sql)
        plan = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    uses_index = any("reminder_due_idx" in line for line in plan)
    seq = any("Seq Scan" in line for line in plan)
    report(
        f"claim query plan at {total:,} rows",
        "index scan on reminder_due_idx" if uses_index and not seq else "NO INDEX SCAN",
        f"claimed {len(claimed)}; {plan[-1].strip()}",
    )
    print("\n```\n" + claim_sql + "\n\n" + "\n".join(plan) + "\n```")
