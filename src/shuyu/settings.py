"""The one settings module. Everything configurable comes from `SHUYU_*` environment variables.

Defaults run the embedded set-up: SQLite (and later DuckDB and the vault) under `$SHUYU_DATA_DIR`
(default `./var`). Production (`SHUYU_PRODUCTION=1`) fails loudly when a secret is missing.
Debug pages are off unless `SHUYU_DEBUG=1`: a traceback can carry row values (R04.1), so even the demo
runs without them.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("SHUYU_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("SHUYU_DEBUG", "0") == "1"
PRODUCTION = os.environ.get("SHUYU_PRODUCTION", "0") == "1"


def _secret(name: str, filename: str) -> str:
    """A secret from the environment; outside production generated once into the data directory."""
    value = os.environ.get(name)
    if value:
        return value
    if PRODUCTION:
        raise RuntimeError(f"{name} must be set in production (SHUYU_PRODUCTION=1)")
    path = DATA_DIR / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret("SHUYU_SECRET_KEY", "secret_key")
# Key for hashing personal identifiers before they reach the ledger or logs (non-negotiable 5).
PII_HASH_KEY = _secret("SHUYU_PII_HASH_KEY", "pii_hash_key")

ALLOWED_HOSTS = os.environ.get("SHUYU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("SHUYU_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "shuyu.core",
    "shuyu.ledger",
    "shuyu.orgs",
    "shuyu.catalog",
    "shuyu.authorization",
    "shuyu.sandbox",
    "shuyu.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shuyu.web.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "shuyu.urls"
WSGI_APPLICATION = "shuyu.wsgi.application"

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
                "shuyu.web.context.actor",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'shuyu.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("SHUYU_DATABASE_URL", _default_db))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock at BEGIN, so concurrent writers queue instead of
    # failing mid-transaction; WAL lets readers proceed meanwhile. The ledger's gap-free sequence needs it.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # 等保 L3-CES1-01 (SEC-AUTH-1a): at least 3 of lower case, upper case, digits and symbols
    {"NAME": "shuyu.orgs.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise serves the vendored files through its finders; it wants the dir
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/agency/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# An idle session ends (SEC-AUTH-2): every request renews it, so it expires after this much inactivity.
SESSION_COOKIE_AGE = 60 * int(os.environ.get("SHUYU_SESSION_IDLE_MINUTES", "30"))
SESSION_SAVE_EVERY_REQUEST = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# shuyu's own settings; domain code reads them through shuyu.core.config, never at import time.
SHUYU = {
    "DATA_DIR": DATA_DIR,
    "LEDGER_KEY_PATH": Path(os.environ.get("SHUYU_LEDGER_KEY", DATA_DIR / "ledger_ed25519.pem")),
    "TOKEN_TTL_DAYS": int(os.environ.get("SHUYU_TOKEN_TTL_DAYS", "90")),
    # 等保 L3-CES1-02 (SEC-AUTH-2): lock a username after consecutive failed sign-ins, for a while
    "LOGIN_MAX_FAILURES": int(os.environ.get("SHUYU_LOGIN_MAX_FAILURES", "5")),
    "LOGIN_LOCK_MINUTES": int(os.environ.get("SHUYU_LOGIN_LOCK_MINUTES", "15")),
    "REVIEW_DEADLINE_WORKDAYS": int(os.environ.get("SHUYU_REVIEW_DEADLINE_WORKDAYS", "5")),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHUYU_LOG_LEVEL", "WARNING")},
}
