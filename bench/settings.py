"""The example project's settings, as the benchmark runs them in-process.

Only what a measurement needs changes: a throwaway SQLite file (the path in
``BENCH_SQLITE_PATH``), ``DEBUG`` off as in production, the bench URLconf, quiet
logging, and an optional second database ``pg`` (``BENCH_PG_URL``) that the
concurrency part prepares users in. The password hasher stays Django's default
(PBKDF2), so login costs what it costs in production.
"""

from __future__ import annotations

import os

import dj_database_url

BENCH_KEY = "bench-secret-key-that-is-long-enough-for-hkdf-0123456789"
os.environ.setdefault("DJANGO_SECRET_KEY", BENCH_KEY)
os.environ.setdefault("DJANGO_HTTPS", "0")
os.environ.setdefault("DJANGO_LOGIN_RATE", "1000000/minute")

from example.settings import *  # noqa: E402, F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]  # Django's test client
ROOT_URLCONF = "bench.urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["BENCH_SQLITE_PATH"],
    }
}
if os.environ.get("BENCH_PG_URL"):
    DATABASES["pg"] = dj_database_url.parse(os.environ["BENCH_PG_URL"], conn_max_age=0)
LOGGING = {"version": 1, "disable_existing_loggers": False}
