"""The load test of issue 16: the clinic mix under gunicorn against a Django hello-world.

`python -m bench load [--duration 20] [--users 8]` (or `make bench-load`):

1. creates a PostgreSQL database (`--database`, default kap_bench_load, on the server of
   DATABASE_URL or 127.0.0.1:5432), migrates it and loads the demo clinic (`seed_demo`);
2. adds, per simulated person, an admin, a therapist (with working hours every day), a
   patient with a portal login on that therapist's care team, and a draft note of a past
   session, so no two simulated people ever book the same slot or save the same draft;
   their logins go to a JSON file that bench/locustfile.py reads;
3. four times, alternating hello-world and clinic mix (hello, mix, hello, mix), starts
   gunicorn with 2 workers (deploy/gunicorn.conf.py; the environment's BENCH_GUNICORN_WORKERS
   sets another number) on a free loopback port with production settings (DEBUG off, so
   CONN_MAX_AGE is the production default), runs locust headless for `--duration` seconds
   with `--users` people and no pause between requests, and stops gunicorn;
4. prints requests/s, p50, p95 and errors of each run, the mean of each kind, and the ratio
   mix ÷ hello-world (the issue's target: ≥ 0.15, p95 under 100 ms, 0 errors); then drops
   the database unless `--keep`.

With `--floor`, each round also runs the floor (bench/locustfile.py `Floor`: the mix's
cheapest request, the sessions API, alone) and the signed-in baseline (`SignedInFloor`:
bench/signed_in_wsgi.py's "ok" behind the session, the second factor, the role and the audit
row, no page at all), so the report shows how far any mix of signed-in requests for patient
data could go on this machine.

The hello-world is bench/hello_wsgi.py: the same settings and middleware, one view that
answers "ok", served by its own gunicorn; the product's URLs never hold it.

Production settings differ in three ways that only the loopback setup needs: plain HTTP
(no SSL redirect, no HSTS, cookies without the Secure flag, since there is no TLS proxy),
a throwaway SECRET_KEY and a fixed field-encryption key. The Celery broker is
CELERY_BROKER_URL if set (bookings enqueue their reminders), else the filesystem broker in
a temporary VAR_DIR; no worker runs, so the queued messages are dropped with it.
"""

import argparse
import csv
import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
MIX = ["ClinicAdmin", "Therapist", "Patient"]
HELLO = ["Hello"]
FLOOR = ["Floor"]
SIGNED_IN = ["SignedInFloor"]
RUNS = {"hello": HELLO, "mix": MIX, "floor": FLOOR, "signed": SIGNED_IN}
# Bench only, never a real deployment's: a fixed key the prepared notes are encrypted with.
BENCH_FIELD_KEY = "q0Pn3Yw2bN0mJ9kSx7b3fT4cV8eR1uA6zL5hG2dK9pI="


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--duration", type=int, default=20, help="seconds per run (20)")
    parser.add_argument("--users", type=int, default=8, help="simulated people (8)")
    parser.add_argument("--database", default="kap_bench_load", help="database to create")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also run the floor (the cheapest signed-in request alone) after each mix",
    )
    return parser.parse_args(argv)


def server_env(database_url: str, var_dir: str) -> dict[str, str]:
    """The environment of gunicorn and of this process's own Django (the preparation)."""
    env = {
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": "bench-load-only-" + os.urandom(16).hex(),
        "FIELD_ENCRYPTION_KEYS": BENCH_FIELD_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_WORKERS": os.environ.get("BENCH_GUNICORN_WORKERS", "2"),
        # The filesystem broker's folders, media and static: the temporary folder's.
        "VAR_DIR": var_dir,
    }
    return env


def database_url(name: str) -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(base)
    if not parts.scheme.startswith("postgres"):
        sys.exit("The load test needs PostgreSQL: set DATABASE_URL=postgres://…")
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(url: str, *, drop_only: bool = False) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**os.environ, **env}, check=True
    )


