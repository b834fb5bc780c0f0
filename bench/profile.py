"""Where a request of the clinic mix spends its time: CPU, queries, and the top functions.

`python -m bench profile [--runs 20] [--top 15] [--only today,portal]`:

1. creates a PostgreSQL database (`--database`, default kap_bench_profile, on the server of
   DATABASE_URL or 127.0.0.1:5432), migrates it, loads the demo clinic (`seed_demo`) and
   adds one simulated person of each kind, exactly as the load test does
   (`bench.load.prepare`), under the load test's production settings (DEBUG off);
2. signs each persona of bench/locustfile.py in through Django's test client (the login
   form, then the authenticator's code for staff), so every request passes the whole
   middleware stack with a real, second-factor-verified session;
3. runs each request of the mix `--runs` times in this process and prints, per request,
   the median CPU ms of this process (`time.process_time`: robust while other work loads
   the machine, unlike wall-clock runs), the median wall ms, the queries and their ms;
4. runs each request `--runs` more times under cProfile and prints its `--top` functions by
   cumulative time.

CPU time here is Django's and the database driver's; PostgreSQL's own work is in "query ms"
(wall clock, so inflated on a busy machine). The database is dropped unless `--keep`.
"""

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import load


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench profile", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--runs", type=int, default=20, help="runs per request (20)")
    parser.add_argument("--top", type=int, default=15, help="functions shown per request (15)")
    parser.add_argument("--only", default="", help="comma-separated request names to run")
    parser.add_argument("--database", default="kap_bench_profile", help="database to create")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--sql", action="store_true", help="print the queries of one run")
    parser.add_argument(
        "--reuse", action="store_true", help="use --database as it is (made by --keep)"
    )
    return parser.parse_args(argv)


