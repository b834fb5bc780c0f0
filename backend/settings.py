"""Settings for the KAP practice system.

Everything is read from the environment (django-environ). The defaults make `make run`
work on one machine with SQLite and a filesystem Celery broker under `var/`; production
sets DATABASE_URL, CELERY_BROKER_URL, EMAIL_URL and the secrets, and must not rely on
any default once DEBUG is off.
"""

import datetime
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me")
else:
    # No default: a production process without a secret must refuse to start.
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
# Origins (scheme included: https://clinic.example) whose POSTs are accepted; behind the
# TLS proxy, the site's own https origin.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin site requires two-factor verification (accounts.admin_site.AdminSite).
    "accounts.apps.OTPAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_celery_beat",
    "auditlog",
    "axes",
    "phonenumber_field",
    "backend",
    "practice",
    "controlled",
    "messaging",
    "scheduling",
    "integration_notes",
    "billing",
    "accounts",
    "onboarding",
    "records",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the parameters (backend/middleware.py).
    "backend.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "backend.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # One audit row per request to a patient-data route (backend/audit.py).
    "backend.audit.AuditMiddleware",
    "backend.middleware.ClinicTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout, absolute lifetime, and no page for a session that still owes its second
    # factor (accounts.middleware).
    "accounts.middleware.SessionSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last, so it sees the signed-in user and every response the views return.
    "backend.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "backend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "backend.context_processors.roles",
            ],
            # One way to write money, phone numbers and moments on every page and PDF.
            "builtins": ["backend.templatetags.formatting"],
        },
    },
]

# Database: SQLite under var/ by default; PostgreSQL through DATABASE_URL (psycopg 3).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'kap.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Production keeps each process's connection for a minute (a new one costs 5–10 ms per
# request), checked before reuse so a restarted server costs one error-free reconnect.
# Behind PgBouncer in transaction pooling, set DISABLE_SERVER_SIDE_CURSORS=true.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DISABLE_SERVER_SIDE_CURSORS", default=False
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and the Celery worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared state with a short life (e.g. witness-password throttling): Redis in production
# (CACHE_URL=redis://…), this process's memory for `make run` and tests.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# NIST SP 800-63B: length over composition rules, no common or personal passwords. The last
# entry validates nothing: its `password_changed` hook (called by every password change,
# reset, admin form and `changepassword`) revokes the user's API tokens.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "accounts.validators.RevokeTokensOnPasswordChange"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Brute-force protection: lock a username+IP after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
# Keep every failure (the counter still resets on success; the failure log never does).
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# Two-factor authentication (django-otp): required for staff and back-office users, optional
# for patients. A wrong code slows the next try down (1 s, 2 s, 4 s, … per device).
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="KAP Practice")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_RECOVERY_CODES = 10

