"""Fixtures shared by the suite: users in each 2FA state, clients, codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import hypothesis
import pytest
import time_machine
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from django_twofactor import services
from django_twofactor.methods.totp import algorithm as totp

PASSWORD = "correct horse battery staple"
START = 1_800_000_000  # a time-step boundary (divisible by 30)

# Timing belongs in the benchmark, not in tests: no deadline per example and no
# health check that times data generation, so a busy CI machine fails nothing.
hypothesis.settings.register_profile(
    "twofactor", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
)
hypothesis.settings.load_profile("twofactor")


def code_at(secret: str, at: float) -> str:
    return totp.code_at(secret, totp.TotpParameters.from_settings(), at)


def wrong_code(secret: str, at: float | None = None) -> str:
    """A well-formed code that no step within three of ``at`` (default: now) produces."""
    params = totp.TotpParameters.from_settings()
    step = totp.time_step(params, at)
    near = {totp.code_for_step(secret, s, params) for s in range(step - 3, step + 4)}
    return next(c for c in (str(d) * params.digits for d in range(10)) if c not in near)


@dataclass
class Account:
    """A user and what a test needs to act as them."""

    user: Any
    secret: str = ""
    recovery_codes: list[str] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)

    def refresh(self) -> Any:
        self.user.refresh_from_db()
        return self.user


@pytest.fixture
def clock():
    """Time frozen at a step boundary; ``clock.shift(seconds)`` moves it."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def make_user(username: str = "alice") -> Any:
    return get_user_model().objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.com"
    )


def log_in(api: APIClient, username: str = "alice") -> dict[str, Any]:
    response = api.post(
        "/api/auth/login/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def plain(db, api, clock) -> Account:
    """2FA off, logged in: full tokens with ``amr == ["pwd"]``."""
    account = Account(make_user())
    account.tokens = log_in(api)
    return account


@pytest.fixture
def set_up(plain, clock) -> Account:
    """Generate called, turn-on not yet: a secret waits for its first code."""
    plain.secret = services.begin_setup(plain.user).secret
    return plain


@pytest.fixture
def enabled(set_up, api, clock) -> Account:
    """2FA on through the API; tokens carry ``mfa``. The turn-on step is used."""
    response = api.post(
        "/api/auth/2fa/turn-on/",
        {"code": code_at(set_up.secret, START)},
        format="json",
        **bearer(set_up.tokens["access"]),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    set_up.recovery_codes = body["recovery_codes"]
    set_up.tokens = {"access": body["access"], "refresh": body["refresh"]}
    clock.shift(30)  # the next code is of a fresh step
    set_up.refresh()
    return set_up


@pytest.fixture(autouse=True)
def _cheap_recovery_code_hashing(monkeypatch):
    """One PBKDF2 iteration in place of the production cost, as the suite's MD5
    password hasher: ``enabled`` alone makes ten codes per test.
    ``test_recovery_storage`` undoes it to pin the production default."""
    from django_twofactor.methods.recovery.codes import RecoveryCodeHasher

    monkeypatch.setattr(RecoveryCodeHasher, "iterations", 1)


@pytest.fixture
def keyed(plain, api, clock):
    """2FA on with one security key and nothing else: the first key turned it on."""
    from tests.webauthn_authenticator import SoftAuthenticator
    from tests.webauthn_helpers import KeyAccount, register

    authenticator = SoftAuthenticator()
    response = register(api, plain.tokens["access"], authenticator)
    assert response.status_code == 201, response.content
    body = response.json()
    plain.user.refresh_from_db()
    return KeyAccount(
        user=plain.user,
        authenticator=authenticator,
        key_id=body["id"],
        recovery_codes=body["recovery_codes"],
        tokens={"access": body["access"], "refresh": body["refresh"]},
    )


# Django 6.1 moves the EMAIL_* settings into MAILERS (the old ones warn, and
# warnings fail the suite); every Django the package supports gets the same mailer.
_EMAIL_SETTINGS = {
    "host": "EMAIL_HOST",
    "port": "EMAIL_PORT",
    "username": "EMAIL_HOST_USER",
    "password": "EMAIL_HOST_PASSWORD",
    "use_tls": "EMAIL_USE_TLS",
    "use_ssl": "EMAIL_USE_SSL",
    "timeout": "EMAIL_TIMEOUT",
}


def mailer(backend: str, **options: Any) -> dict[str, Any]:
    """``override_settings`` arguments for a default mailer of ``backend`` with ``options``."""
    import django

    if django.VERSION >= (6, 1):
        return {"MAILERS": {"default": {"BACKEND": backend, "OPTIONS": options}}}
    return {"EMAIL_BACKEND": backend, **{_EMAIL_SETTINGS[k]: v for k, v in options.items()}}