class QueryMeter:
    """Counts the queries of a block and their wall time (a connection execute wrapper)."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0
        self.statements = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - start
            self.seconds += elapsed
            self.count += 1
            self.statements.append((elapsed, sql))


def signed_in_client(username: str, *, password: str, totp_secret: str):
    """A test client signed in the way a person signs in (bench.load.sign_in's steps)."""
    import pyotp
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    response = client.post("/login/", {"username": username, "password": password}, follow=True)
    if response.request["PATH_INFO"] == "/account/2fa/verify/":
        code = pyotp.TOTP(totp_secret).now()
        response = client.post("/account/2fa/verify/", {"code": code}, follow=True)
    path = response.request["PATH_INFO"]
    if response.status_code != 200 or path.startswith(("/login/", "/account/2fa/")):
        raise RuntimeError(f"{username} could not sign in ({response.status_code} at {path})")
    return client


def requests_of_the_mix(config: dict) -> list[tuple[str, str, object]]:
    """(name, persona, call(client) -> response) for every request of bench/locustfile.py,
    each checked for the status the locustfile expects."""
    admin, therapist = config["admins"][0], config["therapists"][0]
    week = config["week"]
    first = dt.date.fromisoformat(config["first_bookable_day"])

    def expect(status, response):
        if response.status_code != status:
            raise RuntimeError(
                f"{response.status_code} != {status}: {response.get('Location', '')} "
                f"{response.content[:300]!r}"
            )
        return response

    def get(url):
        return lambda c: expect(200, c.get(url))

    def book_and_cancel(c):
        day = first + dt.timedelta(days=random.randrange(300))
        starts = dt.datetime.combine(day, dt.time(random.randrange(9, 17)), dt.UTC)
        booked = expect(
            201,
            c.post(
                "/api/v1/sessions/",
                {
                    "patient": admin["patient"],
                    "clinician": admin["clinician"],
                    "kind": "integration",
                    "starts_at": starts.isoformat(),
                    "ends_at": (starts + dt.timedelta(hours=1)).isoformat(),
                },
                content_type="application/json",
            ),
        )
        return expect(
            200,
            c.post(
                f"/api/v1/sessions/{booked.json()['id']}/cancel/",
                {"reason": "load test"},
                content_type="application/json",
            ),
        )

    def autosave(c):
        text = f"Integration went well ({random.random():.6f})."
        return expect(
            200,
            c.post(f"/notes/{therapist['note']}/autosave/", {f"f_{therapist['note_field']}": text}),
        )

    def preferences(c):
        data = {f"channel_{kind}": "email" for kind in config["message_kinds"]}
        data["share_session_type"] = random.choice(["on", ""])
        return expect(302, c.post("/portal/preferences/", data))

    return [
        ("admin today", "admin", get("/today/")),
        ("admin week", "admin", get(f"/calendar/?view=week&date={week}")),
        ("admin patient", "admin", get(f"/patients/{admin['patient']}/")),
        ("admin sessions api", "admin", get("/api/v1/sessions/")),
        ("admin book+cancel", "admin", book_and_cancel),
        ("therapist today", "therapist", get("/today/")),
        ("therapist week", "therapist", get(f"/calendar/?view=week&date={week}")),
        ("therapist patient", "therapist", get(f"/patients/{therapist['patient']}/")),
        ("therapist sessions api", "therapist", get("/api/v1/sessions/")),
        ("therapist autosave", "therapist", autosave),
        ("patient portal", "patient", get("/portal/")),
        ("patient preferences", "patient", preferences),
    ]


def measure(requests, clients, *, runs: int, top: int, sql: bool = False) -> None:
    from django.db import connection

    rows = []
    profiles = {}
    for name, persona, call in requests:
        client = clients[persona]
        call(client)  # warm: first-use imports, template compilation
        cpu, wall, counts, query_ms = [], [], [], []
        for _ in range(runs):
            meter = QueryMeter()
            with connection.execute_wrapper(meter):
                c0, w0 = time.process_time(), time.perf_counter()
                call(client)
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
            counts.append(meter.count)
            query_ms.append(meter.seconds * 1000)
        rows.append((name, cpu, wall, counts, query_ms))
        if sql:
            print(f"\n== {name}: the {meter.count} queries of the last run")
            for elapsed, statement in meter.statements:
                print(f"  {elapsed * 1000:6.2f} ms  {' '.join(statement.split())[:150]}")
        # CPU time, like the table: a busy machine inflates wall time, not this.
        profile = cProfile.Profile(time.process_time)
        for _ in range(runs):
            profile.runcall(call, client)
        profiles[name] = profile

    print(
        f"\n{'request':<24} {'CPU ms':>8} {'wall ms':>8} {'queries':>8} {'query ms':>9}"
        f"   (medians of {runs})"
    )
    for name, cpu, wall, counts, query_ms in rows:
        print(
            f"{name:<24} {statistics.median(cpu):>8.1f} {statistics.median(wall):>8.1f} "
            f"{statistics.median(counts):>8.0f} {statistics.median(query_ms):>9.1f}"
        )
    cpu_all = [statistics.median(r[1]) for r in rows]
    print(f"{'mean of the requests':<24} {statistics.mean(cpu_all):>8.1f}")

    for name, profile in profiles.items():
        # The project's own functions by cumulative time (the call chain through Django's
        # handler and middleware says nothing), then everything by own time.
        for title, sort, restriction in (
            ("the project's functions by cumulative time", "cumulative", PROJECT_CODE),
            ("all functions by own time", "tottime", ""),
        ):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(sort).print_stats(restriction, top)
            print(f"\n== {name}: top {top} of {title} ({runs} runs)")
            print(_trim(out.getvalue()))


# pstats restriction (a regular expression on "file:line(function)"): the project's apps.
PROJECT_CODE = (
    r"^(?!.*(site-packages|/bench/)).*/(accounts|backend|billing|controlled|integration_notes"
    r"|messaging|onboarding|practice|records|scheduling)/"
)


def _trim(text: str) -> str:
    """pstats' table without its preamble, paths shortened to the package."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    keep = []
    for line in lines[start:]:
        if not line.strip():
            continue
        for marker in ("site-packages/", str(load.ROOT) + "/", "/usr/lib/python3"):
            if marker in line:
                head, _, tail = line.partition(marker)
                line = head[: head.rfind(" ") + 1] + tail
        keep.append(line)
    return "\n".join(keep)


def main(argv: list[str]) -> None:
    args = parse(argv)
    url = load.database_url(args.database)
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        work = Path(tmp)
        env = load.server_env(url, str(work / "var"))
        os.environ.update(env)
        (work / "var" / "static").mkdir(parents=True)
        config_file = Path(tempfile.gettempdir()) / f"{args.database}-people.json"
        if not args.reuse:
            print(f"Preparing {args.database} (migrate, demo clinic, one person of each kind)…")
            load.recreate_database(url)
            load.manage("migrate", "--noinput", "-v0", env=env)
            load.manage("seed_demo", env=env)
        try:
            import django

            django.setup()
            if args.reuse:
                config = json.loads(config_file.read_text())
            else:
                config = load.prepare(users=1)
                config_file.write_text(json.dumps(config))
            load.reset_second_factors()
            clients = {
                persona: signed_in_client(
                    config[role][0]["username"],
                    password=config["password"],
                    totp_secret=config["totp_secret"],
                )
                for persona, role in (
                    ("admin", "admins"),
                    ("therapist", "therapists"),
                    ("patient", "patients"),
                )
            }
            only = {n.strip() for n in args.only.split(",") if n.strip()}
            requests = [r for r in requests_of_the_mix(config) if not only or r[0] in only]
            measure(requests, clients, runs=args.runs, top=args.top, sql=args.sql)
        finally:
            if not args.keep and not args.reuse:
                from django.db import connections

                connections.close_all()
                load.recreate_database(url, drop_only=True)


if __name__ == "__main__":
    main(sys.argv[1:])
