"""DutySchool settings: one module, every deployment difference comes from the environment.

Defaults run the embedded demo (SQLite, filesystem broker under ``var/``). Production sets
``DATABASE_URL`` (PostgreSQL), ``CELERY_BROKER_URL`` (Redis), ``SECRET_KEY``, ``DEBUG=0`` and
``ALLOWED_HOSTS``; see README.md for the full list.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from dutyschool.env import env_bool, env_int, env_list, env_str, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("DUTYSCHOOL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
_INSECURE_KEY = "insecure-dev-key-only-for-the-embedded-demo-and-tests-0123456789"
SECRET_KEY = env_str("SECRET_KEY", _INSECURE_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
# Visitor ID numbers (logbook/crypto.py): Fernet keys, comma-separated (the first encrypts, all
# decrypt; rotate with `manage.py rotate_visitor_keys`), and a separate key for the keyed-HMAC
# "visited before" lookup. With DEBUG on, unset keys are derived from SECRET_KEY.
VISITOR_ID_KEYS = env_list("VISITOR_ID_KEYS", [])
VISITOR_LOOKUP_KEY = env_str("VISITOR_LOOKUP_KEY", "")
if not DEBUG and not (VISITOR_ID_KEYS and VISITOR_LOOKUP_KEY):
    raise ImproperlyConfigured(
        "VISITOR_ID_KEYS and VISITOR_LOOKUP_KEY must be set when DEBUG is off."
    )
# A handover the next shift has not accepted this many minutes after it started goes to the leader.
HANDOVER_ACK_MINUTES = env_int("HANDOVER_ACK_MINUTES", 30)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "staff",
    "notifications",
    "roster",
    "logbook",
    "incidents",
    "assessment",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dutyschool.logs.RequestIdMiddleware",
    # Static files straight from the web process: compressed, hashed, cached for a year.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "staff.sessions.SessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Axes must be last: it turns a lockout raised by the backend into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dutyschool.urls"
WSGI_APPLICATION = "dutyschool.wsgi.application"
ASGI_APPLICATION = "dutyschool.asgi.application"

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
                "django.template.context_processors.i18n",
                "staff.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": parse_database_url(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'dutyschool.sqlite3'}"), base_dir=BASE_DIR
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "staff.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: a shared duty-room computer must not stay logged in for days.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 16 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Logged out after this long without a click (the inbox badge's polling does not count), and
# this long after logging in whatever happens: 16 h covers a 17:00 → 08:00 night shift.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 2 * 3600)
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_TIMEOUT", 16 * 3600)
SESSION_PASSIVE_URL_NAMES = frozenset({"notifications:badge"})

# Brute force: lock a (username, IP) pair, never a username alone, so nobody can lock a teacher
# out from elsewhere by guessing wrong passwords in their name.
# Five wrong passwords show the normal error; the sixth failure locks the pair for a while.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 6)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# HTTPS: on by default in production; the embedded demo and the test servers speak plain HTTP.
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
# Load balancers probe over plain HTTP on the private side.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy: no inline script or style anywhere; all assets are vendored.
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
    },
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Input formats with ISO dates first in Chinese too, so date inputs show their values.
FORMAT_MODULE_PATH = ["dutyschool.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
# Production serves collected, hashed and pre-compressed files (collectstatic runs in the
# release step); development and the test suite read the source files directly.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploads (staff lists, later photos) are bounded: a runaway request must not fill memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "DutySchool <dutyschool@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery. The embedded default is kombu's filesystem transport (no server); production and the
# tests use Redis. Task due times live in the database (see notifications), so the broker is a
# fast path, never the only record of work.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # A task not acknowledged by a dead worker is redelivered after this many seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 300),
        # A request publishing a task must not hang on an unreachable Redis.
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# The worker logs through Django's LOGGING (JSON lines with request ids), not its own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fix-up closes the database connection around every task unless told to
# reuse it; a new PostgreSQL connection per notice costs more than the delivery itself.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Beat runs in UTC with interval schedules: crontabs misbehave across DST changes.
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "scheduler-heartbeat": {
        "task": "notifications.tasks.record_heartbeat",
        "schedule": float(env_int("HEARTBEAT_SECONDS", 60)),
        "args": ("beat",),
    },
    # Due notices live in database rows; this sweep sends whatever the fast path missed.
    "sweep-notices": {
        "task": "notifications.tasks.sweep_notices",
        "schedule": float(env_int("SWEEP_SECONDS", 30)),
    },
    # Escalation steps are due times in database rows; this advances the due ones.
    "advance-escalations": {
        "task": "notifications.tasks.advance_escalations",
        "schedule": float(env_int("ESCALATION_SECONDS", 15)),
    },
    # Checks that nothing due is overdue and records the heartbeat the status page watches.
    "audit-pipeline": {
        "task": "notifications.tasks.audit_pipeline",
        "schedule": float(env_int("AUDIT_SECONDS", 60)),
    },
    # Auto-generation runs whose task was lost are re-published; dead ones are failed.
    "recover-solve-jobs": {
        "task": "roster.tasks.recover_solve_jobs",
        "schedule": 60.0,
    },
    # Hourly; notices are keyed per school and day, so each office is told once a day.
    "notify-missed-checkins": {
        "task": "roster.tasks.notify_missed_checkins",
        "schedule": 600.0,
    },
    "warn-unpublished-rosters": {
        "task": "roster.tasks.warn_unpublished",
        "schedule": 3600.0,
    },
    # Duty logs not submitted by the end of their shift: the author, then the leader (idempotent).
    "notify-unsubmitted-logs": {
        "task": "logbook.tasks.notify_unsubmitted_logs",
        "schedule": 300.0,
    },
    # Visitor personal data past the school's retention period is erased (rows kept for counts).
    "purge-visitors": {
        "task": "logbook.tasks.purge_visitors",
        "schedule": 3600.0,
    },
    # Handovers not accepted HANDOVER_ACK_MINUTES after the next shift began go to the leader.
    "flag-unacknowledged-handovers": {
        "task": "logbook.tasks.flag_unacknowledged_handovers",
        "schedule": 300.0,
    },
    # In a bureau's reporting period: warn schools whose daily report is not in 2 h before the
    # cut-off (keyed per school and day, so each school is told once).
    "warn-due-reports": {
        "task": "logbook.tasks.warn_due_reports",
        "schedule": 600.0,
    },
    # Open corrective actions past their due date: owner and principal told once per school day.
    "notify-overdue-incident-actions": {
        "task": "incidents.tasks_review.notify_overdue_actions",
        "schedule": 3600.0,
    },
    # Hazards past their due date and not fixed: the responsible person, later the office and
    # leaders (keyed per hazard per day, so each is told once a day).
    "notify-overdue-hazards": {
        "task": "logbook.tasks.notify_overdue_hazards",
        "schedule": 1800.0,
    },
    # Incident report-up clocks (初报/续报/终报): warn before a clock lapses, escalate when it does.
    "incident-report-clocks": {
        "task": "incidents.tasks.process_report_clocks",
        "schedule": 60.0,
    },
    # Month scores of the current and previous month recomputed (finalised months stay frozen).
    "recompute-month-scores": {
        "task": "assessment.tasks_record.recompute_month_scores",
        "schedule": float(env_int("SCORES_SECONDS", 3600)),
    },
    # Inspectors of tomorrow's planned monthly inspection, told once from 16:00 the day before.
    "remind-inspectors": {
        "task": "assessment.tasks_inspect.remind_inspectors",
        "schedule": 1800.0,
    },
}
# Optional external watcher (healthchecks.io style): GET on success, GET <url>/fail otherwise.
PIPELINE_PING_URL = env_str("PIPELINE_PING_URL", "")

# Logs: JSON lines in production (LOG_FORMAT=json), readable lines in development; every line
# carries the request id (dutyschool/logs.py), and secrets are masked.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'plain'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "dutyschool.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "dutyschool.logs.JsonFormatter"},
        "plain": {
            "()": "dutyschool.logs.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