# Sessions. A staff session ends after its clinic's idle timeout (clinical settings), a
# patient's after PATIENT_IDLE_TIMEOUT_MINUTES; every session after SESSION_MAX_AGE_HOURS
# whatever happens. Logout ends all of a user's sessions.
PATIENT_IDLE_TIMEOUT_MINUTES = env.int("PATIENT_IDLE_TIMEOUT_MINUTES", default=30)
SESSION_MAX_AGE_HOURS = env.int("SESSION_MAX_AGE_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_MAX_AGE_HOURS * 3600

# API tokens (django-rest-knox): hashed at rest, shown once, expiring.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=12)
# How long a new patient's invitation link to the portal works (onboarding).
INTAKE_INVITATION_DAYS = env.int("INTAKE_INVITATION_DAYS", default=7)
# Video sessions: the provider behind `practice.video` and, for the built-in Jitsi Meet
# provider, the clinic's (self-hosted) server. The room names are per session and secret.
VIDEO_PROVIDER = env.str("VIDEO_PROVIDER", default="practice.video.JitsiProvider")
JITSI_BASE_URL = env.str("JITSI_BASE_URL", default="https://meet.clinic.example").rstrip("/")
KNOX_TOKEN_MODEL = "accounts.ApiToken"
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
}
# knox's own migrations create its default `knox_authtoken` table even though our model
# replaces it (swappable): an unused table with a foreign key to auth_user, which breaks
# PostgreSQL's TRUNCATE of the users table (a test database's flush). Our token table is
# accounts.ApiToken; knox contributes code only.
MIGRATION_MODULES = {"knox": None}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The product's one date and time format (backend/formats/en/formats.py).
FORMAT_MODULE_PATH = ["backend.formats"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    # Uploaded documents and issued PDFs. MEDIA_URL is never routed: these files are served
    # only by scoped, audited views (README, "Patient documents", for S3 in production).
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Object storage in production (README, "Patient documents"): with a bucket named, files go
# to S3 (or an S3-compatible store) through django-storages, which is then required
# (`pip install 'django-storages[s3]>=1.14,<2'`). The bucket is private: no ACL is set on
# objects, and files are still served only through the scoped views (never a bucket URL).
# Credentials come from the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) or
# the instance's role.
if env.str("AWS_STORAGE_BUCKET_NAME", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "location": env.str("AWS_LOCATION", default=""),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": "AES256"},
        },
    }
# Stored files are readable by the app's own user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# Patient documents (practice.services.documents): the largest file accepted, in bytes.
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Django's own limits: an upload over 2.5 MB is spooled to a temporary file rather than held
# in memory; a form's other fields stay small; one document per request, with room for a
# browser that sends an empty second file input.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 5

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Links out of the app carry no path (a patient id in a URL would leak to the next site).
SECURE_REFERRER_POLICY = "same-origin"

# HTTPS. Production (DEBUG off) redirects plain HTTP and sends HSTS for a year, subdomains
# included; `make run` (DEBUG on) speaks plain HTTP on 127.0.0.1 and sends neither.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
# Preloading binds the whole domain to HTTPS in browsers for months and is slow to undo:
# the clinic's domain owner opts in (SECURE_HSTS_PRELOAD=true) and submits the domain.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Behind the TLS proxy (deploy/Caddyfile), gunicorn hears plain HTTP; the proxy says the
# browser's scheme in X-Forwarded-Proto. Trust that header ONLY when every request comes
# through a proxy that sets it (overwriting the client's): a client that can reach gunicorn
# directly could otherwise claim "https" and defeat the redirect and secure cookies.
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (django-csp 4): only this site's own scripts, styles and images;
# no inline script or style (a page that needs a computed style uses a nonced <style>,
# `request.csp_nonce`); never framed; forms post only here. Inline SVG and data: images
# (QR codes, charts) are allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
    },
}

# Permissions-Policy (backend.middleware.PermissionsPolicyMiddleware): no page of this
# app uses these powerful features, so no page (or anything it embeds) may. Telehealth
# will need camera and microphone: grant them then to that one window's origin, e.g.
# "camera": ["self"], not to every page.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "usb": [],
}

# Email: written to var/outbox/ by default; SMTP in production through EMAIL_URL.
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "outbox" / "email"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="clinic@kap.example")

# SMS: the outbox backend writes messages under var/outbox/sms.
SMS_BACKEND = env.str("SMS_BACKEND", default="messaging.sms.OutboxSmsBackend")
SMS_OUTBOX_PATH = VAR_DIR / "outbox" / "sms"
# messaging.sms.RestSmsBackend: a provider speaking the Accounts/{sid}/Messages.json API.
SMS_REST_BASE_URL = env.str("SMS_REST_BASE_URL", default="")
SMS_REST_ACCOUNT_SID = env.str("SMS_REST_ACCOUNT_SID", default="")
SMS_REST_AUTH_TOKEN = env.str("SMS_REST_AUTH_TOKEN", default="")
SMS_REST_FROM = env.str("SMS_REST_FROM", default="")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# Absolute links in messages (confirm/cancel, portal) start with this.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Card payments through Stripe (billing.stripe_gateway). Without a secret key the feature
# is off: no pay buttons, and its pages and webhook answer 404. The API version is pinned so
# the answers the code reads keep their documented shapes (the test recordings follow it).
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_VERSION = env.str("STRIPE_API_VERSION", default="2026-10-28.endive")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_CURRENCY = env.str("STRIPE_CURRENCY", default="usd")
if STRIPE_SECRET_KEY and not STRIPE_WEBHOOK_SECRET and not DEBUG:
    raise ImproperlyConfigured("STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set.")
