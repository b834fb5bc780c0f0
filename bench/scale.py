"""Latency of the main pages and endpoints at service scale ÷ with 1 % of its history
(PostgreSQL).

Two databases from the same migrated template: the runner's test database gets the small
world, a sibling database the full one (`bench/_scale.py`: 50 clinics; at full scale
20,000 patients, 500,000 sessions, ~200,000 notes, ~300,000 charges, 1,000,000 outbox
messages; the small world has the same clinics, staff, patients and present, and 1 % of
the history before the present). Every page is asked of both, in alternating blocks (the
connection switches between the databases between blocks, never inside a timing), as the
first clinic's admin or therapist, signed in with the second factor. Figures: p50 and p95
of each world, their ratios, and the queries per request in each (they must be equal:
constant per request).

    BENCH_SCALE=1.0        the large world's scale (0.1 for a quick look)
    BENCH_CLINICS=50       clinics in each world
    BENCH_ROUNDS=6         alternating blocks per page and world
    BENCH_BLOCK=5          timed requests per block (one untimed warm-up first)

Writes var/bench/scale.json; docs/benchmarks.md quotes a run.
"""

import json
import logging
import os
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench._scale import build

TARGET_RATIO = 1.3


def _pages(world) -> list[tuple[str, str, str]]:
    """(label, who, url): who is 'admin' or 'therapist' of the first clinic."""
    p, s = world.patient_id, world.session_id
    return [
        ("Today (therapist)", "therapist", "/today/"),
        ("Today (admin)", "admin", "/today/"),
        ("Patients", "admin", "/patients/"),
        ("Patient page", "admin", f"/patients/{p}/"),
        ("Session page", "admin", f"/calendar/sessions/{s}/"),
        ("Calendar week by room", "admin", "/calendar/?view=week"),
        ("Calendar week by clinician", "admin", "/calendar/?view=week&by=clinician"),
        ("Booking form", "admin", "/calendar/book/"),
        ("Billing", "admin", "/billing/"),
        ("Notes (therapist)", "therapist", "/notes/"),
        ("API sessions, first page", "admin", "/api/v1/sessions/"),
        ("API sessions (therapist)", "therapist", "/api/v1/sessions/"),
        ("API patients", "admin", "/api/v1/patients/"),
        ("API notes", "therapist", "/api/v1/notes/"),
        ("API charges", "admin", "/api/v1/charges/"),
        ("API superbills", "admin", "/api/v1/superbills/"),
        ("API reminders", "admin", "/api/v1/reminders/"),
    ]


class _Worlds:
    """Two databases of one server; `use(name)` points Django's connection at one."""

    def __init__(self):
        self.small = connection.settings_dict["NAME"]
        self.large = f"{self.small}_large"
        self.current = self.small

    def _server(self, sql: str) -> None:
        import psycopg

        params = connection.get_connection_params()
        params["dbname"] = "postgres"
        with psycopg.connect(**params, autocommit=True) as server:
            server.execute(sql)

    def make_large(self) -> None:
        connection.close()
        self._server(f'DROP DATABASE IF EXISTS "{self.large}"')
        self._server(f'CREATE DATABASE "{self.large}" TEMPLATE "{self.small}"')

    def drop_large(self) -> None:
        self.use(self.small)
        self._server(f'DROP DATABASE IF EXISTS "{self.large}"')

    def use(self, name: str) -> None:
        if name != self.current:
            connection.close()
            connection.settings_dict["NAME"] = name
            self.current = name


def _client(user_id: int) -> Client:
    from django.contrib.auth import get_user_model

    from tests.otp import sign_in

    return sign_in(Client(), get_user_model().objects.get(pk=user_id))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run() -> None:
    if connection.vendor != "postgresql":
        print("skipped: the service-scale benchmark needs PostgreSQL (DATABASE_URL)")
        return
    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per sign-in otherwise
    scale = float(os.environ.get("BENCH_SCALE", "1.0"))
    clinics = int(os.environ.get("BENCH_CLINICS", "50"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "6"))
    block = int(os.environ.get("BENCH_BLOCK", "5"))
    worlds = _Worlds()
    worlds.make_large()
    try:
        small = build(scale / 100, clinics=clinics)
        print(f"  small world (1 % of the history): {small.counts} in {small.seconds:.0f} s")
        worlds.use(worlds.large)
        large = build(scale, clinics=clinics)
        print(f"  large world: {large.counts} in {large.seconds:.0f} s")
        clients = {}
        for name, world in ((worlds.small, small), (worlds.large, large)):
            worlds.use(name)
            clients[name] = {
                "admin": _client(world.admin_user_id),
                "therapist": _client(world.therapist_user_id),
            }
        results = []
        for (label, who, url), (_, _, large_url) in zip(_pages(small), _pages(large), strict=True):
            timings = {worlds.small: [], worlds.large: []}
            queries = {}
            for _ in range(rounds):
                for name, address in ((worlds.small, url), (worlds.large, large_url)):
                    worlds.use(name)
                    client = clients[name][who]
                    with CaptureQueriesContext(connection) as captured:
                        response = client.get(address)  # warm-up, counted
                    assert response.status_code == 200, (label, name, response.status_code)
                    queries[name] = len(captured)
                    for _ in range(block):
                        started = time.perf_counter()
                        client.get(address)
                        timings[name].append((time.perf_counter() - started) * 1000)
            row = {
                "page": label,
                "url": url if url == large_url else f"{url} | {large_url}",
                "queries_small": queries[worlds.small],
                "queries_large": queries[worlds.large],
            }
            for key, name in (("small", worlds.small), ("large", worlds.large)):
                row[f"p50_{key}_ms"] = round(statistics.median(timings[name]), 1)
                row[f"p95_{key}_ms"] = round(_percentile(timings[name], 0.95), 1)
            row["p50_ratio"] = round(row["p50_large_ms"] / row["p50_small_ms"], 2)
            row["p95_ratio"] = round(row["p95_large_ms"] / row["p95_small_ms"], 2)
            results.append(row)
            mark = "✔" if row["p50_ratio"] <= TARGET_RATIO else "✘"
            print(
                f"  {label:32} p50 {row['p50_small_ms']:7.1f} → {row['p50_large_ms']:7.1f} ms"
                f"  ×{row['p50_ratio']:<5} {mark}  p95 ×{row['p95_ratio']:<5}"
                f"  queries {row['queries_small']} / {row['queries_large']}"
            )
        out = Path(settings.BASE_DIR) / "var" / "bench" / "scale.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(
                {
                    "scale": scale,
                    "clinics": clinics,
                    "small": small.counts,
                    "large": large.counts,
                    "build_seconds": {"small": small.seconds, "large": large.seconds},
                    "pages": results,
                },
                indent=2,
            )
        )
        print(f"  written to {out}")
    finally:
        worlds.drop_large()
