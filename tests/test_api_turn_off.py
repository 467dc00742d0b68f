"""``POST 2fa/turn-off/``: a valid code (TOTP or recovery) turns 2FA off; 204."""

from __future__ import annotations

import pytest

from django_twofactor.models import RecoveryCode
from tests.api_helpers import (
    AUTHENTICATE,
    BAD_CREDENTIALS,
    GENERATE,
    LOGIN,
    ME,
    TURN_OFF,
    TURN_ON,
    WRONG_RECOVERY_CODE,
    assert_code_error,
    assert_error,
    assert_locked,
    bad_credential,
    failures,
    lock,
    now_code,
    only_counter_changes,
    password_only_access,
    pending_login,
    post_code,
    wrong_code,
)
from tests.conftest import PASSWORD, START, bearer, code_at, log_in


def turn_off(api, account, code):
    return post_code(api, TURN_OFF, account.tokens["access"], code)


def assert_off(account):
    user = account.refresh()
    assert user.two_factor_enabled is False
    assert user.two_factor_secret == ""
    assert user.two_factor_last_step is None
    assert (user.two_factor_failed_attempts, user.two_factor_locked_until) == (0, None)
    assert not RecoveryCode.objects.filter(user=user).exists()


@pytest.mark.parametrize("kind", ["totp", "recovery"])
def test_a_valid_code_turns_2fa_off_with_an_empty_204(kind, enabled, api, clock):
    code = now_code(enabled.secret) if kind == "totp" else enabled.recovery_codes[0]
    response = turn_off(api, enabled, code)
    assert response.status_code == 204
    assert response.content == b""
    assert response["Cache-Control"] == "no-store"
    assert_off(enabled)
    login = api.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json").json()
    assert login["two_factor_required"] is False


def test_turn_off_clears_a_lockout_count(enabled, api, clock):
    for _ in range(4):
        assert_code_error(turn_off(api, enabled, wrong_code(enabled.secret)), "invalid_code")
    assert turn_off(api, enabled, now_code(enabled.secret)).status_code == 204
    assert_off(enabled)


def test_after_turn_off_the_old_secret_and_codes_are_gone(enabled, api, clock):
    assert turn_off(api, enabled, now_code(enabled.secret)).status_code == 204
    access = log_in(api)["access"]  # turn-off revoked the old tokens
    new_secret = api.post(GENERATE, **bearer(access)).json()["secret"]
    assert new_secret != enabled.secret
    clock.shift(30)
    assert_code_error(post_code(api, TURN_ON, access, now_code(enabled.secret)), "invalid_code")
    assert post_code(api, TURN_ON, access, now_code(new_secret)).status_code == 200
    clock.shift(30)
    old_code = post_code(api, AUTHENTICATE, pending_login(api), enabled.recovery_codes[0])
    assert_code_error(old_code, "invalid_code")


def test_the_turn_on_code_cannot_turn_2fa_off(enabled, api, clock):
    """Still inside the window a step later, but already used."""
    with only_counter_changes(enabled.user, by=1):
        response = turn_off(api, enabled, code_at(enabled.secret, START))
    assert_code_error(response, "invalid_code")


def test_a_code_used_to_log_in_cannot_turn_2fa_off(enabled, api, clock):
    code = now_code(enabled.secret)
    assert post_code(api, AUTHENTICATE, pending_login(api), code).status_code == 200
    with only_counter_changes(enabled.user, by=1):
        assert_code_error(turn_off(api, enabled, code), "invalid_code")


def test_a_used_recovery_code_cannot_turn_2fa_off(enabled, api, clock):
    code = enabled.recovery_codes[0]
    assert post_code(api, AUTHENTICATE, pending_login(api), code).status_code == 200
    with only_counter_changes(enabled.user, by=1):
        assert_code_error(turn_off(api, enabled, code), "invalid_code")


@pytest.mark.parametrize("kind", ["totp", "recovery"])
def test_a_wrong_code_is_400_counted_and_2fa_stays_on(kind, enabled, api, clock):
    code = wrong_code(enabled.secret) if kind == "totp" else WRONG_RECOVERY_CODE
    with only_counter_changes(enabled.user, by=1):
        response = turn_off(api, enabled, code)
    assert_code_error(response, "invalid_code")


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("12345", "malformed_code"),
        ("aaaaa-bbbb", "malformed_code"),
        ("1234567", "malformed_code"),
        ("", "blank"),
        (123456, "not_a_string"),
        (None, "null"),
        ({}, "not_a_string"),
    ],
)
@pytest.mark.parametrize("state", ["plain", "set_up", "enabled"])
def test_an_ill_formed_code_is_400_before_any_state_check(state, code, error, api, clock, request):
    account = request.getfixturevalue(state)
    with only_counter_changes(account.user):
        response = turn_off(api, account, code)
    assert_code_error(response, error)


def test_a_missing_code_is_400(enabled, api, clock):
    with only_counter_changes(enabled.user):
        response = api.post(TURN_OFF, {}, format="json", **bearer(enabled.tokens["access"]))
    assert_code_error(response, "required")


@pytest.mark.parametrize("state", ["plain", "set_up"])
def test_turn_off_while_2fa_is_off_is_409(state, api, clock, request):
    account = request.getfixturevalue(state)
    code = now_code(account.secret) if account.secret else "123456"
    with only_counter_changes(account.user):
        response = turn_off(api, account, code)
    assert_error(response, 409, "two_factor_not_enabled")


def test_a_password_only_token_is_403(enabled, api, clock):
    with only_counter_changes(enabled.user):
        response = post_code(
            api, TURN_OFF, password_only_access(enabled.user), now_code(enabled.secret)
        )
    assert_error(response, 403, "two_factor_required")
    assert api.get(ME, **bearer(enabled.tokens["access"])).status_code == 200


@pytest.mark.parametrize("kind", BAD_CREDENTIALS)
def test_turn_off_needs_a_full_token(kind, enabled, api, clock):
    token, error = bad_credential(kind, enabled, clock)
    headers = bearer(token) if token else {}
    with only_counter_changes(enabled.user):
        response = api.post(TURN_OFF, {"code": now_code(enabled.secret)}, format="json", **headers)
    assert_error(response, 401, error)


def test_lockout_refuses_right_codes_until_the_delay_passed(enabled, api, clock):
    with only_counter_changes(enabled.user, by=5):
        lock(api, TURN_OFF, enabled.tokens["access"], enabled.secret)
    with only_counter_changes(enabled.user):
        assert_locked(turn_off(api, enabled, now_code(enabled.secret)), 60)
        assert_locked(turn_off(api, enabled, enabled.recovery_codes[0]), 60)
        clock.shift(30)
        assert_locked(turn_off(api, enabled, now_code(enabled.secret)), 30)
    clock.shift(30)
    assert turn_off(api, enabled, enabled.recovery_codes[0]).status_code == 204
    assert_off(enabled)


def test_wrong_recovery_codes_lock_and_double(enabled, api, clock):
    for _ in range(5):
        assert_code_error(turn_off(api, enabled, WRONG_RECOVERY_CODE), "invalid_code")
    assert_locked(turn_off(api, enabled, now_code(enabled.secret)), 60)
    clock.shift(60)
    assert_code_error(turn_off(api, enabled, WRONG_RECOVERY_CODE), "invalid_code")
    assert failures(enabled.user) == 6
    assert_locked(turn_off(api, enabled, now_code(enabled.secret)), 120)
    assert enabled.refresh().two_factor_enabled is True
