"""Settings of the example project: the package as a real project uses it.

Not for production as they stand: ``DEBUG`` and the fallback ``SECRET_KEY`` are
for the demo. ``DATABASE_URL`` (for example ``postgres://postgres@127.0.0.1/test``)
replaces the default SQLite database.
"""

from __future__ import annotations

import os
from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "demo-only-insecure-key-change-me-7f3b9c1e2d4a5b6c8e0f1a2b3c4d5e6f"
)
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
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
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "django_twofactor.permissions.IsTwoFactorAuthenticated",
    ],
    "DEFAULT_PARSER_CLASSES": ["django_twofactor.parsers.SafeJSONParser"],
    "EXCEPTION_HANDLER": "django_twofactor.exceptions.exception_handler",
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
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django_twofactor": {"handlers": ["console"], "level": "INFO"}},
}
