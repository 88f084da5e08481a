"""Settings for Liaison CRM, read from the environment.

Every value has a local-development default except SECRET_KEY, which production (DEBUG off) must be given.
A secret may also be given as a file: SECRET_KEY_FILE, DATABASE_URL_FILE, EMAIL_URL_FILE.
"""

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def env_secret(name: str, default: str | None = None) -> str | None:
    """The value of NAME, or the contents of the file named by NAME_FILE."""
    file_name = env.str(f"{name}_FILE", default="")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name} cannot be read: {exc}") from exc
    return env.str(name, default=default)


DEBUG = env.bool("DEBUG", default=False)
# `make bench` turns this on in the server it measures: the calibration endpoints /bench/plain/json and
# /bench/plain/db (bench/views.py) exist only then.
BENCHMARK = env.bool("BENCHMARK", default=False)

SECRET_KEY = env_secret("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (or give SECRET_KEY_FILE).")
    SECRET_KEY = "dev-only-insecure-key-for-local-development-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.forms",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "accounts",
    "contacts",
    "interactions",
    "api",
    "webhooks",
    "meetings",
    "commitments",
    "concerns",
    "outbox",
    "digests",
    "dashboards",
    "imports",
    "search",
    "mailin",
    "history",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After static files (they need no database), before everything that reads the session or the user.
    "liaison_crm.outages.DatabaseUnavailableMiddleware",
    # A deadlock is an OperationalError too, not an outage: the one above leaves it to this one.
    "liaison_crm.save_collisions.SaveCollisionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After authentication: it records who made each change (history/). DRF signs API clients in later, in
    # the view; this middleware's request class passes that user on to the history context too.
    "pghistory.middleware.HistoryMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "liaison_crm.partial_pages.VaryOnHtmxRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "liaison_crm.urls"
WSGI_APPLICATION = "liaison_crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Django's templates, with plain inputs written in Python (see that module).
FORM_RENDERER = "liaison_crm.form_renderer.FormRenderer"
FORMS_URLFIELD_ASSUME_HTTPS = True

