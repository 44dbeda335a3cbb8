"""Settings of the portal, read from the environment (twelve-factor).

Every variable is listed in the README's configuration table. Development
(`make run`) sets DEBUG=1 and uses the embedded SQLite database under var/;
production sets DEBUG off, a real SECRET_KEY and DATABASE_URL to PostgreSQL.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
# The test run gets a throwaway key; the web server and workers never do.
TESTING = env.bool("PORTAL_TESTING", default="pytest" in sys.modules)

_DEV_SECRET_KEY = "dev-only-insecure-key-for-make-run-and-tests-never-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off the portal refuses to start "
            "without a real secret key (50+ random characters)."
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (
    SECRET_KEY == _DEV_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use 50+ random characters."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip(
    "/"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "treebeard",
    "simple_history",
    "axes",
    "django_htmx",
    "portal",
    "portal.jobs",
    "committees",
    "congresses",
    "awards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# ---------------------------------------------------------------- database
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")
}
# Persistent connections: measured 1,642 requests/s against 228 without.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: compiling the long eligibility and badge statements took
    # seconds and saved nothing; and index reads priced as what they are on
    # SSDs and cached data (PostgreSQL's default of 4 prefers scanning whole
    # tables). Measured in bench/RESULTS.md.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", env.str("PG_OPTIONS", default="-c jit=off -c random_page_cost=1.1")
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A shared cache (Redis in production, e.g. redis://127.0.0.1:6379/1) makes
# per-address limits hold across all web processes; locmem is per process.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# ---------------------------------------------------------------- users
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with a user's permissions read in one query.
    "portal.auth_backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Lock an account (user name and address) after repeated failed logins.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# ---------------------------------------------------------------- language, time
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["portal.formats"]

# ---------------------------------------------------------------- static files
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not (DEBUG or TESTING)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Tests and runserver serve static files straight from the finders.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# ---------------------------------------------------------------- email
if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Cổng thông tin Tỉnh ủy <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Reminder digests: 5 tries, waiting 4, 8, 16 then 32 minutes (about an
# hour); a claim older than NOTICE_CLAIM_TIMEOUT_SECONDS is taken over.
NOTICE_MAX_ATTEMPTS = env.int("NOTICE_MAX_ATTEMPTS", default=5)
NOTICE_RETRY_BASE_SECONDS = env.float("NOTICE_RETRY_BASE_SECONDS", default=240)
NOTICE_CLAIM_TIMEOUT_SECONDS = env.int("NOTICE_CLAIM_TIMEOUT_SECONDS", default=600)
NOTICE_REQUEUE_AFTER_SECONDS = env.int("NOTICE_REQUEUE_AFTER_SECONDS", default=60)

# ---------------------------------------------------------------- celery
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Unacknowledged messages (acks late) come back to the queue after this many
# seconds; it must exceed the longest retry countdown (see NOTICE_RETRY_*).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # A web request that enqueues must not hang on an unreachable Redis.
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
}
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Deadline reminders: the sweep writes notices (an outbox) and enqueues
# the digests; see congresses/reminders.py and portal/notices.py.
REMINDER_SWEEP_MINUTES = env.int("REMINDER_SWEEP_MINUTES", default=15)
CELERY_BEAT_SCHEDULE: dict = {
    "sweep-reminders": {
        "task": "congresses.tasks.sweep_reminders",
        "schedule": timedelta(minutes=REMINDER_SWEEP_MINUTES),
    },
    # Background jobs: hand over again those the broker never got, and
    # delete result files past JOB_FILE_KEEP_DAYS (see portal/jobs/).
    "sweep-jobs": {
        "task": "jobs.sweep_jobs",
        "schedule": timedelta(minutes=5),
    },
    # Membership badges: a daily digest item to each grassroots
    # organization's Emulation staff BADGE_REMINDER_DAYS before an occasion
    # (awards/reminders.py); missed days are caught up, nothing is sent twice.
    # The stored schedule problems (congresses/problems.py), in full: a
    # safety net under their refresh after every change.
    "refresh-schedule-problems": {
        "task": "congresses.tasks.refresh_schedule_problems",
        "schedule": timedelta(days=1),
    },
    "sweep-badge-reminders": {
        "task": "awards.tasks.sweep_badge_reminders",
        "schedule": timedelta(days=1),
    },
    # Transfers not accepted within 30 days of their letter: a digest item
    # to both sides' Organization board (committees/transfer_reminders.py).
    # The tree of a day at the national root starts from the nearest first
    # of a month counted ahead (committees/dated_tallies.py): count again
    # those a change dated back has reached; nothing to do most runs.
    "refresh-dated-tallies": {
        "task": "committees.tasks.refresh_dated_tallies",
        "schedule": timedelta(minutes=env.int("DATED_TALLY_MINUTES", default=15)),
    },
    "sweep-transfer-reminders": {
        "task": "committees.tasks.sweep_transfer_reminders",
        "schedule": timedelta(days=1),
    },
}

# ---------------------------------------------------------------- security
SESSION_COOKIE_HTTPONLY = True
# Sessions read from the cache (written through to the database): one query
# less on every page (the benchmark's 12-query budget, bench/RESULTS.md).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not TESTING)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not TESTING)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not TESTING)
    SECURE_HSTS_SECONDS = env.int(
        "SECURE_HSTS_SECONDS", default=0 if TESTING else 31536000
    )
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
        "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
    )
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        # fpdf2 subsets the certificate fonts with fontTools, which logs
        # every glyph at INFO.
        "fontTools": {"level": "WARNING"},
    },
}

# ---------------------------------------------------------------- jobs and exports
# A running job whose progress has not moved for this long lost its worker:
# the sweep hands it to another one.
JOB_STALE_SECONDS = env.int("JOB_STALE_SECONDS", default=600)
JOB_FILE_KEEP_DAYS = env.int("JOB_FILE_KEEP_DAYS", default=7)
# Member imports: files larger than IMPORT_MAX_MB are refused before they are
# read; more than IMPORT_SYNC_MAX_ROWS rows are checked and imported by a
# worker (with a progress bar) instead of inside the request.
IMPORT_MAX_MB = env.int("IMPORT_MAX_MB", default=30)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
IMPORT_SYNC_MAX_ROWS = env.int("IMPORT_SYNC_MAX_ROWS", default=5_000)
IMPORT_BATCH_SIZE = env.int("IMPORT_BATCH_SIZE", default=2_000)
IMPORT_KEEP_HOURS = env.int("IMPORT_KEEP_HOURS", default=24)
# Exports: CSV is always streamed; an .xlsx of more rows than this is built
# by a worker and downloaded from the job page.
EXPORT_SYNC_MAX_ROWS = env.int("EXPORT_SYNC_MAX_ROWS", default=20_000)
EXPORT_CHUNK_SIZE = env.int("EXPORT_CHUNK_SIZE", default=2_000)
# Uploads above 2.5 MB go to a temporary file, never into memory; other
# request bodies (forms) stay small.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# ---------------------------------------------------------------- awards
# Days before a national occasion (3/2, 19/5, 2/9, 7/11) on which grassroots
# Emulation staff are reminded of the members due a party membership badge.
BADGE_REMINDER_DAYS = env.int("BADGE_REMINDER_DAYS", default=30)
# The public certificate verification page: lookups per visitor address in a
# window of seconds (counted in the default cache), then 429.
VERIFY_RATE_LIMIT = env.int("VERIFY_RATE_LIMIT", default=20)
VERIFY_RATE_WINDOW_SECONDS = env.int("VERIFY_RATE_WINDOW_SECONDS", default=60)

# ---------------------------------------------------------------- portal
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo-2025")
PAGE_SIZE = env.int("PAGE_SIZE", default=50)
# The dashboard's figures are kept this long in the cache (per scope); 0 turns
# the cache off (the tests). See bench/RESULTS.md.
DASHBOARD_CACHE_SECONDS = env.int(
    "DASHBOARD_CACHE_SECONDS", default=0 if TESTING else 60
)
# The benchmark's bare "ok" view (bench/run.py); never on in production.
BENCH_VIEWS = env.bool("BENCH_VIEWS", default=False)
