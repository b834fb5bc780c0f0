import os

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.personas import make_personas


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
    """api_as(staff_or_patient) → an APIClient authenticated with that person's token."""

    def make(person):
        user = person.user
        token, _ = Token.objects.get_or_create(user=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def web_as(client):
    """web_as(staff_or_patient) → Django's test client logged in as that person."""

    def make(person):
        client.force_login(person.user)
        return client

    return make


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


requires_postgres = pytest.mark.skipif(
    "postgres" not in os.environ.get("DATABASE_URL", ""), reason="needs PostgreSQL (DATABASE_URL)"
)
requires_redis = pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"),
    reason="needs Redis (CELERY_BROKER_URL=redis://…)",
)
