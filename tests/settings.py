"""Test settings: the example project's, with fast password hashing.

``DATABASE_URL`` switches the database to PostgreSQL, as in the example.
"""

from example.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECRET_KEY = "tests-secret-key-that-is-long-enough-for-hkdf-0123456789abcdef"
LOGGING = {"version": 1, "disable_existing_loggers": False}