def prepare(*, users: int) -> dict:
    """Per simulated person its own accounts, patient, clinician and draft note (see the
    module docstring); returns what the locustfile reads. Runs after django.setup()."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.demo import DEMO_TOTP_KEY, demo_totp_secret
    from integration_notes.models import NoteTemplate
    from integration_notes.services.drafting import note_start
    from messaging.choices import MessageKind
    from practice.demo import DEMO_PASSWORD
    from practice.models import CareTeam, Clinic, Patient, Session, StaffMember
    from scheduling.models import WorkingHours

    User = get_user_model()
    clinic = Clinic.objects.order_by("pk").first()
    template = next(
        t
        for t in NoteTemplate.objects.filter(clinic=clinic).order_by("pk")
        if t.is_current and (not t.session_kinds or "integration" in t.session_kinds)
    )
    field_key = next(f["key"] for f in template.fields if f.get("type", "text") == "text")
    today = clinic.today()
    config = {
        "password": DEMO_PASSWORD,
        "totp_secret": demo_totp_secret(),
        "week": str(today - dt.timedelta(days=today.weekday())),
        "first_bookable_day": str(today + dt.timedelta(days=30)),
        "message_kinds": list(MessageKind.values),
        "admins": [],
        "therapists": [],
        "patients": [],
    }

    def staff(username: str, role: str) -> StaffMember:
        user = User.objects.create_user(
            username, password=DEMO_PASSWORD, first_name="Bench", last_name=username
        )
        TOTPDevice.objects.create(
            user=user, name="Bench authenticator", key=DEMO_TOTP_KEY, confirmed=True
        )
        return StaffMember.objects.create(user=user, clinic=clinic, role=role, credentials="LCSW")

    for n in range(users):
        admin = staff(f"bench-admin-{n}", "admin")
        therapist = staff(f"bench-therapist-{n}", "therapist")
        WorkingHours.objects.bulk_create(
            WorkingHours(
                clinic_id=clinic.pk,
                clinician=therapist,
                weekday=d,
                start_time=dt.time(0),
                end_time=dt.time(23, 59),
            )
            for d in range(7)
        )
        patient = Patient.objects.create(
            clinic=clinic,
            user=User.objects.create_user(f"bench-patient-{n}", password=DEMO_PASSWORD),
            legal_first_name="Bench",
            legal_last_name=f"Patient {n}",
            date_of_birth=dt.date(1985, 1, 1),
            email=f"bench-patient-{n}@example.com",
        )
        CareTeam.objects.create(patient=patient, staff=therapist)
        past = timezone.now().replace(microsecond=0) - dt.timedelta(days=2)
        session = Session.objects.create(
            clinic=clinic,
            patient=patient,
            clinician=therapist,
            kind="integration",
            starts_at=past,
            ends_at=past + dt.timedelta(hours=1),
            status="completed",
            completed_at=past + dt.timedelta(hours=1),
        )
        note = note_start(session=session, author=therapist, template=template)
        config["admins"].append(
            {"username": admin.user.username, "patient": patient.pk, "clinician": therapist.pk}
        )
        config["therapists"].append(
            {
                "username": therapist.user.username,
                "patient": patient.pk,
                "note": note.pk,
                "note_field": field_key,
            }
        )
        config["patients"].append({"username": patient.user.username})
    return config


def reset_second_factors() -> None:
    """An authenticator code is accepted once per device: the next run signs in afresh."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user__username__startswith="bench-").update(last_t=-1)


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(host: str, username: str, *, password: str, totp_secret: str) -> list[dict]:
    """The cookies of a signed-in browser: the login form, then (staff) the code their
    authenticator shows."""
    import pyotp
    import requests

    def token(page) -> str:
        match = CSRF_FIELD.search(page.text)
        if not match:
            raise RuntimeError(f"{username}: no form at {page.url} ({page.status_code})")
        return match.group(1)

    browser = requests.Session()
    page = browser.get(f"{host}/login/", timeout=60)
    page = browser.post(
        f"{host}/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token(page)},
        timeout=60,
    )
    if "/account/2fa/verify/" in page.url:
        page = browser.post(
            page.url,
            data={"code": pyotp.TOTP(totp_secret).now(), "csrfmiddlewaretoken": token(page)},
            timeout=60,
        )
    if "/login/" in page.url or "/account/2fa/" in page.url:
        raise RuntimeError(f"{username} could not sign in ({page.status_code} at {page.url})")
    return [
        {"name": c.name, "value": c.value, "domain": c.domain, "path": c.path}
        for c in browser.cookies
    ]


