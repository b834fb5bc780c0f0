"""The journeys on a phone (390×844 CSS pixels) and by keyboard alone.

On a phone no page is wider than the screen (the page never scrolls sideways; a wide table
scrolls inside itself), the staff menu folds behind "Menu", and the patient's Download PDF is
on screen. By keyboard, Tab and Enter sign in and reach the superbill download and a
patient's session. The conftest's axe-core check runs on every page these tests load.
"""

import datetime
from decimal import Decimal

import pytest

from billing.services.catalogue import service_codes_seed
from billing.services.charges import charge_approve, charges_suggest_for_session
from billing.services.payments import payment_record
from billing.services.superbills import superbill_issue
from tests.factories import RoomFactory, SessionFactory, completed_session

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_WIDTH = 390


@pytest.fixture
def journey(people):
    """Last month's paid integration session with its superbill, and a session tomorrow."""
    service_codes_seed(clinic=people.clinic)
    zone = people.clinic.zone
    today = people.clinic.today()
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - datetime.timedelta(days=1)
    last_month_start = last_month_end.replace(day=1)
    past = completed_session(
        patient=people.patient,
        clinician=people.therapist,
        starts_at=datetime.datetime.combine(
            last_month_start + datetime.timedelta(days=4), datetime.time(10), tzinfo=zone
        ),
        minutes=55,
    )
    for charge in charges_suggest_for_session(session=past):
        charge_approve(charge=charge, approved_by=people.admin)
    payment_record(
        patient=people.patient,
        method="card",
        amount=Decimal("210.00"),
        received_on=past.starts_at.astimezone(zone).date(),
    )
    superbill = superbill_issue(
        patient=people.patient, period_start=last_month_start, period_end=last_month_end
    )
    tomorrow = datetime.datetime.combine(
        today + datetime.timedelta(days=1), datetime.time(13), tzinfo=zone
    )
    upcoming = SessionFactory(
        patient=people.patient,
        clinician=people.therapist,
        room=RoomFactory(clinic=people.clinic, name="Willow room"),
        starts_at=tomorrow,
        ends_at=tomorrow + datetime.timedelta(minutes=50),
    )
    return {"superbill": superbill, "past": past, "upcoming": upcoming}


def overflow(page) -> int:
    """How many CSS pixels the page is wider than the screen (0: it fits).

    A phone browser widens its layout viewport to fit a page that overflows (innerWidth
    grows with scrollWidth), so the screen's own width is the bound too.
    """
    width, inner = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    return max(0, width - min(inner, page.viewport_size["width"]))


def too_wide(page) -> list[str]:
    """The first elements that reach past the screen's right edge (for a failure message)."""
    return page.evaluate(
        """(width) => [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > width + 1)
            .slice(0, 5)
            .map(el => `${el.tagName}.${el.className} ${el.getBoundingClientRect().right | 0}`)""",
        page.viewport_size["width"],
    )


def assert_on_screen(page, locator):
    assert locator.is_visible()
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)


def test_the_patient_journey_fits_a_phone(people, journey, phone, phone_login, screenshot):
    page = phone
    phone_login("erin")
    assert page.url.endswith("/portal/")
    assert overflow(page) == 0, "portal"
    # A patient's menu is four links: it stays open, no "Menu" to tap.
    assert page.get_by_role("link", name="Superbills", exact=True).is_visible()
    screenshot(page, "patient-portal-phone")

    page.get_by_role("link", name="Superbills", exact=True).click()
    page.wait_for_load_state()
    assert page.url.endswith("/portal/superbills/")
    assert overflow(page) == 0, "superbills"
    number = journey["superbill"].number
    download = page.get_by_test_id(f"download-{number}")
    assert_on_screen(page, download)
    screenshot(page, "patient-superbills-phone")
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename == f"{number}.pdf"


def test_staff_pages_fit_a_phone_behind_a_folded_menu(
    people, journey, phone, phone_login, screenshot
):
    page = phone
    phone_login("bob")
    assert page.url.endswith("/today/")
    menu = page.locator("header details.menu")
    patients = page.get_by_role("link", name="Patients", exact=True)
    # Folded: the header is one line and the links are hidden until "Menu" opens it.
    assert not patients.is_visible()
    assert page.locator("header.top").bounding_box()["height"] < 80
    page.locator("header summary").click()
    assert menu.get_attribute("open") is not None
    assert patients.is_visible()
    assert overflow(page) == 0, "open menu"
    screenshot(page, "staff-menu-phone")
    patients.click()
    page.wait_for_load_state()
    assert page.url.endswith("/patients/")

    day = journey["upcoming"].starts_at.astimezone(people.clinic.zone).date()
    for path in (
        "/today/",
        "/patients/",
        f"/patients/{people.patient.pk}/",
        f"/sessions/{journey['past'].pk}/",
        f"/sessions/{journey['upcoming'].pk}/",
        f"/calendar/?date={day:%Y-%m-%d}&view=week&by=clinician",
        f"/calendar/?date={day:%Y-%m-%d}&view=day&by=clinician",
    ):
        response = page.goto(path)
        assert response.ok, path
        assert overflow(page) == 0, (path, too_wide(page))
        assert not patients.is_visible(), f"the menu is folded on {path}"
    screenshot(page, "calendar-day-phone")


