"""Settings of the example project: the package as a real project uses it.

Safe by default: ``DEBUG`` is off unless ``DJANGO_DEBUG=1`` (``make demo`` sets
it), and outside ``DEBUG`` the project refuses to start without a
``DJANGO_SECRET_KEY`` of its own: the key below is published, so it signs
tokens for the demo only. Outside ``DEBUG`` it also asks for HTTPS (redirect,
HSTS, secure cookies); ``DJANGO_HTTPS=0`` turns that off for a plain-HTTP
server on localhost (the test suite's). ``DATABASE_URL`` (for example
``postgres://postgres@127.0.0.1/test``) replaces the default SQLite database;
``DJANGO_ALLOWED_HOSTS`` (comma-separated) replaces the local host names.
"""

from __future__ import annotations

import os
from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path

import dj_database_url
import django
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
DEMO_SECRET_KEY = "demo-only-insecure-key-change-me-7f3b9c1e2d4a5b6c8e0f1a2b3c4d5e6f"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY (python -c 'import secrets; print(secrets.token_urlsafe(50))'): "
            "the demo key is public, so anyone could sign tokens for your users with it. "
            "For the demo, run `make demo` (it sets DJANGO_DEBUG=1)."
        )
    SECRET_KEY = DEMO_SECRET_KEY
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]

# Outside DEBUG: HTTPS only, as `manage.py check --deploy` asks.
HTTPS = not DEBUG and os.environ.get("DJANGO_HTTPS", "1") == "1"
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",  # logout/ of a single refresh token
    "django_twofactor",
    "accounts",
    "example",  # the demo page at / (templates/ and static/ of this package)
]

# The OpenAPI schema and docs need the openapi extra; the demo runs without.
OPENAPI = all(find_spec(name) for name in ("drf_spectacular", "drf_spectacular_sidecar"))
if OPENAPI:
    INSTALLED_APPS += ["drf_spectacular", "drf_spectacular_sidecar"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example.urls"
WSGI_APPLICATION = "example.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=0
    )
}
# MySQL/MariaDB: any character in a name, as on the other databases (Django
# before 5.2 connects with utf8mb3, three bytes at most: no emoji).
if DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    DATABASES["default"].setdefault("OPTIONS", {})["charset"] = "utf8mb4"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # SimpleJWT's JWTAuthentication, refusing tokens the account has outlived.
        "django_twofactor.authentication.TwoFactorJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "django_twofactor.permissions.IsTwoFactorAuthenticated",
    ],
    "DEFAULT_PARSER_CLASSES": ["django_twofactor.parsers.SafeJSONParser"],
    # JSON only, as the package's own views: no browsable API, so `Accept: text/html`
    # is a 406 the schema documents.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "django_twofactor.exceptions.exception_handler",
    # login/ declares the scope "twofactor_login": password guessing is slowed
    # per client address (the per-user code lockout is the package's own).
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "twofactor_login": os.environ.get("DJANGO_LOGIN_RATE", "20/minute"),
    },
}
if OPENAPI:
    REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "drf_spectacular.openapi.AutoSchema"

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
}

# OpenAPI schema at /api/schema/, Swagger UI at /api/docs/. The UI's assets are
# served from the sidecar app's static files: the docs work offline, no CDN.
SPECTACULAR_SETTINGS = {
    "TITLE": "django-twofactor demo API",
    "DESCRIPTION": (
        "TOTP two-factor authentication for a REST API with SimpleJWT. Log in at "
        "`/api/auth/login/`; with 2FA on, trade the pending token and a code for full "
        "tokens at `/api/auth/2fa/authenticate/`. Errors carry `detail` and a stable `code`."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

TWO_FACTOR = {
    "ISSUER_NAME": "django-twofactor demo",
    # Security keys: browsers take "localhost" as an RP ID over plain HTTP (not
    # 127.0.0.1: an IP address is never one), on whatever port the demo runs.
    "WEBAUTHN_RP_ID": os.environ.get("DJANGO_WEBAUTHN_RP_ID", "localhost"),
    "WEBAUTHN_ORIGINS": os.environ.get("DJANGO_WEBAUTHN_ORIGINS", "http://localhost:*").split(","),
    # Trusted devices (CONTRACT §15): "Trust this device" at the code step
    # skips the code at this browser's next logins for 30 days.
    "TRUSTED_DEVICE_LIFETIME": timedelta(days=30),
}

# Security notifications (CONTRACT §12): the demo prints each mail to the
# console; outside DEBUG they go to the SMTP server at EMAIL_HOST. A mail that
# cannot be sent is logged and never fails the request; EMAIL_TIMEOUT keeps a
# silent server from holding the request long.
_CONSOLE_MAIL = "django.core.mail.backends.console.EmailBackend"
_SMTP_MAIL = "django.core.mail.backends.smtp.EmailBackend"
_SMTP_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
if django.VERSION >= (6, 1):  # MAILERS replaces the EMAIL_* settings
    MAILERS = {
        "default": {"BACKEND": _CONSOLE_MAIL}
        if DEBUG
        else {"BACKEND": _SMTP_MAIL, "OPTIONS": {"host": _SMTP_HOST, "timeout": 10}}
    }
else:
    EMAIL_BACKEND = _CONSOLE_MAIL if DEBUG else _SMTP_MAIL
    EMAIL_HOST = _SMTP_HOST
    EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get(
    "DJANGO_DEFAULT_FROM_EMAIL", "django-twofactor demo <no-reply@example.com>"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django_twofactor": {"handlers": ["console"], "level": "INFO"}},
}
