"""Browser tests: Playwright drives Debian's chromium against Django's live server.

Never a downloaded browser: `playwright install` is not used. Without chromium the tests
are skipped locally, but fail in CI (CI=true), where .ci/run installs it.

Every page a browser test visits is checked with axe-core (from the npm registry, installed
by `make test` into var/node): a serious or critical violation fails the test that visited
the page. Without axe-core the pages are not checked locally (test_accessibility_checker_is_
installed is skipped with the reason), and CI fails.
"""

import collections
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.billing.stripe_support import stripe_api  # noqa: F401  (the recorded Stripe API)

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
ROOT = Path(__file__).resolve().parent.parent.parent
AXE_SCRIPT = ROOT / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
AXE_MISSING = "axe-core is not installed (make test installs it into var/node with npm)"
# Findings at these impacts fail the test; minor and moderate ones are counted and listed.
AXE_FAILING = ("critical", "serious")
SCREENSHOTS = ROOT / "docs" / "screenshots"

# Playwright's sync API runs an event loop; Django's ORM refuses to run inside one unless told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# What axe saw in this process, for the summary at the end of the run.
AXE_TALLY = {"pages": 0, "impacts": collections.Counter(), "rules": collections.Counter()}

# Runs axe over the page as it is now; returns each violation with its impact and where.
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
  }));
}"""


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter):
    if not AXE_TALLY["pages"]:
        return
    impacts = ", ".join(
        f"{impact} {AXE_TALLY['impacts'][impact]}"
        for impact in ("critical", "serious", "moderate", "minor")
    )
    terminalreporter.write_line(
        f"axe-core: {AXE_TALLY['pages']} page states checked; violations by impact: {impacts}"
    )
    for rule, count in AXE_TALLY["rules"].most_common():
        terminalreporter.write_line(f"  {rule}: {count}")


def axe_installed() -> bool:
    if AXE_SCRIPT.exists():
        return True
    if os.environ.get("CI"):
        pytest.fail(AXE_MISSING)
    return False


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


class AxeWatch:
    """Checks each page the browser loads with axe-core and keeps what it found.

    The check runs on the page's `load` event, before the test's next step reaches the
    page; `check()` runs it again on demand (a page state changed without a load).
    """

    def __init__(self, page):
        self.page = page
        self.findings: list[str] = []

    def check(self, page=None, *, tally=AXE_TALLY):
        page = page or self.page
        from playwright.sync_api import Error

        try:
            violations = page.evaluate(AXE_RUN)
        except Error:
            # The test navigated on while axe ran: the next page's load is checked instead.
            return
        tally["pages"] += 1
        path = re.sub(r"^https?://[^/]+", "", page.url)
        for violation in violations:
            tally["impacts"][violation["impact"]] += 1
            tally["rules"][f"{violation['id']} ({violation['impact']})"] += 1
            if violation["impact"] in AXE_FAILING:
                self.findings.append(
                    f"{path}: {violation['id']} ({violation['impact']}): {violation['help']}"
                    f" at {', '.join(violation['targets'])}"
                )


def new_page(browser, live_server, request, **options):
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(10_000)
    watch = None
    if axe_installed():
        # An init script runs before the page's own and is not subject to its CSP.
        context.add_init_script(path=AXE_SCRIPT)
        page = context.new_page()
        watch = AxeWatch(page)
        page.on("load", watch.check)
    else:
        page = context.new_page()
    page.axe = watch
    request.addfinalizer(context.close)
    if watch is not None:
        request.addfinalizer(lambda: assert_accessible(watch))
    return page


def assert_accessible(watch):
    if watch.findings:
        pytest.fail(
            "axe-core found serious or critical accessibility violations:\n"
            + "\n".join(dict.fromkeys(watch.findings))
        )


@pytest.fixture
def page(browser, live_server, request):
    return new_page(browser, live_server, request, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone(browser, live_server, request):
    """A page the size of a phone (390×844 CSS pixels, touch, a phone's pixel ratio)."""
    return new_page(
        browser,
        live_server,
        request,
        viewport={"width": 390, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )


@pytest.fixture
def screenshot():
    """screenshot(page, name) saves docs/screenshots/<name>.png when SAVE_SCREENSHOTS=1.

    Off by default so that test runs (CI included) never change the tree; the committed
    pictures are refreshed with `SAVE_SCREENSHOTS=1 make e2e`.
    """

    def save(page, name: str):
        if os.environ.get("SAVE_SCREENSHOTS") != "1":
            return None
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(
            path=str(path), full_page=True, scale="css", animations="disabled", caret="hide"
        )
        return path

    return save


def make_login(page):
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


@pytest.fixture
def login(page):
    return make_login(page)


@pytest.fixture
def phone_login(phone):
    return make_login(phone)
