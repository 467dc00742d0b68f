"""Test settings: the example project's, with fast password hashing.

``DATABASE_URL`` switches the database to PostgreSQL or MySQL/MariaDB, as in the example.
"""

import os
import tempfile
from pathlib import Path

# The example refuses to start outside DEBUG without a key of its own, and asks
# for HTTPS, which the test servers do not speak.
os.environ.setdefault(
    "DJANGO_SECRET_KEY", "tests-secret-key-that-is-long-enough-for-hkdf-0123456789abcdef"
)
os.environ.setdefault("DJANGO_HTTPS", "0")

from example.settings import *  # noqa: F403
from example.settings import DATABASES, REST_FRAMEWORK

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECRET_KEY = "tests-secret-key-that-is-long-enough-for-hkdf-0123456789abcdef"
LOGGING = {"version": 1, "disable_existing_loggers": False}
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
# Tests log in far more often than a person: the example's rate is tested on its own.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"twofactor_login": "100000/minute"},
}

# The live server (tests/test_browser.py, tests/test_live_server.py) answers
# each request in a thread of its own. Django's default in-memory SQLite test
# database makes all those threads share one connection, and two requests at
# once (the demo page sends two) then misuse it now and then: "bad parameter or
# other API misuse", a 500. A file gives each thread its own connection, as a
# real deployment has; one per process, so parallel runs never meet.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"django-twofactor-tests-{os.getpid()}.sqlite3")
    }
