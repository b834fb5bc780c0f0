import datetime
import os

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from tests.personas import make_personas

# The hard moments for code that reads the clock (README, "Testing"): `make test-clock`
# runs the suite at each of them. UTC; the demo clinic is in America/Denver.
HARD_MOMENTS = {
    "2026-10-31T23:30:00+00:00": "23:30 UTC on the last day of a month, a Saturday",
    "2027-01-01T03:00:00+00:00": "03:00 UTC: still 31 December (20:00) in Denver",
    "2026-11-01T08:30:00+00:00": "DST ends in Denver (01:30, the second time), a Sunday",
    "2026-03-08T09:30:00+00:00": "DST starts in Denver (03:30, an hour skipped), a Sunday",
    "2026-12-31T23:30:00+00:00": "31 December, 23:30 UTC",
}


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="ISO-8601",
        default=os.environ.get("TEST_CLOCK") or None,
        help="start every test with the clock at this moment (ticking from there), "
        "e.g. 2026-10-31T23:30:00+00:00; also TEST_CLOCK",
    )


def pytest_report_header(config):
    moment = config.getoption("--clock")
    if moment:
        return f"clock: every test starts at {moment} ({HARD_MOMENTS.get(moment, 'given')})"


@pytest.fixture(autouse=True)
def _clock(request):
    """With --clock, each test starts at that moment; tests that freeze time still do."""
    moment = request.config.getoption("--clock")
    if not moment:
        yield
        return
    at = datetime.datetime.fromisoformat(moment)
    if at.tzinfo is None:
        raise pytest.UsageError("--clock needs a UTC offset, e.g. 2026-10-31T23:30:00+00:00")
    with time_machine.travel(at, tick=True):
        yield


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    # Fast hashing, no lockouts between tests, files and outbox in a temporary folder.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_ENABLED = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_OUTBOX_PATH = tmp_path / "sms"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # Messages queued in the outbox are not published to a broker unless a test means it.
    settings.REMINDER_PUBLISH_ON_COMMIT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The cache (this process's memory in tests) holds throttles: none carries over.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def people(db):
    """The personas of tests/personas.py."""
    return make_personas()


@pytest.fixture
def api_as():
    """api_as(staff_or_patient) → an APIClient authenticated with an API token of that person
    (minted as the token endpoint does, after the password and the code)."""
    from django.utils import timezone

    from accounts.models import ApiToken
    from accounts.services import api_token_create

    def make(person):
        token, raw = api_token_create(user=person.user)
        # As if just used by the client that obtained it: a token's last use is written at
        # most once a minute, so the tests' pinned query counts see no write.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
        return client

    return make


@pytest.fixture
def web_as(client):
    """web_as(staff_or_patient) → Django's test client logged in as that person; a staff
    member's session is verified by their authenticator device, as after the code page."""
    from accounts.selectors import otp_mandatory
    from tests.otp import verify_session

    def make(person):
        client.force_login(person.user)
        if otp_mandatory(person.user):
            verify_session(client, person.user)
        return client

    return make


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin_client, with the second factor the back office asks for."""
    from tests.otp import verify_session

    client.force_login(admin_user)
    verify_session(client, admin_user)
    return client


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


requires_postgres = pytest.mark.skipif(
    "postgres" not in os.environ.get("DATABASE_URL", ""), reason="needs PostgreSQL (DATABASE_URL)"
)
requires_redis = pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"),
    reason="needs Redis (CELERY_BROKER_URL=redis://…)",
)
