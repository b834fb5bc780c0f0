"""Browser tests: Playwright drives Debian's chromium against Django's live server.

Never a downloaded browser: `playwright install` is not used. Without chromium the tests
are skipped locally, but fail in CI (CI=true), where .ci/run installs it.
"""

import os
import shutil

import pytest

CHROMIUM = next(
    (p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if shutil.which(p)), None
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API runs an event loop; Django's ORM refuses to run inside one unless told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (apt-get install -y chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page):
    """login(username) signs in through the real login form (password: the factories'),
    then, for staff, types the code their authenticator device shows (made with pyotp)."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from accounts.selectors import otp_enrolled, otp_mandatory
    from tests.factories import PASSWORD
    from tests.otp import totp_code, totp_device

    def sign_in(username: str, password: str = PASSWORD):
        user = get_user_model().objects.filter(username=username).first()
        device = None
        if user is not None and (otp_mandatory(user) or otp_enrolled(user)):
            device = totp_device(user)
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        # A code is accepted once: a second sign-in within the same 30 s uses the next one
        # (django-otp accepts one step of drift).
        for step in (0, 1):
            if device is None or "/account/2fa/verify/" not in page.url:
                break
            at = timezone.now() + dt.timedelta(seconds=30 * step)
            page.fill("#id_code", totp_code(device, at=at))
            page.click("form.stacked button[type=submit]")
            page.wait_for_load_state("networkidle")
        return page

    return sign_in
