"""In the browser: the main pages run under the strict CSP without a single violation.

The browser reports every blocked style, script, image or frame as a
`securitypolicyviolation` event and a console error; a page that relies on an inline
style or a CDN would show one here. The day calendar's session blocks are placed by a
nonced <style>: their height proves the browser applied it.
"""

import datetime
import zoneinfo

import pytest

from tests.factories import RoomFactory, SessionFactory, TreatmentPlanFactory, signed_note

pytestmark = pytest.mark.django_db(transaction=True)

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation and console error it reports collected."""
    errors = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )

    def violations():
        return page.evaluate("window.__csp") + [e for e in errors if "Content Security" in e]

    page.violations = violations
    return page


def visit(page, path):
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert page.violations() == [], path


def test_the_main_pages_report_no_csp_violation(people, watched, login):
    zone = zoneinfo.ZoneInfo(people.clinic.timezone)
    start = (datetime.datetime.now(zone) + datetime.timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    room = RoomFactory(clinic=people.clinic, name="Dosing A", dosing_capable=True)
    session = SessionFactory(
        patient=people.patient,
        clinician=people.therapist,
        room=room,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=90),
    )
    past = SessionFactory(
        patient=people.patient,
        clinician=people.therapist,
        starts_at=start - datetime.timedelta(days=7),
        ends_at=start - datetime.timedelta(days=7, minutes=-60),
    )
    note = signed_note(past)
    plan = TreatmentPlanFactory(patient=people.patient)

    login("alice")
    for path in (
        "/clinic/",
        "/patients/",
        f"/patients/{people.patient.pk}/",
        f"/plans/{plan.pk}/",
        f"/billing/patients/{people.patient.pk}/",
        "/billing/",
        "/controlled/",
        "/api/docs/",
    ):
        visit(watched, path)
    # Swagger UI ran from our static files and rendered the API under the same policy.
    watched.goto("/api/docs/")
    watched.wait_for_selector(".swagger-ui .information-container", timeout=15_000)
    assert watched.violations() == []

    visit(watched, f"/calendar/?date={start.date().isoformat()}&view=day&by=room")
    block = watched.locator(".cal-event").first.bounding_box()
    # 90 minutes at one pixel per minute: the nonced <style> placed it.
    assert block is not None and 85 <= block["height"] <= 95
    visit(watched, f"/calendar/?date={start.date().isoformat()}&view=week")

    watched.context.clear_cookies()
    login("bob")
    for path in ("/today/", f"/sessions/{session.pk}/", f"/notes/{note.pk}/", "/notes/"):
        visit(watched, path)

    watched.context.clear_cookies()
    login("erin")
    for path in ("/portal/", "/portal/superbills/"):
        visit(watched, path)


def test_the_watch_sees_an_inline_style_the_policy_blocks(people, watched):
    # The control: without it, a listener that never fires would pass the test above.
    watched.goto("/login/")
    watched.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')"
    )
    watched.wait_for_function("window.__csp.length > 0")
    assert any(v.startswith("style-src") for v in watched.violations())
