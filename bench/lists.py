"""Flat cost as a clinic's history grows (issue 16): the same reads on one year of sessions
and on twenty years at the same rate, each figure a ratio in one run (medians of 7).

- a deep page of the sessions list: keyset (`starts_at, id` > cursor, LIMIT 26) against
  the former `COUNT(*)` + `OFFSET` page at the same place;
- the billing review queue (`sessions_awaiting_charges`, bounded by its window);
- the /today/ cycle-gap count and the worklist (both from `cycle_gap_doses`, which reads
  the doses of the last `CYCLE_GAP_LOOKBACK_DAYS`).

`BENCH_LISTS_PER_YEAR` sessions a year (default 2,000; the issue's demo had 50,000 in
total), `BENCH_LISTS_YEARS` for the long history (default 20).
"""

import datetime
import os
import statistics
import time

from django.db import connection
from django.utils import timezone

from billing.selectors import sessions_awaiting_charges
from practice.models import Patient, Session, TreatmentPlan
from practice.selectors import kap_cycle_gap_count, kap_cycle_gaps, session_list

PER_YEAR = int(os.environ.get("BENCH_LISTS_PER_YEAR", "2000"))
YEARS = int(os.environ.get("BENCH_LISTS_YEARS", "20"))
KINDS = ["preparation", "dosing", "integration"]


def _median_ms(fn, runs=7) -> float:
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _grow(people, *, years: range, now) -> None:
    """`years` of sessions at PER_YEAR a year, 20 patients a year each with one plan (the
    last year's running, older ones completed), every session completed or scheduled."""
    patients, plans, sessions = [], [], []
    for year in years:
        for n in range(20):
            patients.append(
                Patient(
                    clinic=people.clinic,
                    legal_first_name=f"Bench{year}",
                    legal_last_name=f"P{n}",
                    date_of_birth=datetime.date(1980, 1, 1),
                    sex="U",
                )
            )
    Patient.objects.bulk_create(patients, batch_size=2000)
    for index, patient in enumerate(patients):
        plans.append(
            TreatmentPlan(
                clinic=people.clinic,
                patient=patient,
                route="im",
                starting_dose_mg_per_kg="0.50",
                status="active" if years.start == 0 and index < 20 else "completed",
            )
        )
    TreatmentPlan.objects.bulk_create(plans, batch_size=2000)
    step = datetime.timedelta(days=365) / PER_YEAR
    for offset, year in enumerate(years):
        for n in range(PER_YEAR):
            starts_at = now - datetime.timedelta(days=365 * year) - step * (n + 1)
            plan = plans[offset * 20 + n % 20]
            sessions.append(
                Session(
                    clinic=people.clinic,
                    patient_id=plan.patient_id,
                    plan=plan,
                    clinician=people.therapist,
                    kind=KINDS[(n // 20) % 3],
                    starts_at=starts_at,
                    ends_at=starts_at + datetime.timedelta(minutes=50),
                    status="completed",
                )
            )
    Session.objects.bulk_create(sessions, batch_size=5000)


def _measure(people, now) -> dict[str, float]:
    user = people.admin.user
    ordered = session_list(user=user).order_by("starts_at", "id")
    # The admin's own clinic's sessions: the personas have other clinics' too.
    total = ordered.count()
    cursor_at = ordered.values_list("starts_at", "id")[total - 100]

    def keyset():
        list(
            ordered.filter(starts_at__gte=cursor_at[0]).exclude(
                starts_at=cursor_at[0], id__lte=cursor_at[1]
            )[:26]
        )

    def offset():
        ordered.count()
        list(ordered[total - 100 : total - 75])

    def awaiting():
        list(sessions_awaiting_charges(clinic_id=people.clinic.pk, now=now)[:50])

    def gaps_count():
        kap_cycle_gap_count(user=user, clinic_id=people.clinic.pk)

    def gaps_list():
        kap_cycle_gaps(user=user)

    return {
        "sessions page (keyset)": _median_ms(keyset),
        "sessions page (COUNT + OFFSET, before)": _median_ms(offset),
        "awaiting charges": _median_ms(awaiting),
        "cycle-gap count (Today)": _median_ms(gaps_count),
        "cycle-gap worklist": _median_ms(gaps_list),
    }


def run() -> None:
    from tests.personas import make_personas

    now = timezone.now()
    people = make_personas()
    _grow(people, years=range(1), now=now)
    _analyze()
    small = _measure(people, now)
    small_n = Session.objects.count()
    # Nineteen more years before the first: the last year (and its running plans) is
    # the same, only the history grows.
    _grow(people, years=range(1, YEARS), now=now)
    _analyze()
    large = _measure(people, now)
    large_n = Session.objects.count()
    print(f"sessions: {small_n:,} (1 year) → {large_n:,} ({YEARS} years), {connection.vendor}")
    print(f"| read | 1 year (ms) | {YEARS} years (ms) | ratio |")
    print("|---|---|---|---|")
    for name, ms in small.items():
        print(f"| {name} | {ms:.1f} | {large[name]:.1f} | {large[name] / ms:.2f}× |")


def _analyze() -> None:
    """Fresh planner statistics after a bulk insert (PostgreSQL), as autovacuum would give."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
