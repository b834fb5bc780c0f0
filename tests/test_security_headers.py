"""Every page is served under a strict Content-Security-Policy and a Permissions-Policy, and
no response that may carry PHI is kept by a browser or a proxy cache.

The pages are those each persona reaches from the navigation and the records the browser
tests open (tests/e2e): a page that slips an inline style or script back in, or a PDF or
JSON response without `no-store`, fails here.
"""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from backend.middleware import NoStoreMiddleware, permissions_policy_header
from scheduling.services.feeds import calendar_feed_issue
from tests.factories import RoomFactory, SessionFactory, TreatmentPlanFactory, signed_note
from tests.otp import sign_in

NOW = datetime.datetime(2026, 11, 3, 17, 0, tzinfo=datetime.UTC)
DAY = datetime.date(2026, 11, 4)


@pytest.fixture
def record(people):
    with time_machine.travel(NOW, tick=False):
        room = RoomFactory(clinic=people.clinic, name="Dosing A", dosing_capable=True)
        session = SessionFactory(
            patient=people.patient,
            clinician=people.therapist,
            room=room,
            starts_at=datetime.datetime(2026, 11, 4, 17, 0, tzinfo=datetime.UTC),
            ends_at=datetime.datetime(2026, 11, 4, 18, 0, tzinfo=datetime.UTC),
        )
        past = SessionFactory(
            patient=people.patient,
            clinician=people.therapist,
            starts_at=datetime.datetime(2026, 11, 2, 17, 0, tzinfo=datetime.UTC),
            ends_at=datetime.datetime(2026, 11, 2, 18, 0, tzinfo=datetime.UTC),
        )
        note = signed_note(past)
        plan = TreatmentPlanFactory(patient=people.patient)
        yield people, session, note, plan


def pages_by_persona(people, session, note, plan):
    patient = people.patient.pk
    staff_common = [
        "/patients/",
        f"/patients/{patient}/",
        f"/sessions/{session.pk}/",
        f"/plans/{plan.pk}/",
        "/alerts/",
        "/worklist/kap-cycle/",
        "/notes/",
        f"/notes/{note.pk}/",
        f"/calendar/?date={DAY.isoformat()}&view=day&by=room",
        f"/calendar/?date={DAY.isoformat()}&view=day&by=clinician",
        f"/calendar/?date={DAY.isoformat()}&view=week",
        "/calendar/slots/",
        "/retreats/",
    ]
    return {
        people.admin: [
            *staff_common,
            "/clinic/",
            "/calendar/book/",
            "/billing/",
            f"/billing/patients/{patient}/",
            "/controlled/",
            "/reminders/",
            f"/patients/{patient}/edit/",
        ],
        people.therapist: [*staff_common, "/today/"],
        people.medical: ["/today/", "/controlled/", f"/patients/{patient}/"],
        people.patient: ["/portal/", "/portal/superbills/", "/portal/preferences/"],
        None: ["/login/"],
    }


def csp_of(response) -> dict[str, list[str]]:
    directives = response.headers["Content-Security-Policy"].split(";")
    return {name: values for name, *values in (d.split() for d in directives if d.strip())}


@pytest.mark.django_db
def test_every_page_the_personas_visit_is_served_under_the_strict_csp(record, client):
    people, *objects = record
    seen = 0
    with time_machine.travel(NOW, tick=False):
        for person, paths in pages_by_persona(people, *objects).items():
            client.logout()
            if person is not None:
                sign_in(client, person.user)
            for path in paths:
                response = client.get(path)
                assert response.status_code == 200, (person, path, response.status_code)
                header = response.headers.get("Content-Security-Policy", "")
                assert header, path
                assert "unsafe-inline" not in header and "unsafe-eval" not in header, path
                html = response.content.decode()
                # No inline style or script can run: none is written either, except a
                # <style>/<script> carrying this response's nonce.
                assert not re.search(r"\sstyle=", html), path
                assert not re.search(r"\son[a-z]+=", html), path
                nonce = re.search(r"'nonce-([^']+)'", header)
                for tag in re.findall(r"<(?:style|script)\b[^>]*>", html):
                    assert "src=" in tag or (nonce and f'nonce="{nonce.group(1)}"' in tag), (
                        path,
                        tag,
                    )
                seen += 1
    assert seen == sum(len(paths) for paths in pages_by_persona(people, *objects).values())


