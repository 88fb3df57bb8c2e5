"""The one settings module of sotong. Everything that differs between installs comes from the
environment; `docs/deploy.md` lists every variable. Bad values fail loudly at start-up."""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent  # src/sotong
PROJECT_DIR = BASE_DIR.parent.parent  # the checkout
VAR_DIR = Path(os.environ.get("SOTONG_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# "production" turns on every safety that a real install needs (second factor for staff that cannot
# be skipped, secure cookies, JSON logs, no debug). Anything else is a development or demo install.
SOTONG_ENV = os.environ.get("SOTONG_ENV", "development")
if SOTONG_ENV not in {"development", "demo", "test", "production"}:
    raise ImproperlyConfigured("SOTONG_ENV must be development, demo, test or production")
PRODUCTION = SOTONG_ENV == "production"


def install_secret(name: str) -> str:
    """The secret of the environment variable `name`. Production refuses to start without it.
    Elsewhere a missing secret is made at random, never taken from the code (a key in the code
    lets anyone sign links for any install): a development or demo install makes it once and
    keeps it in VAR_DIR/secrets/<name> (mode 0600), so that restarts and every process of the
    install (web, workers, manage.py) share it; a test run keeps its own in the environment,
    which the processes it starts inherit. Any such value is a url-safe base64 of 32 random
    bytes, valid as a Fernet key too."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set in production")
    made = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    if SOTONG_ENV == "test":
        return os.environ.setdefault(name, made)
    folder = VAR_DIR / "secrets"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        # Written whole to a private temporary file, then linked in place: a link never replaces
        # an existing file, so of two processes starting at once the first link wins and both
        # read its value; nobody ever reads a half-written file.
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
        try:
            with os.fdopen(handle, "w") as file:
                file.write(made + "\n")
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    value = path.read_text().strip()
    if not value:
        raise ImproperlyConfigured(f"{path} is empty: delete it to make a new {name}")
    return value


DEBUG = env_bool("DJANGO_DEBUG", default=SOTONG_ENV == "development")
SECRET_KEY = install_secret("DJANGO_SECRET_KEY")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SOTONG_SITE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # Before allauth: it overrides allauth's templates (account/, mfa/, socialaccount/, allauth/).
    "sotong.accounts",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.kakao",
    "allauth.socialaccount.providers.naver",
    "allauth.socialaccount.providers.google",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "django_tasks_rq",
    "django_rq",
    "sotong.core",
    "sotong.core.audit",
    "sotong.core.privacy",
    "sotong.core.files",
    "sotong.core.search",
    "sotong.org",
    "sotong.guide",
    "sotong.helpdesk",
    "sotong.notify",
    "sotong.petitions",
    "sotong.demo",
]

MIDDLEWARE = [
    # The request id must exist before anything logs, so its middleware goes first.
    "sotong.core.middleware.RequestIdMiddleware",
    "sotong.core.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "sotong.core.middleware.NulCharacterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "sotong.api.ApiErrorShapeMiddleware",
    # Paths of LEAN_PATH_PREFIXES jump from here to LeanPathEnd: what lies between is for a
    # person's browser. Machine clients (Open311 with its api_key, the anonymous JSON API) use no
    # session, messages, login, CSRF cookie (their views are csrf_exempt; ninja checks CSRF
    # itself only for cookie authentication, which no endpoint uses) or language cookie.
    "sotong.core.middleware.LeanPathMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "sotong.accounts.middleware.StaffSecondFactorMiddleware",
    "sotong.accounts.middleware.PreferredLanguageMiddleware",
    "sotong.core.middleware.LeanPathEnd",
]
LEAN_PATH_PREFIXES = ("/open311/", "/api/")

ROOT_URLCONF = "sotong.urls"
WSGI_APPLICATION = "sotong.wsgi.application"
ASGI_APPLICATION = "sotong.asgi.application"

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
                "sotong.core.context_processors.site",
                "sotong.org.context_processors.current_organization",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
# SQLite under var/ is the embedded default; DATABASE_URL selects PostgreSQL (or another SQLite).
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "SOTONG_DB_SERVER_SIDE_BINDING", False
    ):
        # psycopg 3 binds parameters on the server and prepares a statement after it has run
        # `prepare_threshold` times on a connection (docs/deploy.md, section 2).
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {
                "server_side_binding": True,
                "prepare_threshold": int(os.environ.get("SOTONG_DB_PREPARE_THRESHOLD", "5")),
            }
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "sotong.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker read while the other writes; IMMEDIATE makes a
    # writing transaction take its lock at BEGIN, so two writers queue instead of deadlocking.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # The busy timeout first, so that it covers the switch to WAL too (a second process
            # opening the file while the first switches would otherwise fail at once, "database
            # is locked").
            "init_command": (
                "PRAGMA busy_timeout=10000; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SOTONG_TEST_SQLITE") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ----------------------------------------------------------------------------------
# REDIS_URL is the task queue's Redis (SOTONG_TASK_BACKEND=rq); SOTONG_CACHE=redis puts the cache
# on SOTONG_CACHE_URL, another database by default. A cache may evict keys, a queue must never lose
# one: docs/deploy.md says how to run the two on one Redis server or on two.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
SOTONG_CACHE = os.environ.get("SOTONG_CACHE", "db")
if SOTONG_CACHE == "redis":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("SOTONG_CACHE_URL", "redis://127.0.0.1:6379/1"),
            "KEY_PREFIX": "sotong",
            # A cache that does not answer within 2 s is an error, not a hung request.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    # Sessions stay in the database (they must survive a cache flush) and are read through the
    # cache, so that many web processes share them without a query per request.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif SOTONG_CACHE == "db":
    # Database cache: shared by every process of a one-machine install (login rate limits must hold
    # across gunicorn workers), with no extra service to run. Its table comes from
    # `manage.py createcachetable`.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "sotong_cache",
        }
    }
else:
    raise ImproperlyConfigured("SOTONG_CACHE must be db or redis")


# --- background tasks -----------------------------------------------------------------------
# "db" (default): django-tasks-db, worker `manage.py db_worker`. "rq": Redis through
# django-tasks-rq, worker `manage.py rqworker --job-class django_tasks_rq.Job --with-scheduler`.
# "immediate": runs in the caller (used by most tests; the backends themselves are tested with
# real workers). Code enqueues through `sotong.core.tasks.enqueue_on_commit`.
TASK_QUEUES = ["default", "notify", "search", "urgent"]
SOTONG_TASK_BACKEND = os.environ.get("SOTONG_TASK_BACKEND", "db")
_TASK_BACKENDS = {
    "db": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if SOTONG_TASK_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured("SOTONG_TASK_BACKEND must be db, rq or immediate")
TASKS = {
    "default": {"BACKEND": _TASK_BACKENDS[SOTONG_TASK_BACKEND], "QUEUES": TASK_QUEUES},
    # Named backends so that each can be used explicitly (health checks, tests) whatever the default.
    **{name: {"BACKEND": path, "QUEUES": TASK_QUEUES} for name, path in _TASK_BACKENDS.items()},
}
RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600} for name in TASK_QUEUES}


def env_seconds(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number of seconds, not {raw!r}")
    return int(raw)


# /healthz reports the queue "stalled" when a task has waited longer than this.
TASK_STALL_SECONDS = env_seconds("SOTONG_TASK_STALL_SECONDS", 300)
# /healthz sends a `ping` task through each queue at most this often (0: never), so that a dead
# worker shows within TASK_STALL_SECONDS even when no real work waits.
TASK_CANARY_SECONDS = env_seconds("SOTONG_TASK_CANARY_SECONDS", 120)

# --- accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "sotong.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "sotong.accounts.adapters.SocialAccountAdapter"
MFA_ADAPTER = "sotong.accounts.adapters.MFAAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_GET = False  # logout is a POST (with CSRF token), never a link
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_NOTIFICATIONS = True  # tell the owner by mail when password or e-mail changes
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[소통] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# allauth's own limits on login failures, signups, resets. They live in the cache, which is shared
# by every process (database cache by default, Redis when SOTONG_CACHE=redis). "key" is the
# e-mail typed in: the 6th wrong password for one account within 5 minutes is refused. The per-IP
# limit is looser because many residents can share one address (offices, mobile carriers' NAT).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "30/5m/ip,5/5m/key",
    "signup": "20/h/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    # Adding or changing an address sends mail: keep one account from mail-bombing others.
    "manage_email": "10/h/user",
}
# Behind a load balancer, the client's address is the n-th from the right in X-Forwarded-For;
# without this, every request would seem to come from the balancer and share one IP limit.
_PROXY_COUNT = os.environ.get("SOTONG_TRUSTED_PROXY_COUNT", "0")
if not _PROXY_COUNT.isdigit():
    raise ImproperlyConfigured("SOTONG_TRUSTED_PROXY_COUNT must be a whole number (0 = no proxy)")
ALLAUTH_TRUSTED_PROXY_COUNT = int(_PROXY_COUNT)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "sotong"
MFA_TOTP_TOLERANCE = 1  # accept the previous and next 30-second code: phone clocks drift
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # never join a social login to an account by e-mail
SOCIALACCOUNT_LOGIN_ON_GET = False  # starting a social login is a POST (with CSRF token)
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10

_SOCIAL_SCOPES = {
    "kakao": {"SCOPE": ["account_email", "profile_nickname"]},
    "naver": {},
    "google": {"SCOPE": ["openid", "email", "profile"], "AUTH_PARAMS": {"access_type": "online"}},
}


def _social_provider(name: str) -> dict | None:
    client_id = os.environ.get(f"SOTONG_{name.upper()}_CLIENT_ID")
    secret = os.environ.get(f"SOTONG_{name.upper()}_SECRET")
    if not client_id and not secret:
        return None
    if not client_id or not secret:
        raise ImproperlyConfigured(
            f"SOTONG_{name.upper()}_CLIENT_ID and SOTONG_{name.upper()}_SECRET must be set together"
        )
    return {**_SOCIAL_SCOPES[name], "APPS": [{"client_id": client_id, "secret": secret, "key": ""}]}


# Kakao, Naver and Google login are switched on by giving their client id and secret.
SOCIALACCOUNT_PROVIDERS = {
    name: conf for name in ("kakao", "naver", "google") if (conf := _social_provider(name))
}

# --- privacy --------------------------------------------------------------------------------
# Field encryption keys (Fernet, url-safe base64, 32 bytes), newest first; rotation = put a new
# key in front and run `manage.py privacy_rotate_keys`.
# Outside production, missing keys are made once under var/secrets/ (install_secret above).
FIELD_ENCRYPTION_KEYS = [
    key.strip() for key in install_secret("SOTONG_FIELD_ENCRYPTION_KEYS").split(",") if key.strip()
]
# Key of the keyed hashes that find a row by an encrypted value (subscriber e-mail and phone).
# Unlike the encryption keys it cannot be rotated in place: set it once per install.
FIELD_LOOKUP_KEY = install_secret("SOTONG_FIELD_LOOKUP_KEY")
# Keys encrypting backup files (url-safe base64 of 32 bytes), newest first; an old one stays
# listed until the last backup made with it is deleted (`manage.py backup_list`). Read only by
# the backup commands (sotong.core.backup): an install without it runs, its backups refuse.
BACKUP_KEYS = env_list("SOTONG_BACKUP_KEYS", [])

# --- petitions ------------------------------------------------------------------------------
# Seconds an Open311 worker keeps the api key, service, board and period of a POST
# (petitions/open311_directory.py): a revoked key or a changed service reaches every worker
# within this time.
OPEN311_DIRECTORY_TTL = float(os.environ.get("SOTONG_OPEN311_DIRECTORY_TTL", "5"))

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("한국어")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and SOTONG_ENV != "test"
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = SOTONG_ENV in {"development", "test"}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- e-mail ---------------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("SOTONG_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("SOTONG_SMTP_PORT", "1025"))
EMAIL_HOST_USER = os.environ.get("SOTONG_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SOTONG_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("SOTONG_SMTP_TLS", default=False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("SOTONG_FROM_EMAIL", "소통 <no-reply@sotong.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if os.environ.get("SOTONG_EMAIL_BACKEND"):
    EMAIL_BACKEND = os.environ["SOTONG_EMAIL_BACKEND"]
elif SOTONG_ENV == "demo":
    # The demo has no mail server: messages are written to var/mail so a visitor can read them.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- notifications (notify) -------------------------------------------------------------------
# Channel → transport class. E-mail goes through Django's SMTP settings above; SMS, LMS and
# KakaoTalk 알림톡 through an HTTP provider modelled on solapi's API v4 (docs/notify.md). The demo
# and the tests point SOTONG_SOLAPI_URL at the fake provider (`python -m sotong.notify.fakeprovider`).
NOTIFY_TRANSPORTS = {
    "email": "sotong.notify.transports.smtp.SmtpTransport",
    "sms": "sotong.notify.transports.solapi.SolapiTransport",
    "kakao": "sotong.notify.transports.solapi.SolapiTransport",
}
# Without a URL: the fake provider of the demo (scripts/demo.sh), on FAKE_PROVIDER_PORT.
SOLAPI_URL = os.environ.get("SOTONG_SOLAPI_URL") or (
    f"http://127.0.0.1:{os.environ.get('FAKE_PROVIDER_PORT') or 18090}"
)
SOLAPI_API_KEY = os.environ.get("SOTONG_SOLAPI_API_KEY", "NCSDEMOKEY0000000")
SOLAPI_API_SECRET = os.environ.get("SOTONG_SOLAPI_API_SECRET", "demo-secret")
# Registered sender number (발신번호) and KakaoTalk channel id (pfId) of the organisation.
SOLAPI_SENDER = os.environ.get("SOTONG_SOLAPI_SENDER", "0212345678")
SOLAPI_KAKAO_PF_ID = os.environ.get("SOTONG_SOLAPI_KAKAO_PF_ID", "KA01PF000000000000000000000000")
# Messages per second the provider accepts from us, across all workers (0 = no limit).
SOLAPI_RATE_PER_SECOND = int(os.environ.get("SOTONG_SOLAPI_RATE_PER_SECOND", "0"))
SOLAPI_TIMEOUT_SECONDS = float(os.environ.get("SOTONG_SOLAPI_TIMEOUT_SECONDS", "10"))
# Shared secret of the provider's webhooks (delivery reports, inbound SMS).
SOLAPI_WEBHOOK_SECRET = os.environ.get("SOTONG_SOLAPI_WEBHOOK_SECRET", "demo-webhook-secret")
if PRODUCTION and "demo" in (SOLAPI_API_SECRET + SOLAPI_WEBHOOK_SECRET):
    raise ImproperlyConfigured("set SOTONG_SOLAPI_API_SECRET and SOTONG_SOLAPI_WEBHOOK_SECRET")
# 080 number for free opt-out printed in promotional SMS (정보통신망법 제50조).
NOTIFY_OPT_OUT_PHONE = os.environ.get("SOTONG_NOTIFY_OPT_OUT_PHONE", "080-000-0000")
NOTIFY_BATCH_SIZE = int(os.environ.get("SOTONG_NOTIFY_BATCH_SIZE", "500"))
# A claimed delivery whose worker has not finished within this time is reclaimed.
NOTIFY_LEASE_SECONDS = int(os.environ.get("SOTONG_NOTIFY_LEASE_SECONDS", "120"))
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("SOTONG_NOTIFY_MAX_ATTEMPTS", "6"))
# A delivery task claims batches for this long, then hands over to a fresh task.
NOTIFY_TASK_TIME_BUDGET = float(os.environ.get("SOTONG_NOTIFY_TASK_TIME_BUDGET", "30"))
if NOTIFY_LEASE_SECONDS < 3 * SOLAPI_TIMEOUT_SECONDS:
    # Shorter, and another worker could reclaim (and resend) a batch still in flight.
    raise ImproperlyConfigured(
        "SOTONG_NOTIFY_LEASE_SECONDS must be at least 3 × SOTONG_SOLAPI_TIMEOUT_SECONDS"
    )

# --- security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SOTONG_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 31536000
    # Probes talk to gunicorn directly, without the proxy's X-Forwarded-Proto.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]

# Staff must pass a second factor (TOTP). Only a non-production install may relax this, and only
# through this explicit switch (used by some tests of unrelated pages).
SOTONG_STAFF_MFA_REQUIRED = PRODUCTION or env_bool("SOTONG_STAFF_MFA_REQUIRED", default=True)

# --- logging --------------------------------------------------------------------------------
# One handler on the root logger, so that every log line (ours, Django's, the workers') passes the
# personal-data filter and carries the request id. JSON lines in production for log shipping.
LOG_JSON = env_bool("SOTONG_LOG_JSON", default=PRODUCTION)
LOGGING_CONFIG = "sotong.core.logging.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "pii": {"()": "sotong.core.logging.PersonalDataFilter"},
        "request_id": {"()": "sotong.core.logging.RequestIdFilter"},
        "client_errors": {"()": "sotong.core.logging.ClientErrorFilter"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_JSON else "plain",
            # The request id is read from the record's request before masking turns it into text;
            # a client error's traceback is dropped before masking formats it.
            "filters": ["request_id", "client_errors", "pii"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("SOTONG_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers (console in DEBUG, mail to ADMINS) would bypass the filter.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
    },
}

# /metrics answers requests from this machine (not forwarded by a proxy) and requests carrying
# "Authorization: Bearer <SOTONG_METRICS_TOKEN>". PROMETHEUS_MULTIPROC_DIR (read by
# prometheus_client, set by gunicorn.conf.py) merges the counters of all gunicorn workers.
METRICS_TOKEN = os.environ.get("SOTONG_METRICS_TOKEN", "")

# --- files ---
# Largest upload accepted per kind of use (sotong.core.files.kinds), in MiB, e.g.
# SOTONG_UPLOAD_MAX_MB_DOCUMENTS=30. Uploads above FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary
# file, so large limits cost disk, not memory.
SOTONG_UPLOAD_MAX_SIZE = {
    kind: int(os.environ.get(f"SOTONG_UPLOAD_MAX_MB_{kind.upper()}", default_mib)) * 1024 * 1024
    for kind, default_mib in {"documents": 20, "images": 10, "attachments": 20}.items()
}

# --- tests ---
if SOTONG_ENV == "test":
    # WhiteNoise scans STATIC_ROOT at start-up and warns on every test client when it is missing.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    # Hashing every cast user's password with PBKDF2 dominated the suite's run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