# A pay form answers 303 to Stripe's hosted Checkout page: browsers apply form-action to
# the redirect after a form post, so that one origin is allowed while card payments are on.
STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"
if STRIPE_SECRET_KEY:
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(STRIPE_CHECKOUT_ORIGIN)

# How far back completed sessions wait for charges (the billing review queue): older
# sessions are past most payers' filing limit, and the queue stays a bounded read.
BILLING_UNCHARGED_WINDOW_DAYS = env.int("BILLING_UNCHARGED_WINDOW_DAYS", default=365)

# Patient messages (messaging.services.outbox). A send holds its row for
# REMINDER_SEND_LEASE_SECONDS; after that the sweep presumes the worker dead and hands the
# row out again, so the lease must outlast the slowest send (EMAIL_TIMEOUT, the SMS timeout).
REMINDER_SEND_LEASE_SECONDS = env.int("REMINDER_SEND_LEASE_SECONDS", default=120)
REMINDER_CLAIM_LEASE_SECONDS = env.int("REMINDER_CLAIM_LEASE_SECONDS", default=600)
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=5)
REMINDER_SWEEP_BATCH = env.int("REMINDER_SWEEP_BATCH", default=1000)
# Publish a message that is already due as soon as its transaction commits (else the next
# sweep sends it, within a minute). The test suite turns it off where it does not test it.
REMINDER_PUBLISH_ON_COMMIT = env.bool("REMINDER_PUBLISH_ON_COMMIT", default=True)

# Encryption keys for psychotherapy notes (MultiFernet: first key encrypts, all decrypt).
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS",
    default=["q0Pn3Yw2bN0mJ9kSx7b3fT4cV8eR1uA6zL5hG2dK9pI="] if DEBUG else None,
)

# A session's progress note is due this many hours after the session ends.
NOTES_DUE_AFTER_HOURS = env.int("NOTES_DUE_AFTER_HOURS", default=72)

# The KAP-cycle worklist and Today's count of its gaps look at doses from this many days
# back (and every dose ahead): an older gap can no longer be closed.
CYCLE_GAP_LOOKBACK_DAYS = env.int("CYCLE_GAP_LOOKBACK_DAYS", default=90)

# Celery. Embedded default: kombu's filesystem transport under var/ (no Redis needed).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue = VAR_DIR / "broker" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        "store_processed": False,
    }
    # kombu does not create these folders; a fresh clone would crash the worker on start.
    for _folder in CELERY_BROKER_TRANSPORT_OPTIONS.values():
        if isinstance(_folder, str):
            Path(_folder).mkdir(parents=True, exist_ok=True)
else:
    # Longer than any task we run; reminders are never ETA tasks (see messaging.tasks).
    # Short socket timeouts so that publishing gives up fast when Redis is down; the
    # publisher also bounds its reconnection attempts
    # (messaging.services.outbox.publishing.publish).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 1,
        "socket_timeout": 5,
    }
