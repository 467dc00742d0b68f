"""Helpers for the HTTP tests: URLs, token claims, codes, state snapshots."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from django_twofactor.methods.totp import algorithm as totp
from django_twofactor.models import RecoveryCode
from django_twofactor.tokens import full_tokens, pending_token
from tests.conftest import PASSWORD, bearer, wrong_code

LOGIN = "/api/auth/login/"
REFRESH = "/api/auth/refresh/"
LOGOUT = "/api/auth/logout/"
AUTHENTICATE = "/api/auth/2fa/authenticate/"
GENERATE = "/api/auth/2fa/generate/"
TURN_ON = "/api/auth/2fa/turn-on/"
TURN_OFF = "/api/auth/2fa/turn-off/"
STATUS = "/api/auth/2fa/"
RECOVERY_CODES = "/api/auth/2fa/recovery-codes/"
ME = "/api/me/"

# The user-row fields a 4xx must leave alone (the counter and lock may move).
STATE_FIELDS = (
    "two_factor_enabled",
    "two_factor_secret",
    "two_factor_last_step",
    "password",
    "last_login",
    "is_active",
)


def claims(token: str) -> dict[str, Any]:
    """The payload of a token, its signature checked with the test key."""
    return jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"])


def now_code(secret: str, offset: int = 0) -> str:
    """The code of the current step, or of a step ``offset`` steps away."""
    params = totp.TotpParameters.from_settings()
    return totp.code_for_step(secret, totp.time_step(params) + offset, params)


WRONG_RECOVERY_CODE = "aaaaa-bbbbb"
RECOVERY_CODE = re.compile(r"^[a-z2-7]{5}-[a-z2-7]{5}$")


def post_code(api: APIClient, url: str, token: str, code: Any) -> Any:
    return api.post(url, {"code": code}, format="json", **bearer(token))


def pending_login(api: APIClient, username: str = "alice") -> str:
    response = api.post(LOGIN, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["two_factor_required"] is True
    return str(response.json()["pending_token"])


def mfa_login(api: APIClient, secret: str, username: str = "alice") -> dict[str, str]:
    """Password then a fresh code: full tokens with ``mfa``. Moves on a step
    first so the code is never a replay of one a test just used."""
    pending = pending_login(api, username)
    response = post_code(api, AUTHENTICATE, pending, now_code(secret, offset=1))
    assert response.status_code == 200, response.content
    return dict(response.json())


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """A ``{"detail", "code"}`` JSON error body with the given status."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("detail"), str)
    assert body["detail"]
    assert isinstance(body.get("code"), str)
    if code is not None:
        assert body["code"] == code, body
    return dict(body)


def field_error(field: str, code: str, *messages: str) -> dict[str, Any]:
    """The exact body of a 400 on ``field`` alone: its messages, the first as ``detail``."""
    return {"detail": messages[0], "code": code, "errors": {field: list(messages)}}


def assert_validation_error(response: Any, fields: Collection[str]) -> dict[str, Any]:
    """A 400 in the package's one error shape: ``{"detail", "code", "errors"}``,
    ``errors`` DRF's messages for exactly ``fields``, ``detail`` and ``code``
    those of the first field's first error."""
    body = assert_error(response, 400)
    assert set(body) == {"detail", "code", "errors"}, body
    errors = body["errors"]
    assert set(errors) == set(fields), body
    for messages in errors.values():
        assert messages, body
        assert all(isinstance(m, str) and m for m in messages), body
    first = next(iter(errors))
    assert body["detail"] == errors[first][0], body
    assert body["code"] == response.data["errors"][first][0].code, body
    return body


def assert_field_error(response: Any, field: str, error_code: str) -> dict[str, Any]:
    """A 400 on ``field`` alone, with one error whose code is ``error_code``."""
    body = assert_validation_error(response, [field])
    assert body["code"] == error_code, body
    assert [e.code for e in response.data["errors"][field]] == [error_code]
    return body


def assert_code_error(response: Any, error_code: str) -> None:
    """A 400 on field ``code`` whose error code is ``error_code``."""
    assert_field_error(response, "code", error_code)


def assert_locked(response: Any, seconds: int | None = None) -> int:
    """429 with ``Retry-After`` in whole seconds; returns them."""
    assert_error(response, 429, "two_factor_locked")
    retry_after = response["Retry-After"]
    assert retry_after.isdigit(), retry_after
    if seconds is not None:
        assert int(retry_after) == seconds
    return int(retry_after)


def user_state(user: Any) -> dict[str, Any]:
    """What a 4xx must not change: the row's 2FA fields and the recovery codes."""
    row = get_user_model()._default_manager.values(*STATE_FIELDS).get(pk=user.pk)
    codes = list(
        RecoveryCode.objects.filter(user_id=user.pk)
        .order_by("pk")
        .values_list("pk", "code_hash", "used_at")
    )
    return {**row, "recovery_codes": codes}


def failures(user: Any) -> int:
    return int(
        get_user_model()
        ._default_manager.values_list("two_factor_failed_attempts", flat=True)
        .get(pk=user.pk)
    )


@contextmanager
def only_counter_changes(*users: Any, by: int = 0) -> Iterator[None]:
    """Assert the block changes nothing of ``users`` but the failure counter,
    which moves by ``by``."""
    before = [(user_state(u), failures(u)) for u in users]
    yield
    for user, (state, count) in zip(users, before, strict=True):
        assert user_state(user) == state
        assert failures(user) == count + by


def lock(api: APIClient, url: str, token: str, secret: str) -> None:
    """Send MAX_FAILED_ATTEMPTS wrong codes: each still a 400, the last locks."""
    for _ in range(5):
        assert_code_error(post_code(api, url, token, wrong_code(secret)), "invalid_code")


# Credentials a full endpoint must refuse with 401, and the code SimpleJWT gives.
BAD_CREDENTIALS = ["none", "garbage", "forged", "expired", "pending", "refresh"]


def bad_credential(kind: str, account: Any, clock: Any) -> tuple[str | None, str]:
    """A credential of ``kind`` for ``account`` and the 401's expected code.

    ``expired`` moves the clock past the access token's five minutes.
    """
    access = account.tokens["access"]
    if kind == "none":
        return None, "not_authenticated"
    if kind == "garbage":
        return "not-a-token", "token_not_valid"
    if kind == "forged":
        forged = jwt.encode(claims(access), "another-key-" + "x" * 40, algorithm="HS256")
        return forged, "token_not_valid"
    if kind == "expired":
        clock.shift(301)
        return access, "token_not_valid"
    if kind == "pending":
        return pending_token(account.user), "token_not_valid"
    if kind == "refresh":
        return account.tokens["refresh"], "token_not_valid"
    raise AssertionError(kind)


def password_only_access(user: Any) -> str:
    """A valid full access token without ``mfa``, as a login before turn-on gave."""
    return full_tokens(user, ["pwd"])["access"]
