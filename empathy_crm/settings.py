"""Settings for Empathy CRM: one module, configured by environment variables.

With no configuration at all the app runs on the embedded default: SQLite under ``var/``
and a Celery broker on the filesystem, so ``make run`` works on any machine. Production
sets ``DEBUG=0``, ``SECRET_KEY``, ``FIELD_ENCRYPTION_KEY``, ``DATABASE_URL`` (PostgreSQL) and
``CELERY_BROKER_URL`` (Redis). Every variable is listed in the README's configuration table.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from empathy_crm.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105

# Encrypts secrets we must read back (form sources' signing secrets), see empathy_crm/crypto.py.
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY")
if not FIELD_ENCRYPTION_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be set when DEBUG is off. Generate one with: python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        )
    # Development: a key of its own, derived from SECRET_KEY.
    FIELD_ENCRYPTION_KEY = base64.urlsafe_b64encode(
        hashlib.sha256(f"field-encryption:{SECRET_KEY}".encode()).digest()
    ).decode()
try:
    Fernet(FIELD_ENCRYPTION_KEY)
except ValueError:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEY is not a Fernet key (32 bytes in URL-safe base64, 44 characters)."
    ) from None

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "template_partials",
    "axes",
    "empathy_crm",
    "people",
    "prospects",
    "empathy_maps",
    "concierge",
    "commissions",
    "insights",
    "rooms",
    "home",
    "rest_framework",
    "drf_spectacular",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "empathy_crm.middleware.SecurityHeadersMiddleware",
    "empathy_crm.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "empathy_crm.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Off unless asked for: `make bench` reads server time and query count from these headers.
BENCH_HEADERS = env_bool("BENCH_HEADERS", False)
if BENCH_HEADERS:
    MIDDLEWARE.insert(0, "empathy_crm.middleware.ServerTimingMiddleware")

ROOT_URLCONF = "empathy_crm.urls"
WSGI_APPLICATION = "empathy_crm.wsgi.application"

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
                "empathy_crm.context_processors.navigation",
                "concierge.context_processors.followups",
            ],
        },
    },
]

# Widget templates (e.g. the feeling scale) live in templates/ with the rest.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'empathy_crm.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Web, worker and beat share one file: wait for locks instead of failing, and take the
    # write lock at the start of a transaction so two writers never deadlock.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so a real Celery worker process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_empathy_crm.sqlite3")}
    # The rollups' unique keys with NULLs not distinct exist on PostgreSQL only; on SQLite
    # every write transaction is IMMEDIATE, so two refreshes never interleave to need them.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT: it pays off for long analytic queries, not for pages. A list query the
        # planner over-estimates spent 250 ms compiling to run for 50.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# Behind PgBouncer in transaction mode (DATABASE_POOL_MODE=transaction) a connection is
# shared between clients from one transaction to the next: no server-side cursors (they
# outlive a transaction), no prepared statements, and no startup options (PgBouncer refuses
# them: set JIT off on the database instead, ALTER DATABASE … SET jit = off).
DATABASE_POOL_MODE = env_str("DATABASE_POOL_MODE")
if DATABASE_POOL_MODE not in ("", "session", "transaction"):
    raise ImproperlyConfigured("DATABASE_POOL_MODE must be empty, session or transaction.")


def pooled(database: dict) -> dict:
    if DATABASE_POOL_MODE == "transaction" and database["ENGINE"].endswith("postgresql"):
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
        database["OPTIONS"].pop("options", None)
        database["OPTIONS"]["prepare_threshold"] = None
    return database


pooled(DATABASES["default"])
# A PostgreSQL replica for the reports (``empathy_crm/db.py``): reads inside
# ``reports_from_replica()`` go there, everything else to the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = pooled(
        {
            **dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env_int("CONN_MAX_AGE", 60)),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": dict(DATABASES["default"].get("OPTIONS", {})),
            "TEST": {"MIRROR": "default"},
        }
    )
DATABASE_ROUTERS = ["empathy_crm.db.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions -------------------------------------------------------------------
# Redis in production (``CACHE_URL=redis://…``); a per-process memory cache otherwise.
# With Redis, sessions are read from the cache and written through to the database, so a
# signed-in request does not pay a database round trip for its session, and a cache flush
# logs no one out. A per-process cache cannot hold sessions (a sign-out in one process would
# not reach the others), so without Redis they stay in the database.
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "empathy_crm.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "empathy",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif CACHE_URL:
    raise ImproperlyConfigured("CACHE_URL must be a redis:// or rediss:// URL, or unset.")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- People -------------------------------------------------------------------------------
AUTH_USER_MODEL = "people.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "people.backends.UserWithRoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in attempts: lock a username on one address after 5 failures, and an address after
# 30 failures on any usernames, each for 15 minutes (people/signin.py says why the address
# is counted there rather than as a second lockout parameter).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 30)
if min(AXES_FAILURE_LIMIT, AXES_ADDRESS_FAILURE_LIMIT) < 1:
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_ADDRESS_FAILURE_LIMIT must be 1+.")
AXES_HANDLER = "people.signin.AxesHandler"
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "empathy_crm.throttle.client_address"
# Proxies in front of the app that append to X-Forwarded-For (0: clients connect directly).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
# Password reset mails: at most 10 an hour asked from one address, and 3 an hour to one
# email; past either, the same "check your email" page and no mail.
PASSWORD_RESET_LIMIT_PER_ADDRESS = 10
PASSWORD_RESET_LIMIT_PER_EMAIL = 3
PASSWORD_RESET_LIMIT_SECONDS = 60 * 60
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Email --------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Empathy CRM <crm@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy, set by empathy_crm.middleware.SecurityHeadersMiddleware: scripts
# and styles only from our static files (htmx is vendored there), no inline script, event
# handler or style attribute anywhere, no plugins, no framing, forms post only here. Shaped
# like Django 6.0's SECURE_CSP, whose middleware can take over when we move to it.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
# Browser features the app never uses, refused for it and anything it could embed; and
# browsing-topics, so no page of a CRM feeds the browser's ad-interest topics (it replaced
# FLoC, whose interest-cohort switch nothing reads any more).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "browsing-topics", "camera", "display-capture", "geolocation",
        "gyroscope", "magnetometer", "microphone", "midi", "payment", "serial", "usb",
    )
}  # fmt: skip
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    # /healthz answers plain HTTP for load balancers and container health checks.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Celery -------------------------------------------------------------------------------
# "localhost" names no server (the folders are the broker); kombu warns when a URL has no host.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    _control_dir = VAR_DIR / "celery" / "control"
    for _folder in (_queue_dir, _processed_dir, _control_dir):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker outage delays work; it must never end the worker or beat. Celery's default gives up
# after 100 attempts (about 47 minutes of backing off, at most 30 s apart) and the process
# exits with "Unrecoverable error", which under honcho (`make run`) stops all three. Retry
# for as long as the broker is away.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "empathy_crm.tasks.heartbeat", "schedule": 60.0},
    "dispatch-due-followups": {"task": "concierge.dispatch_due", "schedule": 60.0},
    "sweep-unexpanded-events": {"task": "concierge.events_sweep", "schedule": 60.0},
    "no-touch-scan": {"task": "concierge.no_touch_scan", "schedule": 60.0 * 60},
    # Every 15 minutes: each rep gets the digest in the hour DIGEST_HOUR of their time zone.
    "daily-digests": {"task": "concierge.digests_send", "schedule": 60.0 * 15},
    "recount-personas": {"task": "empathy_maps.personas_recount", "schedule": 60.0 * 15},
    # People deleted longer ago than their undo window are deleted for good.
    "purge-deleted-prospects": {"task": "prospects.deleted_purge", "schedule": 60.0},
    # Draft commission statements of this period and the last, recomputed every night.
    "refresh-statements": {
        "task": "commissions.statements_refresh",
        "schedule": crontab(hour=2, minute=30),
    },
    "resend-statement-runs": {"task": "commissions.statement_runs_resend", "schedule": 60.0},
    # The insights rollups: each team's comparison, weeks and topics (the pages say how fresh).
    "refresh-insights": {"task": "insights.refresh", "schedule": 60.0 * 15},
    # Webhooks due for a retry, and events whose message was lost (api/webhooks.py).
    "deliver-webhooks": {"task": "api.webhooks_deliver", "schedule": 60.0},
    "forget-idempotency-keys": {"task": "api.idempotency_forget", "schedule": 60.0 * 60},
}

# --- Concierge follow-ups ----------------------------------------------------------------
# Follow-ups fall inside these hours on these days, in each prospect's own time zone.
try:
    from concierge.scheduling import parse_working_days, parse_working_hours

    CONCIERGE_WORKING_HOURS = parse_working_hours(env_str("WORKING_HOURS", "9-17"))
    CONCIERGE_WORKING_DAYS = parse_working_days(env_str("WORKING_DAYS", "mon,tue,wed,thu,fri"))
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from None
DIGEST_HOUR = env_int("DIGEST_HOUR", 8)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- REST API (api/, README "The REST API") ---------------------------------------------
# Personal access tokens only (no session auth: a browser's cookie is not an integration's
# credential, and no CSRF question arises); every error in one JSON shape; cursor pages;
# rates counted in the cache (Redis with CACHE_URL, shared by every process).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.PersonalTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.IdCursorPagination",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env_str("API_RATE_LIMIT", "600/min")},
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Empathy CRM API",
    "DESCRIPTION": "Prospects, accounts, conversations, engagements, opportunities, "
    "follow-ups and empathy maps, scoped as the app scopes them for the token's user.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    # Its deploy check would list enum naming collisions (cosmetic names of choice sets in the
    # schema, e.g. two kinds of "status"), turning `check --deploy` noisy; the schema is
    # generated and validated in tests/api instead.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
}

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"refusals": {"()": "empathy_crm.logs.RefusalsWithoutTraceback"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["refusals"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own messages once, through our handler (its default config would also
        # print them on a console of its own while DEBUG is on, traceback and all).
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
    },
}