# Three queues, so that a run of PDFs never delays a patient's message: "messages" (the
# outbox's sends), "pdf" (month-end superbills, timetable runs and other long work) and the
# default "celery" (periodic sweeps and the rest). A worker started without -Q consumes all
# three (make run, the tests); docker-compose gives each queue its own workers.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = {name: {"routing_key": name} for name in ("celery", "messages", "pdf")}
CELERY_TASK_ROUTES = {
    "messaging.tasks.reminder_send": {"queue": "messages"},
    "billing.tasks.bulk_issue_superbills": {"queue": "pdf"},
    "scheduling.tasks.generate_timetable_run": {"queue": "pdf"},
}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request must never hang on a broker that is down (celery#4556): connecting times
# out quickly, and publishers that run in requests bound their own reconnection attempts
# (messaging.services.outbox.publishing.publish). Workers must reconnect for as long as it takes:
# kombu reads 0 as "never retry", so None (retry forever) is what keeps a worker alive
# through a Redis restart.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Workers log through LOGGING (and so through the redacting filter), not Celery's own
# root handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.auth.ApiTokenAuthentication",
        "accounts.auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "backend.filters.ScopedFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # ?page_size= up to 100; the long lists use backend.pagination.KeysetPagination.
    "DEFAULT_PAGINATION_CLASS": "backend.pagination.PagePagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "backend.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KAP practice API",
    "DESCRIPTION": "Practice management for ketamine-assisted psychotherapy clinics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's assets are served from our static files, not a CDN (CSP: 'self' only).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ChargeStatusEnum": "billing.choices.ChargeStatus",
        "SuperbillStatusEnum": "billing.choices.SuperbillStatus",
        "ClaimStatusEnum": "billing.choices.ClaimStatus",
        "ReminderStatusEnum": "messaging.choices.ReminderStatus",
        "MessageKindEnum": "messaging.choices.MessageKind",
        "ReminderChannelEnum": "messaging.choices.Channel",
        "NoteStatusEnum": "integration_notes.choices.NoteStatus",
        "SessionKindEnum": "practice.choices.SessionKind",
        "SessionStatusEnum": "practice.choices.SessionStatus",
        "PlanStatusEnum": "practice.choices.PlanStatus",
        "AdverseEventKindEnum": "practice.choices.AdverseEventKind",
        "AdverseEventSeverityEnum": "practice.choices.AdverseEventSeverity",
        "AlertKindEnum": "practice.choices.AlertKind",
        "AlertSeverityEnum": "practice.choices.AlertSeverity",
        "ContraindicationSeverityEnum": "practice.choices.ContraindicationSeverity",
        "InstrumentEnum": "practice.choices.Instrument",
        "ConsentKindEnum": "practice.choices.ConsentKind",
        "ConsentTemplateStatusEnum": "practice.choices.ConsentTemplateStatus",
        "DocumentKindEnum": "practice.choices.DocumentKind",
        "DocumentContentTypeEnum": "practice.choices.DocumentContentType",
    },
}

# Phone numbers typed without a country code are US numbers (stored in E.164).
PHONENUMBER_DEFAULT_REGION = "US"

# The ledger's choice sets share field names ("kind", "status") with other apps' enums.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "ControlledEntryKindEnum": "controlled.choices.EntryKind",
        "ControlledManualEntryKindEnum": "controlled.choices.MANUAL_KIND_CHOICES",
        "ControlledInventoryKindEnum": "controlled.choices.InventoryKind",
        "ControlledCountStatusEnum": "controlled.choices.CountStatus",
        "ControlledProductFormEnum": "controlled.choices.ProductForm",
        "ControlledScheduleEnum": "controlled.choices.Schedule",
        "ControlledTimeOfDayEnum": "controlled.choices.TimeOfDay",
        # Used by two note components, so a second "status" set elsewhere needs its name fixed.
        "NoteStatusEnum": "integration_notes.choices.NoteStatus",
        # Onboarding's intake status and answers (other apps have a "status" and "answer").
        "IntakeStatusEnum": "onboarding.choices.IntakeStatus",
        "IntakeAnswerEnum": "onboarding.choices.ScreeningAnswer",
        "InsuredRelationshipEnum": "practice.choices.InsuredRelationship",
    }
)

AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False
# How long audit rows (AuditEvent and auditlog's LogEntry) are kept before the daily purge
# deletes them: six years (45 CFR 164.316(b)(2)), 2192 days.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=2192)

# One console handler, through backend.logging.RedactFilter: no row values from database
# errors, no tokens from URLs, no secret-looking query parameters. Django's own loggers
# lose their default handlers (a second console, and mail_admins, which would e-mail
# tracebacks with PHI) and propagate to it; so does the development server's access log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "backend.logging.RedactFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
    },
}

# Sections other apps add to pages that `practice` owns (see backend/templatetags/panels.py).
# Slots: "dashboard" (staff home), "patient_detail", "session_detail", "portal".
KAP_PANELS: dict[str, list[str]] = {
    "dashboard": [
        "scheduling/panels/my_day.html",
        "integration_notes/panels/worklist.html",
        "controlled/panels/dashboard.html",
    ],
    "patient_detail": [
        "integration_notes/panels/patient_notes.html",
        "billing/panels/patient.html",
        "records/panels/patient.html",
    ],
    "session_detail": [
        "integration_notes/panels/session_note.html",
        "billing/panels/session.html",
        "controlled/panels/session_detail.html",
    ],
    "portal": [
        "scheduling/panels/portal_schedule.html",
        "integration_notes/panels/portal_summaries.html",
        "integration_notes/panels/portal_notes.html",
        "billing/panels/portal.html",
        "records/panels/portal.html",
    ],
}
# Messages: upcoming messages on the portal; a session's reminders and confirmation.
KAP_PANELS["portal"].append("messaging/panels/portal_reminders.html")
KAP_PANELS["session_detail"].append("scheduling/panels/session_reminders.html")
# Onboarding: the intake's progress and the invitation on the patient page and the portal.
KAP_PANELS["patient_detail"].insert(0, "onboarding/panels/patient.html")
KAP_PANELS["portal"].insert(0, "onboarding/panels/portal.html")
# A screening may start from what the patient reported in their intake (practice's
# screening page, `?prefill=1`): each entry takes `patient=` and `user=`, returns initial data.
KAP_SCREENING_PREFILLERS = ["onboarding.selectors.screening_prefill"]
# Secure messaging: the unread count on Today, the way to one's messages on the portal.
KAP_PANELS["dashboard"].insert(0, "messaging/panels/dashboard_inbox.html")
KAP_PANELS["portal"].append("messaging/panels/portal_messages.html")
# Self-booking: the admins' queue of requests on Today, the way to book on the portal.
KAP_PANELS["dashboard"].append("scheduling/panels/booking_requests.html")
KAP_PANELS["portal"].insert(1, "scheduling/panels/portal_book.html")

# After a patient changed how they want to hear from the clinic, messaging asks each app
# that queues messages about its own things to re-plan them (messaging imports no app above
# it). Each entry is a function taking `patient=`.
KAP_MESSAGE_REPLANNERS = ["scheduling.services.reminders.patient_session_reminders_resync"]

# When a queued message about an app's own things comes due, messaging asks these whether
# it may still go out: each takes `reminder=` and returns why not ('' when it may).
# Scheduling refuses a retreat welcome whose enrollment is no longer enrolled; billing an
# instalment reminder whose instalment was paid or whose plan stopped.
KAP_MESSAGE_RELEVANCE = [
    "scheduling.services.reminders.enrollment_message_why_not",
    "billing.notifications.instalment_message_why_not",
]

# After a session booking commits, scheduling calls each of these with `session_id=` (it
# imports no app above it): billing gives a self-pay patient's Good Faith Estimate at
# scheduling (billing/services/estimates_auto.py).
KAP_SESSION_BOOKED = ["billing.services.estimates_auto.estimate_on_session_booked"]
# Billing's Good Faith Estimates on Today: the ones due, and sessions soon without one.
KAP_PANELS["dashboard"].append("billing/panels/dashboard_estimates.html")
