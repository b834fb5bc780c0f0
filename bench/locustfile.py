"""The clinic mix of the load test (bench/load.py), and its hello-world baseline.

Each simulated person is signed in before the run (bench/load.py signs them in the way a
person does: the login form, then the code of their authenticator for staff; not
measured) and uses that session's cookies, then loops without pause:
about 80 % reads and 20 % writes by request count, every write one that leaves the data
valid for the next turn:

- ClinicAdmin: Today, the calendar's week, a patient's page, the sessions API list (reads);
  book a session through the API and cancel it again (two writes).
- Therapist: Today, the week, their patient's page, the sessions API list (reads); save
  their note draft (autosave; a write).
- Patient: the portal (reads); save their message preferences (a write).
- Hello: `/` of bench/hello_wsgi.py, the baseline (run on its own).
- Floor: the sessions API alone, as an admin (run on its own with `--floor`).
- SignedInFloor: bench/signed_in_wsgi.py's signed-in "ok", as an admin (with `--floor`).

Each simulated person has its own accounts, patient, clinician and note (made by
`bench.load.prepare`, listed with their cookies in the JSON file named by
BENCH_LOAD_CONFIG), so no two of them ever book the same slot or save the same draft.
Nothing here imports Django: locust runs in its own process, with gevent.
"""

import datetime as dt
import itertools
import json
import os
import random

from locust import HttpUser, constant, task


def _config() -> dict:
    path = os.environ.get("BENCH_LOAD_CONFIG")
    if not path:
        return {}
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


CONFIG = _config()


class SignedIn(HttpUser):
    """A person who signed in once; `self.me` is their row of the prepared world."""

    abstract = True
    wait_time = constant(0)
    role = ""
    _numbers = None

    def on_start(self):
        cls = type(self)
        if cls._numbers is None:
            cls._numbers = itertools.count()
        people = CONFIG[self.role]
        self.me = people[next(cls._numbers) % len(people)]
        for cookie in self.me["cookies"]:
            self.client.cookies.set(**cookie)

    def get(self, url, *, name=None):
        """A read; a redirect (to the login page) is an error, not a page."""
        with self.client.get(
            url, name=name or url, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")

    def post(self, url, data=None, *, name=None, expect=(200,), json_body=None):
        headers = {"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "Referer": self.host}
        with self.client.post(
            url,
            data=data,
            json=json_body,
            headers=headers,
            name=name or url,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code not in expect:
                response.failure(f"{response.status_code}: {response.text[:200]}")
            return response

    def week(self):
        return CONFIG["week"]


class ClinicAdmin(SignedIn):
    weight = 2
    role = "admins"

    @task(2)
    def today(self):
        self.get("/today/")

    @task(2)
    def calendar_week(self):
        self.get(f"/calendar/?view=week&date={self.week()}", name="/calendar/?view=week")

    @task(2)
    def patient_page(self):
        self.get(f"/patients/{self.me['patient']}/", name="/patients/[id]/")

    @task(2)
    def sessions_api(self):
        self.get("/api/v1/sessions/", name="/api/v1/sessions/")

    @task(1)
    def book_and_cancel(self):
        # A slot of this person's own clinician and patient, far enough ahead that
        # cancelling is never late; another turn may pick the same slot once this is freed.
        day = dt.date.fromisoformat(CONFIG["first_bookable_day"]) + dt.timedelta(
            days=random.randrange(300)
        )
        starts = dt.datetime.combine(day, dt.time(random.randrange(9, 17)), dt.UTC)
        booked = self.post(
            "/api/v1/sessions/",
            json_body={
                "patient": self.me["patient"],
                "clinician": self.me["clinician"],
                "kind": "integration",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + dt.timedelta(hours=1)).isoformat(),
            },
            expect=(201,),
        )
        if booked.status_code == 201:
            self.post(
                f"/api/v1/sessions/{booked.json()['id']}/cancel/",
                json_body={"reason": "load test"},
                name="/api/v1/sessions/[id]/cancel/",
            )


class Therapist(SignedIn):
    weight = 1
    role = "therapists"

    @task(2)
    def today(self):
        self.get("/today/")

    @task(2)
    def calendar_week(self):
        self.get(f"/calendar/?view=week&date={self.week()}", name="/calendar/?view=week")

    @task(2)
    def patient_page(self):
        self.get(f"/patients/{self.me['patient']}/", name="/patients/[id]/")

    @task(2)
    def sessions_api(self):
        self.get("/api/v1/sessions/", name="/api/v1/sessions/")

    @task(2)
    def save_note_draft(self):
        self.post(
            f"/notes/{self.me['note']}/autosave/",
            {f"f_{self.me['note_field']}": f"Integration went well ({random.random():.6f})."},
            name="/notes/[id]/autosave/",
        )


class Patient(SignedIn):
    weight = 1
    role = "patients"

    @task(4)
    def portal(self):
        self.get("/portal/")

    @task(1)
    def save_preferences(self):
        data = {f"channel_{kind}": "email" for kind in CONFIG["message_kinds"]}
        data["share_session_type"] = random.choice(["on", ""])
        self.post(
            "/portal/preferences/",
            {**data, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
            expect=(302,),
        )


class Floor(SignedIn):
    """The floor (`python -m bench load --floor`, not in the mix): a signed-in admin asking
    only for the mix's cheapest request, the sessions API's first page. What every request
    for patient data pays (session, user, second factor, role, one audit row) plus one
    narrow list: no mix of real requests can be cheaper than this."""

    role = "admins"

    @task
    def sessions_api(self):
        self.get("/api/v1/sessions/", name="/api/v1/sessions/")


class SignedInFloor(SignedIn):
    """The signed-in baseline (`--floor`, not in the mix): a signed-in admin asking for
    bench/signed_in_wsgi.py's `/bench/signed-in/`, which pays what every request for patient
    data pays (session, user, second factor, role, one audit row) and nothing else."""

    role = "admins"

    @task
    def signed_in(self):
        self.get("/bench/signed-in/", name="/bench/signed-in/")


class Hello(HttpUser):
    """The baseline: Django's hello-world on the same server (bench/hello_wsgi.py)."""

    wait_time = constant(0)

    @task
    def hello(self):
        self.client.get("/")
