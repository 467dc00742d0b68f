"""``FAILURE_LIMIT``: wrong codes in a row block every code for good, until the
owner changes the password or an administrator resets them (CONTRACT §9)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from django_twofactor import services, signals
from tests.api_helpers import (
    AUTHENTICATE,
    TURN_OFF,
    assert_code_error,
    assert_error,
    failures,
    now_code,
    pending_login,
    post_code,
)
from tests.conftest import PASSWORD, wrong_code

LIMIT = 6
FAST = {
    "MAX_FAILED_ATTEMPTS": 2,
    "LOCKOUT_BASE_DELAY": timedelta(seconds=1),
    "LOCKOUT_MAX_DELAY": timedelta(seconds=1),
    "FAILURE_LIMIT": LIMIT,
}
NEW_PASSWORD = "a different passphrase, also long"


@pytest.fixture
def fast_limits():
    with override_settings(TWO_FACTOR=FAST):
        yield


@pytest.fixture
def heard(monkeypatch):
    """The ``user_blocked`` and ``user_locked_out`` signals, sent at once."""
    monkeypatch.setattr("django.db.transaction.on_commit", lambda f, *a, **k: f())
    received: list[tuple[str, int]] = []

    def blocked(**kw):
        received.append(("blocked", kw["failures"]))

    def locked(**kw):
        received.append(("locked", 0))

    signals.user_blocked.connect(blocked)
    signals.user_locked_out.connect(locked)
    yield received
    signals.user_blocked.disconnect(blocked)
    signals.user_locked_out.disconnect(locked)


def fail_until_blocked(api, account, clock, token: str) -> None:
    """Wrong codes, each after the lock ran out, up to the limit: all 400s."""
    for _ in range(LIMIT):
        clock.shift(2)
        assert_code_error(
            post_code(api, AUTHENTICATE, token, wrong_code(account.secret)), "invalid_code"
        )
    assert failures(account.user) == LIMIT


def test_the_limit_blocks_even_a_right_code(fast_limits, heard, enabled, api, clock):
    token = pending_login(api)
    fail_until_blocked(api, enabled, clock, token)
    assert heard.count(("blocked", LIMIT)) == 1
    for wait in (2, 3600, 86400 * 365):
        clock.shift(wait)
        body = assert_error(
            post_code(api, AUTHENTICATE, pending_login(api), now_code(enabled.secret)),
            403,
            "two_factor_blocked",
        )
        assert "password" in body["detail"]
    assert_error(
        post_code(api, AUTHENTICATE, pending_login(api), enabled.recovery_codes[0]),
        403,
        "two_factor_blocked",
    )
    assert failures(enabled.user) == LIMIT  # refused attempts are not counted


def test_blocked_codes_everywhere_a_code_is_asked(fast_limits, enabled, api, clock):
    fail_until_blocked(api, enabled, clock, pending_login(api))
    clock.shift(2)
    response = post_code(api, TURN_OFF, enabled.tokens["access"], now_code(enabled.secret))
    assert_error(response, 403, "two_factor_blocked")


def test_a_password_change_lifts_the_block(fast_limits, enabled, api, clock):
    fail_until_blocked(api, enabled, clock, pending_login(api))
    user = get_user_model().objects.get(pk=enabled.user.pk)
    user.set_password(NEW_PASSWORD)
    user.save()
    assert failures(enabled.user) == 0
    clock.shift(30)
    response = api.post(
        "/api/auth/login/", {"username": "alice", "password": NEW_PASSWORD}, format="json"
    )
    pending = response.json()["pending_token"]
    assert post_code(api, AUTHENTICATE, pending, now_code(enabled.secret)).status_code == 200


def test_an_admin_reset_lifts_the_block(fast_limits, enabled, api, clock):
    fail_until_blocked(api, enabled, clock, pending_login(api))
    services.reset(enabled.refresh())
    row = get_user_model().objects.get(pk=enabled.user.pk)
    assert (row.two_factor_failed_attempts, row.two_factor_locked_until) == (0, None)
    login = api.post("/api/auth/login/", {"username": "alice", "password": PASSWORD}, format="json")
    assert login.status_code == 200
    assert login.json()["two_factor_required"] is False  # enrol again from here


def test_a_right_code_before_the_limit_resets_the_count(fast_limits, enabled, api, clock):
    token = pending_login(api)
    for _ in range(LIMIT - 1):
        clock.shift(2)
        post_code(api, AUTHENTICATE, token, wrong_code(enabled.secret))
    clock.shift(30)
    assert post_code(api, AUTHENTICATE, token, now_code(enabled.secret)).status_code == 200
    assert failures(enabled.user) == 0


def test_the_default_limit_is_nists_hundred():
    from django_twofactor.conf import twofactor_settings

    assert twofactor_settings.FAILURE_LIMIT == 100
