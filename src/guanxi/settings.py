"""Guanxi settings: one module, configured by environment variables only.

Every variable is documented in docs/operations.md. Nothing secret and no
``DEBUG=True`` is committed: development defaults apply only when
``GUANXI_DEBUG=1`` (set by ``make run``) or under pytest.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("GUANXI_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


TESTING = "PYTEST_VERSION" in os.environ or "pytest" in sys.modules
DEBUG = env_bool("GUANXI_DEBUG", default=False)
DEVELOPMENT = DEBUG or TESTING

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEVELOPMENT:
        raise ImproperlyConfigured("SECRET_KEY must be set when GUANXI_DEBUG is not 1 (see docs/operations.md).")
    SECRET_KEY = "guanxi-development-only-not-secret-" + "x" * 32

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEVELOPMENT else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "huey.contrib.djhuey",
    "guanxi.core",
    "guanxi.accounts",
    "guanxi.customers",
    "guanxi.sales",
    "guanxi.contracts",
    "guanxi.dataio",
    "guanxi.insights",
    "guanxi.leads",
    "guanxi.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "guanxi.core.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "guanxi.accounts.middleware.UserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "guanxi.accounts.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "guanxi.core.middleware.IdempotencyMiddleware",
    "guanxi.core.middleware.DomainErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "guanxi.urls"
WSGI_APPLICATION = "guanxi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guanxi.web.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "guanxi.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}")


def database_config(url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0 if url.startswith("sqlite") else 60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # WAL for concurrent readers; FULL so an acknowledged write survives power loss.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; "
            "PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
        }
    else:
        config["CONN_HEALTH_CHECKS"] = True
    config["TEST"] = {"NAME": None}
    return config


DATABASES = {"default": database_config(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttling, rate limits) ---------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # Shared by all web workers of one machine; Redis when there are several machines.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Background work (Huey) -------------------------------------------------
if REDIS_URL:
    HUEY: dict[str, Any] = {"huey_class": "huey.RedisHuey", "name": "guanxi", "url": REDIS_URL, "immediate": False}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "guanxi",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
    }
HUEY["immediate"] = TESTING or env_bool("GUANXI_TASKS_IMMEDIATE")
HUEY["consumer"] = {"workers": int(os.environ.get("GUANXI_WORKERS", "2")), "worker_type": "thread"}

# --- Authentication ---------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "guanxi.accounts.backends.UsernameOrEmailBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = int(os.environ.get("GUANXI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = env_bool("GUANXI_AXES_ENABLED", default=True)
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "Guanxi"

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = os.environ.get("GUANXI_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("GUANXI_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "guanxi_language"
LANGUAGE_COOKIE_SECURE = not DEVELOPMENT
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
GUANXI_DEFAULT_REGION = os.environ.get("GUANXI_PHONE_REGION", "CN")
GUANXI_DEFAULT_CURRENCY = os.environ.get("GUANXI_CURRENCY", "CNY")

# --- Static files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("GUANXI_STATIC_ROOT", PROJECT_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEVELOPMENT:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("GUANXI_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("GUANXI_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("GUANXI_HSTS_PRELOAD", default=True)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- API --------------------------------------------------------------------
# Request bodies above this size are refused with 413 before anything is parsed.
GUANXI_MAX_REQUEST_BYTES = int(os.environ.get("GUANXI_MAX_REQUEST_BYTES", str(2 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = GUANXI_MAX_REQUEST_BYTES
GUANXI_TOKEN_RATE = os.environ.get("GUANXI_TOKEN_RATE", "1200/m")
GUANXI_ANON_RATE = os.environ.get("GUANXI_ANON_RATE", "60/m")
GUANXI_LEAD_FORM_RATE = os.environ.get("GUANXI_LEAD_FORM_RATE", "10/h")  # per public lead form and client IP
GUANXI_IDEMPOTENCY_HOURS = 24
NINJA_PAGINATION_MAX_LIMIT = 200

# --- Import and export (docs/import-export.md) ----------------------------------
# Uploaded files live here, never under a served path; downloads go through permission checks.
GUANXI_IMPORT_DIR = Path(os.environ.get("GUANXI_IMPORT_DIR", VAR_DIR / "imports"))
GUANXI_IMPORT_MAX_BYTES = int(os.environ.get("GUANXI_IMPORT_MAX_BYTES", str(20 * 1000 * 1000)))
GUANXI_IMPORT_MAX_ROWS = int(os.environ.get("GUANXI_IMPORT_MAX_ROWS", "200000"))
GUANXI_IMPORT_MAX_XLSX_BYTES = 500 * 1000 * 1000  # declared unpacked size of an xlsx (zip bombs)
GUANXI_IMPORT_CHUNK = int(os.environ.get("GUANXI_IMPORT_CHUNK", "500"))  # rows per transaction
# A running import whose worker has not reported for this long is resumed by another worker.
GUANXI_IMPORT_STALE_SECONDS = int(os.environ.get("GUANXI_IMPORT_STALE_SECONDS", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GUANXI_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # Huey installs its own handler; not propagating keeps each line from printing twice.
        "huey": {"level": "WARNING" if TESTING else "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
    },
}
