"""The one settings module. Every value comes from the environment (see README, «Настройки»)."""

import ipaddress
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from veche.env import env_bool, env_int, env_list, env_str

# Makes generic classes such as ModelAdmin[Model] subscriptable at run time, for mypy.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(
    env_str(
        "VECHE_VAR_DIR",
        str(BASE_DIR.parent.parent / "var"),
        "folder for the SQLite file and uploads",
    )
)
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)  # WhiteNoise expects it before collectstatic

DEBUG = env_bool("VECHE_DEBUG", False, "Django debug mode; never on in production")
SECRET_KEY = env_str(
    "VECHE_SECRET_KEY",
    "insecure-dev-key-change-me-in-production-0123456789",
    "Django secret key; set a long random value in production",
)
ALLOWED_HOSTS = env_list(
    "VECHE_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"], "host names served"
)
CSRF_TRUSTED_ORIGINS = env_list("VECHE_CSRF_TRUSTED_ORIGINS", [], "origins allowed to POST forms")

DATABASES = {
    "default": dj_database_url.parse(
        env_str(
            "DATABASE_URL",
            f"sqlite:///{VAR_DIR / 'veche.sqlite3'}",
            "database URL; SQLite file by default, postgres://… in production",
        ),
        conn_max_age=env_int(
            "VECHE_DB_CONN_MAX_AGE", 60, "seconds a database connection is reused"
        ),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the inbox read while an import writes; IMMEDIATE avoids lock upgrades later.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "ninja",
    "django_htmx",
    "huey.contrib.djhuey",
    "veche.org",
    "veche.catalog",
    "veche.cases",
    "veche.deadlines",
    "veche.problems",
    "veche.triage",
    "veche.intake",
    "veche.feedback",
    "veche.analytics",
    "veche.reports",
    "veche.monitoring",
    "veche.publishing",
    "veche.participation",
    "veche.privacy",
    "veche.ops",
    "veche.web",
    "veche.demo",
]

MIDDLEWARE = [
    # Request id and the access log line (ops/middleware.py), then the client address
    # behind a trusted reverse proxy: before everything that reads either.
    "veche.ops.middleware.RequestContextMiddleware",
    "veche.ops.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "veche.web.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "veche.web.middleware.MunicipalityTimezoneMiddleware",
    "veche.web.outages.DatabaseOutageMiddleware",
]

ROOT_URLCONF = "veche.urls"
WSGI_APPLICATION = "veche.wsgi.application"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "cases:inbox"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "veche.deadlines.context_processors.notifications",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
# Stored in UTC; shown in the municipality's zone (web.middleware activates it per request).
TIME_ZONE = env_str(
    "VECHE_DEFAULT_TIME_ZONE", "Europe/Moscow", "zone used when a user has no municipality"
)
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploads live outside the web root and are served only through access-checked views.
MEDIA_ROOT = VAR_DIR / "uploads"
MEDIA_URL = "/uploads/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
VECHE_MAX_ATTACHMENT_BYTES = (
    env_int("VECHE_MAX_ATTACHMENT_MB", 20, "largest file a citizen may attach, MB") * 2**20
)
# Uploaded import files (ПОС / ИМ exports) may be large; they are streamed to disk.
VECHE_MAX_IMPORT_BYTES = (
    env_int("VECHE_MAX_IMPORT_MB", 300, "largest export file an officer may upload, MB") * 2**20
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

SESSION_COOKIE_AGE = env_int("VECHE_SESSION_SECONDS", 8 * 3600, "session lifetime in seconds")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("VECHE_SECURE_COOKIES", False, "send cookies over HTTPS only")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# htmx sends the token from the page (hx-headers in web/base.html), never reads the cookie.
CSRF_COOKIE_HTTPONLY = True
# Login lockout (web/login_guard.py): counters in the shared cache.
VECHE_LOGIN_ATTEMPTS = env_int(
    "VECHE_LOGIN_ATTEMPTS", 5, "failed logins for one username before it is locked"
)
VECHE_LOGIN_LOCK_MINUTES = env_int(
    "VECHE_LOGIN_LOCK_MINUTES", 15, "window of counted failed logins and length of the lock, min"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Logs go to stderr (journald or the container log collects them): plain text, or one JSON
# object a line with the request id (ops/logs.py). Access lines: the logger "veche.request".
VECHE_LOG_FORMAT = env_str(
    "VECHE_LOG_FORMAT", "text", "log format: text or json (one object a line)"
).strip()
if VECHE_LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"VECHE_LOG_FORMAT: expected text or json, not {VECHE_LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "veche.ops.logs.RequestContextFilter"}},
    "formatters": {
        "text": {"()": "veche.ops.logs.TextFormatter"},
        "json": {"()": "veche.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": VECHE_LOG_FORMAT,
            "filters": ["request"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("VECHE_LOG_LEVEL", "INFO", "log level")},
    # The access line (URL pattern, no token) replaces Django's warnings about 4xx, which
    # print the raw path: a citizen's status link carries its token there. 5xx still log.
    "loggers": {"django.request": {"level": "ERROR"}},
}
# The reverse proxies whose X-Forwarded-For is believed (ops/middleware.py): addresses or
# networks; empty: REMOTE_ADDR is the peer, as when nothing stands in front of Veche.
VECHE_TRUSTED_PROXIES = env_list(
    "VECHE_TRUSTED_PROXIES",
    [],
    "reverse proxy addresses/networks whose X-Forwarded-For gives the client address",
)
# /metrics (Prometheus): from these addresses, or with this bearer token; else 404.
VECHE_METRICS_ALLOW = env_list(
    "VECHE_METRICS_ALLOW", ["127.0.0.1", "::1"], "addresses/networks allowed to read /metrics"
)
VECHE_METRICS_TOKEN = env_str(
    "VECHE_METRICS_TOKEN", "", "bearer token that opens /metrics from any address; empty: none"
)
for _name, _items in [
    ("VECHE_TRUSTED_PROXIES", VECHE_TRUSTED_PROXIES),
    ("VECHE_METRICS_ALLOW", VECHE_METRICS_ALLOW),
]:
    for _item in _items:
        try:
            ipaddress.ip_network(_item, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"{_name}: not an address or network: {_item!r}") from None
VECHE_BACKUP_DIR = Path(
    env_str(
        "VECHE_BACKUP_DIR",
        str(VAR_DIR / "backups"),
        "folder where `veche backup` puts archives by default (keep it on another disk)",
    )
)

# Background jobs (huey). Embedded by default: a SQLite file beside the database, run by
# `veche run_huey`; with VECHE_REDIS_URL set, Redis, so that many consumers can share it.
REDIS_URL = env_str("VECHE_REDIS_URL", "", "Redis URL for the task queue; empty: embedded SQLite")
HUEY: dict[str, object] = {
    "name": "veche",
    "immediate": env_bool(
        "VECHE_TASKS_IMMEDIATE", False, "run background jobs at once, in the web process"
    ),
    "utc": True,
    "consumer": {"workers": env_int("VECHE_TASK_WORKERS", 2, "task consumer threads")},
}
if REDIS_URL:
    HUEY |= {"huey_class": "huey.RedisHuey", "url": REDIS_URL}
else:
    HUEY |= {"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "tasks.sqlite3")}

# Reminders of deadlines (deadlines/reminders.py, digests.py): one digest a day per person, at
# this hour of the municipality's local time or the first hourly run after it; staff mail
# goes through Django's mail (SMTP below), staff Telegram through the installation's staff bot.
VECHE_DIGEST_HOUR = env_int(
    "VECHE_DIGEST_HOUR", 8, "local hour (0–23) after which the daily deadline digest is sent"
)
# Poll confirmation codes by SMS (participation/sms.py): no real gateway ships; «console»
# writes the code to the log, «memory» keeps it for the tests.
VECHE_SMS_GATEWAY = env_str(
    "VECHE_SMS_GATEWAY", "console", "SMS gateway for poll codes: console (log) or memory (tests)"
)
VECHE_STAFF_TELEGRAM_TOKEN = env_str(
    "VECHE_STAFF_TELEGRAM_TOKEN", "", "token of the staff bot for deadline digests; empty: none"
)
VECHE_STAFF_TELEGRAM_API_URL = env_str(
    "VECHE_STAFF_TELEGRAM_API_URL",
    "https://api.telegram.org",
    "Bot API server of the staff bot (a local Bot API server in a closed network)",
)
EMAIL_HOST = env_str("VECHE_EMAIL_HOST", "localhost", "SMTP server for staff mail (digests)")
EMAIL_PORT = env_int("VECHE_EMAIL_PORT", 25, "port of the SMTP server for staff mail")
EMAIL_HOST_USER = env_str("VECHE_EMAIL_USER", "", "SMTP login for staff mail; empty: none")
EMAIL_HOST_PASSWORD = env_str("VECHE_EMAIL_PASSWORD", "", "SMTP password for staff mail")
EMAIL_USE_TLS = env_bool("VECHE_EMAIL_TLS", False, "STARTTLS to the SMTP server for staff mail")
DEFAULT_FROM_EMAIL = env_str("VECHE_EMAIL_FROM", "veche@localhost", "sender of staff mail")
EMAIL_TIMEOUT = 30

# Shared across processes: Redis when configured, else files beside the database. Holds rate
# limits of the public form, so a per-process memory cache would not do.
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Maps: tiles from a configurable server (a local one in closed networks), never a CDN script.
MAP_TILE_URL = env_str(
    "VECHE_MAP_TILE_URL",
    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "map tile URL template ({z}/{x}/{y}); a local tile server in a closed network",
)
MAP_ATTRIBUTION = env_str(
    "VECHE_MAP_ATTRIBUTION", "© участники OpenStreetMap", "attribution shown on maps"
)
# Triage: up to this many new cases are analysed at once in the request; more (an import)
# go to the task queue.
VECHE_TRIAGE_INLINE = env_int(
    "VECHE_TRIAGE_INLINE", 10, "new cases analysed in the request; more go to the task queue"
)
# The public form: at most this many messages per hour from one address.
PUBLIC_FORM_PER_HOUR = env_int(
    "VECHE_PUBLIC_FORM_PER_HOUR", 5, "messages per hour the public form takes from one IP"
)
# Links sent to citizens (the rating link under an answer) are absolute: the address where
# citizens reach Veche's public pages, without a trailing slash.
VECHE_PUBLIC_URL = env_str(
    "VECHE_PUBLIC_URL",
    "http://localhost:8000",
    "address of the public pages in links sent to citizens (https://обращения.example.ru)",
).rstrip("/")