def sign_everyone_in(host: str, config: dict) -> None:
    """Give every simulated person of `config` the cookies of a fresh signed-in session."""
    reset_second_factors()
    for role in ("admins", "therapists", "patients"):
        for person in config[role]:
            person["cookies"] = sign_in(
                host,
                person["username"],
                password=config["password"],
                totp_secret=config["totp_secret"],
            )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(app: str, env: dict[str, str], log: Path):
    port = free_port()
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "deploy/gunicorn.conf.py",
                app,
            ],
            cwd=ROOT,
            env={**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {log}") from None
                time.sleep(0.2)
        host = f"http://127.0.0.1:{port}"
        warm_up(host)
        yield host
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def warm_up(host: str, path: str = "/") -> None:
    """A worker's first request imports and builds what every later one reuses (~3 s on a
    busy machine): a few concurrent requests first, so no measured run pays for it."""
    from concurrent.futures import ThreadPoolExecutor
    from urllib.request import urlopen

    def get(_):
        with urlopen(host + path, timeout=60) as response:
            response.read()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(get, range(12)))


def locust(classes, *, host: str, users: int, duration: int, config: Path, out: Path) -> dict:
    prefix = out / f"run-{time.monotonic_ns()}"
    log = open(f"{prefix}.log", "wb")  # noqa: SIM115 (closed below; locust's summary goes here)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--only-summary",
            "--loglevel",
            "WARNING",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{duration}s",
            "--stop-timeout",
            "5",
            "--host",
            host,
            "--csv",
            str(prefix),
            *classes,
        ],
        cwd=ROOT,
        env={**os.environ, "BENCH_LOAD_CONFIG": str(config)},
        stdout=subprocess.DEVNULL,
        stderr=log,
        check=False,  # locust exits 1 when a request failed: the figures say so
    )
    log.close()
    if not Path(f"{prefix}_stats.csv").exists():
        sys.exit(f"locust wrote no figures:\n{Path(f'{prefix}.log').read_text()[-3000:]}")
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    failures = []
    failures_csv = Path(f"{prefix}_failures.csv")
    if failures_csv.exists():
        with open(failures_csv, encoding="utf-8") as fh:
            failures = [
                f"{r['Method']} {r['Name']}: {r['Error']} ×{r['Occurrences']}"
                for r in csv.DictReader(fh)
            ]
    return {
        "requests": int(total["Request Count"]),
        "errors": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p50": _number(total["50%"]),
        "p95": _number(total["95%"]),
        "failures": failures,
        "per_name": {
            f"{r['Type']} {r['Name']}": (int(r["Request Count"]), _number(r["95%"]))
            for r in rows
            if r["Name"] != "Aggregated"
        },
    }


def server_errors(log: Path, *, lines: int = 80) -> str:
    """The server's side of a failed request: the last tracebacks gunicorn's log holds (the
    log goes with the temporary folder at the end of the run)."""
    text = log.read_text(errors="replace").splitlines()
    starts = [n for n, line in enumerate(text) if "Traceback" in line]
    if not starts:
        return "  (no traceback in the server's log)"
    return "\n".join("  | " + line for line in text[starts[-1] : starts[-1] + lines])


