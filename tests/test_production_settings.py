"""With DEBUG off, the settings pass Django's deployment checks and harden HTTPS.

Run in a subprocess with a production environment (the test process itself runs with the
development defaults), so that `make test` guards what `.ci/run` checks with
`manage.py check --deploy --fail-level WARNING`.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Long and random enough for security.W009; never used outside this subprocess.
PRODUCTION_SECRET = "x7Hq2pLm9VwT4zRb8NcK1yFd6GsJ3aUe0QoIiXhYtWvZnMkBjClAeDfPgRsSu5"


def production_env(tmp_path, **extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "DJANGO_", "CSRF_", "SESSION_"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=PRODUCTION_SECRET,
        ALLOWED_HOSTS="clinic.example.org",
        CSRF_TRUSTED_ORIGINS="https://clinic.example.org",
        FIELD_ENCRYPTION_KEYS="q0Pn3Yw2bN0mJ9kSx7b3fT4cV8eR1uA6zL5hG2dK9pI=",
        VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="backend.settings",
    )
    env.pop("DATABASE_URL", None)
    env.update(extra)
    return env


def production_settings(tmp_path, **extra) -> dict:
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({name: getattr(s, name, None) for name in ("
        "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
        "'SECURE_PROXY_SSL_HEADER', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
        "'SECURE_REFERRER_POLICY', 'CSRF_TRUSTED_ORIGINS')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=production_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_deployment_checks_pass_with_debug_off(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_redirects_to_https_and_sends_hsts_for_a_year(tmp_path):
    settings = production_settings(tmp_path)
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert settings["SESSION_COOKIE_SECURE"] and settings["CSRF_COOKIE_SECURE"]
    assert settings["SECURE_REFERRER_POLICY"] == "same-origin"
    assert settings["CSRF_TRUSTED_ORIGINS"] == ["https://clinic.example.org"]


def test_the_forwarded_proto_header_is_trusted_only_when_the_deployment_says_so(tmp_path):
    assert production_settings(tmp_path)["SECURE_PROXY_SSL_HEADER"] is None
    behind_proxy = production_settings(tmp_path, SECURE_PROXY_SSL_HEADER="true")
    assert behind_proxy["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_development_keeps_plain_http(settings):
    # `make run` (DEBUG on by default) serves http://127.0.0.1 without redirects or HSTS.
    assert settings.SECURE_SSL_REDIRECT is False
    assert settings.SECURE_HSTS_SECONDS == 0


def test_a_bucket_name_switches_media_to_a_private_s3_storage(tmp_path):
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.STORAGES['default']))"
    )

    def default_storage(**extra):
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=production_env(tmp_path, **extra),
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(result.stdout.strip().splitlines()[-1])

    assert default_storage(AWS_STORAGE_BUCKET_NAME="") == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }
    s3 = default_storage(AWS_STORAGE_BUCKET_NAME="kap-media", AWS_S3_REGION_NAME="us-west-2")
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"]["bucket_name"] == "kap-media"
    assert s3["OPTIONS"]["region_name"] == "us-west-2"
    # Private: no ACL on objects, signed access only, nothing overwritten, encrypted at rest.
    assert s3["OPTIONS"]["default_acl"] is None
    assert s3["OPTIONS"]["querystring_auth"] is True
    assert s3["OPTIONS"]["file_overwrite"] is False
    assert s3["OPTIONS"]["object_parameters"] == {"ServerSideEncryption": "AES256"}
