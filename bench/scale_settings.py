"""The example project's settings as the scale benchmark runs them in-process.

The database is the example's own (``DATABASE_URL``, set by ``bench/scale.py``
to the throwaway 10^6-user database; the 10^3 one is a copy of this entry
under another name), kept open between requests (Django's test client never
closes it), so every figure is the requests' own queries, not a connection's
set-up. Passwords use the MD5 hasher so that ``login/`` times the look-up,
not PBKDF2. ``DEBUG`` is off as in production; logging is quiet.
"""

from __future__ import annotations

import os

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "bench-secret-key-that-is-long-enough-for-hkdf-0123456789"
)
os.environ.setdefault("DJANGO_HTTPS", "0")
os.environ.setdefault("DJANGO_LOGIN_RATE", "1000000/minute")

from example.settings import *  # noqa: F403
from example.settings import DATABASES

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
DATABASES["default"]["CONN_MAX_AGE"] = None
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": False}