@pytest.mark.django_db
def test_the_csp_allows_only_this_site_and_is_never_framed(client):
    directives = csp_of(client.get("/login/"))
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"][0] == "'self'" and len(directives["script-src"]) <= 2
    assert directives["style-src"][0] == "'self'" and len(directives["style-src"]) <= 2
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]


@pytest.mark.django_db
def test_the_day_calendar_places_sessions_with_a_nonced_style_block(record, web_as):
    people, *_ = record
    with time_machine.travel(NOW, tick=False):
        response = web_as(people.admin).get(f"/calendar/?date={DAY.isoformat()}&view=day&by=room")
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    block = re.search(rf'<style nonce="{re.escape(nonce)}">(.*?)</style>', html, re.S).group(1)
    assert re.search(r"#cal-e-1-1 \{ top: \d+(\.\d+)?px; height: 60px; \}", block)
    assert 'id="cal-e-1-1"' in html


@pytest.mark.django_db
def test_every_response_says_which_browser_features_no_page_may_use(client):
    header = client.get("/login/").headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in header.split(", ")


def test_the_permissions_policy_header_quotes_origins_but_not_self():
    header = permissions_policy_header({"camera": ["self", "https://video.example"], "usb": []})
    assert header == 'camera=(self "https://video.example"), usb=()'


NO_STORE = {"no-store", "no-cache", "must-revalidate", "private", "max-age=0"}


def assert_no_store(response):
    assert response.status_code == 200, response.status_code
    directives = {part.strip() for part in response.headers.get("Cache-Control", "").split(",")}
    assert directives >= NO_STORE, response.headers.get("Cache-Control")
    assert response.headers["Pragma"] == "no-cache"


@pytest.mark.django_db
def test_patient_json_pages_and_note_pdfs_are_never_cached(record, web_as, api_as):
    people, session, note, _ = record
    with time_machine.travel(NOW, tick=False):
        assert_no_store(api_as(people.therapist).get(f"/api/v1/patients/{people.patient.pk}/"))
        assert_no_store(api_as(people.therapist).get("/api/v1/patients/"))
        assert_no_store(api_as(people.therapist).get(f"/api/v1/notes/{note.pk}/pdf/"))
        web = web_as(people.therapist)
        assert_no_store(web.get(f"/patients/{people.patient.pk}/"))
        assert_no_store(web.get(f"/notes/{note.pk}/pdf/"))
        assert_no_store(web.get(f"/sessions/{session.pk}/"))


@pytest.mark.django_db
def test_a_calendar_feed_fetched_without_a_login_is_never_cached(record, client):
    people, *_ = record
    with time_machine.travel(NOW, tick=False):
        feed = calendar_feed_issue(patient=people.patient)
        response = client.get(f"/calendar/feed/{feed.token}.ics")
    assert response["Content-Type"].startswith("text/calendar")
    assert_no_store(response)


@pytest.mark.django_db
def test_static_files_keep_their_caching_and_anonymous_api_answers_do_not(people):
    # Static files (WhiteNoise serves them before the middleware in production) keep their
    # long lifetimes even for a signed-in user.
    request = RequestFactory().get("/static/css/app.css")
    request.user = people.admin.user
    response = NoStoreMiddleware(lambda request: HttpResponse("body {}", content_type="text/css"))(
        request
    )
    assert "Cache-Control" not in response.headers
    request = RequestFactory().get("/api/v1/patients/")
    request.user = AnonymousUser()
    response = NoStoreMiddleware(lambda request: HttpResponse(status=401))(request)
    assert "no-store" in response.headers["Cache-Control"]