def _number(text: str) -> float:
    return float("nan") if text == "N/A" else float(text)


def report(runs: list[tuple[str, dict]]) -> None:
    print(f"{'run':<8} {'requests':>9} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'errors':>7}")
    for kind, r in runs:
        print(
            f"{kind:<8} {r['requests']:>9} {r['rps']:>8.1f} {r['p50']:>7.0f} {r['p95']:>7.0f} "
            f"{r['errors']:>7}"
        )
        for failure in r["failures"]:
            print(f"         {failure}")
    mean = {
        kind: sum(r["rps"] for k, r in runs if k == kind) / sum(1 for k, _ in runs if k == kind)
        for kind in dict.fromkeys(k for k, _ in runs)
    }
    mix_p95 = max(r["p95"] for k, r in runs if k == "mix")
    errors = sum(r["errors"] for k, r in runs if k == "mix")
    ratio = mean["mix"] / mean["hello"] if mean["hello"] else 0.0
    print(
        f"\nmean req/s: hello-world {mean['hello']:.1f}, clinic mix {mean['mix']:.1f}; "
        f"ratio {ratio:.2f} (target ≥ 0.15); mix p95 {mix_p95:.0f} ms (target < 100); "
        f"mix errors {errors} (target 0)"
    )
    if "floor" in mean and mean["hello"]:
        print(
            f"floor (the sessions API alone, signed in): {mean['floor']:.1f} req/s, "
            f"ratio {mean['floor'] / mean['hello']:.2f} to the hello-world"
        )
    if "signed" in mean and mean["hello"]:
        print(
            f"signed-in baseline (session, user, second factor, role, audit row; no page): "
            f"{mean['signed']:.1f} req/s, ratio {mean['signed'] / mean['hello']:.2f} to the "
            "hello-world"
        )
    last_mix = next(r for k, r in reversed(runs) if k == "mix")
    print("\nlast clinic-mix run by request (count, p95 ms):")
    for name, (count, p95) in sorted(last_mix["per_name"].items()):
        print(f"  {name:<36} {count:>7} {p95:>7.0f}")


def main(argv: list[str]) -> None:
    args = parse(argv)
    url = database_url(args.database)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        work = Path(tmp)
        env = server_env(url, str(work / "var"))
        os.environ.update(env)
        (work / "var" / "static").mkdir(parents=True)
        print(f"Preparing {args.database} (migrate, demo clinic, {args.users} people)…")
        recreate_database(url)
        try:
            manage("migrate", "--noinput", "-v0", env=env)
            manage("seed_demo", env=env)
            import django

            django.setup()
            from django.db import connection

            config = work / "people.json"
            people = prepare(users=args.users)
            config.write_text(json.dumps(people))
            runs = []
            kinds = ("hello", "mix", "floor", "signed") if args.floor else ("hello", "mix")
            apps = {"hello": "bench.hello_wsgi", "signed": "bench.signed_in_wsgi"}
            for kind in kinds * 2:
                app = apps.get(kind, "backend.wsgi") + ":application"
                with gunicorn(app, env, work / "gunicorn.log") as host:
                    if kind != "hello":
                        # Signed in before the clock starts: a sign-in is not in the mix.
                        sign_everyone_in(host, people)
                        config.write_text(json.dumps(people))
                    connection.close()
                    print(f"  {kind}: {args.users} users, {args.duration} s on {host}")
                    runs.append(
                        (
                            kind,
                            locust(
                                RUNS[kind],
                                host=host,
                                users=args.users,
                                duration=args.duration,
                                config=config,
                                out=work,
                            ),
                        )
                    )
                    if runs[-1][1]["errors"]:
                        print(server_errors(work / "gunicorn.log"))
            print()
            report(runs)
        finally:
            if not args.keep:
                from django.db import connections

                connections.close_all()
                recreate_database(url, drop_only=True)