def test_a_fifty_minute_block_shows_the_patients_name_whole_or_with_an_ellipsis(
    people, journey, page, login
):
    login("bob")
    day = journey["upcoming"].starts_at.astimezone(people.clinic.zone).date()
    page.goto(f"/calendar/?date={day:%Y-%m-%d}&view=day&by=clinician")
    block = page.locator(".cal-event").first
    assert "Erin" in block.get_attribute("title")
    name = block.locator("span.small").first
    assert "Erin" in name.inner_text()
    # The name's line lies inside the block, not cut by its bottom edge.
    outer, inner = block.bounding_box(), name.bounding_box()
    assert inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5


def test_on_a_wide_screen_the_menu_is_open_without_a_toggle(people, page, login):
    login("bob")
    assert page.get_by_role("link", name="Patients", exact=True).is_visible()
    assert not page.locator("header summary").is_visible()


def tab_to(page, selector: str, limit: int = 80):
    """Press Tab until the focused element matches `selector`; fail after `limit` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def press_and_follow(page, key="Enter"):
    """Press a key that submits a form or follows a link, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def sign_in_by_keyboard(page, username, *, code=None):
    from tests.factories import PASSWORD

    page.goto("/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    press_and_follow(page)
    if code is not None:
        assert "/account/2fa/verify/" in page.url
        tab_to(page, "#id_code")
        page.keyboard.type(code)
        press_and_follow(page)


def test_the_patient_reaches_the_superbill_download_by_keyboard(people, journey, page):
    sign_in_by_keyboard(page, "erin")
    assert page.url.endswith("/portal/")
    number = journey["superbill"].number
    tab_to(page, f'[data-testid="download-{number}"]')
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    assert info.value.suggested_filename == f"{number}.pdf"


def test_a_therapist_reaches_a_patients_session_by_keyboard_on_a_phone(people, journey, phone):
    from tests.otp import totp_code, totp_device

    page = phone
    sign_in_by_keyboard(page, "bob", code=totp_code(totp_device(people.therapist.user)))
    assert page.url.endswith("/today/")
    # The folded menu opens with the keyboard too.
    tab_to(page, "header summary")
    page.keyboard.press("Enter")
    tab_to(page, 'header nav a[href="/patients/"]')
    press_and_follow(page)
    assert page.url.endswith("/patients/")
    tab_to(page, f'main a[href="/patients/{people.patient.pk}/"]')
    press_and_follow(page)
    assert page.url.endswith(f"/patients/{people.patient.pk}/")
    tab_to(page, f'main a[href="/sessions/{journey["upcoming"].pk}/"]')
    press_and_follow(page)
    assert page.url.endswith(f"/sessions/{journey['upcoming'].pk}/")
    assert overflow(page) == 0


# The admin's pages, each checked by axe-core (the conftest) and for width on a phone: the
# list pages the issue's accessibility run flagged (reminder filters, empty table headers on
# billing, KAP cycle and controlled pages) and the forms behind them.
ADMIN_PAGES = (
    "/patients/",
    "/patients/new/",
    "/clinic/",
    "/alerts/",
    "/worklist/kap-cycle/",
    "/notes/",
    "/calendar/book/",
    "/calendar/slots/",
    "/calendar/exceptions/",
    "/retreats/",
    "/retreats/new/",
    "/billing/",
    "/controlled/",
    "/controlled/counts/",
    "/controlled/inventories/",
    "/controlled/reports/",
    "/reminders/",
    "/audit/",
)


def test_the_admin_pages_fit_a_phone(people, journey, phone, phone_login):
    page = phone
    phone_login("alice")
    for path in (
        *ADMIN_PAGES,
        f"/patients/{people.patient.pk}/",
        f"/patients/{people.patient.pk}/access/",
        f"/calendar/sessions/{journey['upcoming'].pk}/",
    ):
        response = page.goto(path)
        assert response.ok, path
        assert overflow(page) == 0, (path, too_wide(page))