DATABASES = {
    "default": env.db_url_config(
        env_secret("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/liaison_crm")
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Misspelled names ("Dubios" for "Dubois") score about 0.43 against the whole name; pg_trgm's default of 0.6
# would miss them. The trigram index serves any threshold. The duplicate checks find names by `%` before
# scoring them against their own limits (contacts/duplicates.py), so its threshold is set too: one a database
# administrator raised would drop names silently.
# JIT compilation pays off for long analytical queries, not for a web request's: on a timeline query it
# spent 35 ms compiling what runs in 1 ms (make bench).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
    "-c pg_trgm.word_similarity_threshold=0.4 -c pg_trgm.similarity_threshold=0.3 -c jit=off"
)
# A server that is down refuses at once; one that is unreachable would hold the request until this runs out
# (then the page says 503, liaison_crm/outages.py).
DATABASES["default"]["OPTIONS"]["connect_timeout"] = env.int("DATABASE_CONNECT_TIMEOUT", default=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Service accounts (API tokens only) cannot sign in with a password.
# AxesStandaloneBackend first: it refuses sign-ins from a locked-out username and address.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.StaffBackend"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# A password reset link is written in the outbox, which administrators read, before it is sent; it works
# this many seconds (and once). The outbox's retries, with their back-offs, are over in a quarter of an hour.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=2 * 60 * 60)
# Password reset requests let through in any hour, per email address asked for and per client IP (as
# django-axes reads it); past the first the page says "check your email" as ever and sends nothing, past the
# second it says to try later. Counted where the API's rate limit counts (liaison_crm/rate_limits.py).
PASSWORD_RESET_LIMIT_PER_ADDRESS = env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=3)
PASSWORD_RESET_LIMIT_PER_IP = env.int("PASSWORD_RESET_LIMIT_PER_IP", default=20)
if min(PASSWORD_RESET_LIMIT_PER_ADDRESS, PASSWORD_RESET_LIMIT_PER_IP) < 1:
    raise ImproperlyConfigured(
        "PASSWORD_RESET_LIMIT_PER_ADDRESS and PASSWORD_RESET_LIMIT_PER_IP must be 1 or more: with 0 nobody "
        "could reset a forgotten password."
    )
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
# The CRM itself is in English; the meeting emails stakeholders receive are also translated into these
# (locale/README.md), each sent in the first of its reader's languages found here.
EMAIL_LANGUAGES = ["en", "fr", "es", "de"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # Each minute: queue outbox messages that have fallen due, and settle sends a dead worker abandoned.
    "outbox-dispatch-due": {
        "task": "outbox.tasks.dispatch_due",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # The outbox row is the truth and Redis keeps nothing on disk: re-queue deliveries a lost message left.
    "requeue-stale-webhook-deliveries": {"task": "webhooks.tasks.requeue_stale_deliveries", "schedule": 60.0},
    # The same for imports, and for runs whose worker died: each is checked or imported again, or failed.
    "recover-stalled-imports": {
        "task": "imports.tasks.recover_stalled_imports",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "purge-idempotency-records": {"task": "api.tasks.purge_idempotency_records", "schedule": 3600.0},
    "purge-expired-deletions": {"task": "api.tasks.purge_expired_deletions", "schedule": 3600.0},
    # Comparing every pair in the register takes seconds at scale: the review page reads the last check's.
    "check-duplicates": {
        "task": "contacts.tasks.check_duplicates",
        "schedule": crontab(minute=30),
        "options": {"expires": 3000},
    },
    # Hourly, so each officer's digest arrives at 07:00 in their own time zone.
    "officer-daily-digests": {
        "task": "digests.tasks.send_daily_digests",
        "schedule": crontab(minute=0),
        "options": {"expires": 3000},
    },
    # Hourly too: each manager's weekly digest arrives on Monday at DIGEST_HOUR in their own time zone.
    "manager-weekly-digests": {
        "task": "digests.tasks.send_weekly_digests",
        "schedule": crontab(minute=5),
        "options": {"expires": 3000},
    },
    # The dashboards' summary tables (dashboards/services.py): brought up to date every quarter of an hour,
    # and recomputed in full at night.
    "refresh-dashboard-figures": {
        "task": "dashboards.tasks.refresh_figures",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 840},
    },
    "refresh-dashboard-figures-nightly": {
        "task": "dashboards.tasks.refresh_figures_nightly",
        "schedule": crontab(hour=2, minute=40),
        "options": {"expires": 3 * 3600},
    },
    "escalate-overdue-concerns": {
        "task": "concerns.tasks.escalate_overdue_concerns",
        "schedule": crontab(hour=7, minute=0),
    },
    # Tells other tools (commitment.overdue) of commitments whose due date passed while they were open.
    "publish-overdue-commitments": {
        "task": "commitments.tasks.publish_overdue_commitments",
        "schedule": crontab(hour=7, minute=0),
    },
}

# API rate limits count requests here; tests may swap in the local-memory cache. Nothing in it is needed: with
# Redis away, reads miss and writes are skipped (liaison_crm/cache.py), and sessions live in the database.
CACHES = {
    "default": {
        "BACKEND": "liaison_crm.cache.OptionalRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "liaison-crm",
        # Redis answers in well under a millisecond; one that does not answer in a second is as good as down.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}

_email = env.email_url_config(env_secret("EMAIL_URL", default="consolemail://"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Liaison CRM <liaison-crm@localhost>")
# Seconds to wait for the mail server; must stay well below OUTBOX_SENDING_LEASE_SECONDS.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# The outbox (outbox/services.py): attempts before a message is failed; the first retry's wait (each later
# one twice as long, at most an hour); how long a claimed send may take before it counts as interrupted;
# how late a queued send task may be before the dispatcher assumes the broker lost it.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=5)
OUTBOX_RETRY_BACKOFF_SECONDS = env.float("OUTBOX_RETRY_BACKOFF_SECONDS", default=60.0)
OUTBOX_SENDING_LEASE_SECONDS = env.int("OUTBOX_SENDING_LEASE_SECONDS", default=600)
OUTBOX_REQUEUE_AFTER_SECONDS = env.int("OUTBOX_REQUEUE_AFTER_SECONDS", default=600)
if OUTBOX_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured(f"OUTBOX_MAX_ATTEMPTS must be 1 or more, not {OUTBOX_MAX_ATTEMPTS}.")
if OUTBOX_SENDING_LEASE_SECONDS <= EMAIL_TIMEOUT:
    raise ImproperlyConfigured(
        "OUTBOX_SENDING_LEASE_SECONDS must be longer than EMAIL_TIMEOUT, or a slow mail server would be "
        "taken for a dead worker."
    )

# Behind a TLS-terminating proxy in production; locally everything is plain HTTP.
SECURE = env.bool("SECURE", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SECURE)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True

# Every script and stylesheet is served from this site (htmx and Chart.js are vendored): no inline code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}


def env_rate(name: str, default: str) -> str:
    """A request rate such as `1200/minute` (per second, minute, hour or day)."""
    value = env.str(name, default=default)
    number, _slash, period = value.partition("/")
    if not number.isdigit() or period not in {
        "s",
        "sec",
        "second",
        "m",
        "min",
        "minute",
        "h",
        "hour",
        "d",
        "day",
    }:
        raise ImproperlyConfigured(f"{name}={value!r} is not a rate such as 1200/minute.")
    return value


# The REST API under /api/v1/: API tokens or the browser session, JSON only, cursor pages, rate limits per
# token (or per signed-in person).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend", "api.ordering.Ordering"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CursorPage",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env_rate("API_RATE_LIMIT", "1200/minute")},
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "ORDERING_PARAM": "ordering",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Liaison CRM API",
    "DESCRIPTION": (
        "Stakeholders, organisations, interactions, tags, meetings and their actions, commitments and "
        "concerns for other internal tools. Authenticate with "
        "`Authorization: Bearer <token>` (tokens are made on the API tokens page) or a signed-in session. "
        "Lists are cursor-paged; `updated_since` supports incremental sync. Send `If-Match` with the ETag "
        "you read to avoid overwriting someone else's change, and `Idempotency-Key` on POST to retry safely. "
        "Each token may make `API_RATE_LIMIT` requests over a sliding window; every answer says where it "
        "stands in `RateLimit-Limit`, `RateLimit-Remaining` (requests left now) and `RateLimit-Reset` "
        "(seconds until the whole limit is free again), and a `429` adds `Retry-After` (seconds until the "
        "next request would be let through)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "contacts.models.OrganisationKind",
        "InteractionKindEnum": "interactions.models.InteractionKind",
        "DirectionEnum": "interactions.models.Direction",
        "WebhookEventEnum": "webhooks.models.WebhookEvent",
        "StatusEnum": "webhooks.models.DeliveryStatus",
        "MeetingStatusEnum": "meetings.models.MeetingStatus",
        "ActionStatusEnum": "meetings.models.ActionStatus",
        "CommitmentStatusEnum": "commitments.models.CommitmentStatus",
        "CommitmentDirectionEnum": "commitments.models.CommitmentDirection",
        "ConcernStatusEnum": "concerns.models.ConcernStatus",
        "DeletedRecordTypeEnum": "api.models.DeletedRecordType",
    },
}
# The deletions feed (GET /api/v1/deletions/) remembers what was deleted for this many days; a sync that last
# ran longer ago than that is told to sync in full again.
API_DELETIONS_KEEP_DAYS = env.int("API_DELETIONS_KEEP_DAYS", default=90)
if API_DELETIONS_KEEP_DAYS < 1:
    raise ImproperlyConfigured(f"API_DELETIONS_KEEP_DAYS must be 1 or more, not {API_DELETIONS_KEEP_DAYS}.")
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)
# The first retry waits this long; each later one twice as long as the one before.
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
# A pending delivery this long past its due time lost its queue message (a Redis restart, a broker that was
# down when the event was committed, a worker killed mid-send): the beat sweep queues it again.
WEBHOOK_STALE_AFTER_SECONDS = env.int("WEBHOOK_STALE_AFTER_SECONDS", default=300)

DIGEST_HOUR = env.int("DIGEST_HOUR", default=7)
MEETING_DOCUMENT_MAX_BYTES = env.int("MEETING_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)

# Imports (imports/services.py): the largest file accepted, and the number of rows above which a file is
# checked and imported by a worker while its page shows the progress.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=2000)
# A check or import handed to a worker that no worker is running after this long (its task was lost, or its
# worker died) is handed over again, at most IMPORT_MAX_ATTEMPTS times in all; then it is failed.
IMPORT_STALLED_AFTER_SECONDS = env.int("IMPORT_STALLED_AFTER_SECONDS", default=300)
IMPORT_MAX_ATTEMPTS = env.int("IMPORT_MAX_ATTEMPTS", default=3)
if IMPORT_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured(f"IMPORT_MAX_ATTEMPTS must be 1 or more, not {IMPORT_MAX_ATTEMPTS}.")

# Email capture (mailin/): the secret the inbound endpoint's HMAC signatures are made with (the endpoint is
# off without one), the CRM's own inbound addresses (never taken for a stakeholder's) and the largest message.
INBOUND_EMAIL_SECRET = env_secret("INBOUND_EMAIL_SECRET", default="")
INBOUND_EMAIL_ADDRESSES = [address.lower() for address in env.list("INBOUND_EMAIL_ADDRESSES", default=[])]
INBOUND_EMAIL_MAX_BYTES = env.int("INBOUND_EMAIL_MAX_BYTES", default=25 * 1024 * 1024)

# A concern open (or in progress) for longer than this many days is escalated to its owner's manager.
CONCERN_ESCALATION_DAYS = env.int("CONCERN_ESCALATION_DAYS", default=14)
if CONCERN_ESCALATION_DAYS < 1:
    raise ImproperlyConfigured(f"CONCERN_ESCALATION_DAYS must be 1 or more, not {CONCERN_ESCALATION_DAYS}.")

# How long the dashboard's rendered figures are kept (dashboards/views.py); 0 turns the cache off.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=300)
# Relationship health is kept for every day this long, then for one day a week (dashboards/services.py).
HEALTH_DAILY_HISTORY_DAYS = env.int("HEALTH_DAILY_HISTORY_DAYS", default=120)
if HEALTH_DAILY_HISTORY_DAYS < 7:
    raise ImproperlyConfigured(
        f"HEALTH_DAILY_HISTORY_DAYS must be 7 or more, not {HEALTH_DAILY_HISTORY_DAYS}."
    )

LIST_PAGE_SIZE = 50
TIMELINE_PAGE_SIZE = 20

# Change history (history/, django-pghistory): only writes need to know who made them; reads skip the context.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
HISTORY_PAGE_SIZE = 20
