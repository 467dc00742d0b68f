"""``POST 2fa/recovery-codes/``: a TOTP code buys a new set; the old set stops working."""

from __future__ import annotations

import pytest

from django_twofactor.models import RecoveryCode
from tests.api_helpers import (
    AUTHENTICATE,
    BAD_CREDENTIALS,
    RECOVERY_CODE,
    RECOVERY_CODES,
    STATUS,
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
from tests.conftest import START, bearer, code_at


def regenerate(api, account, code):
    return post_code(api, RECOVERY_CODES, account.tokens["access"], code)


def test_a_totp_code_replaces_the_whole_set(enabled, api, clock):
    old_hashes = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    response = regenerate(api, enabled, now_code(enabled.secret))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"recovery_codes"}
    codes = body["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(isinstance(c, str) and RECOVERY_CODE.match(c) for c in codes)
    assert not set(codes) & set(enabled.recovery_codes)

    rows = RecoveryCode.objects.filter(user=enabled.user)
    assert rows.count() == 10
    assert not rows.filter(used_at__isnull=False).exists()
    assert not set(rows.values_list("code_hash", flat=True)) & old_hashes
    assert api.get(STATUS, **bearer(enabled.tokens["access"])).json() == {
        "enabled": True,
        "recovery_codes_remaining": 10,
        "methods": ["totp"],
    }


def test_old_codes_stop_working_and_new_ones_work(enabled, api, clock):
    new_codes = regenerate(api, enabled, now_code(enabled.secret)).json()["recovery_codes"]
    for old in enabled.recovery_codes[:2]:
        with only_counter_changes(enabled.user, by=1):
            assert_code_error(post_code(api, AUTHENTICATE, pending_login(api), old), "invalid_code")
    response = post_code(api, AUTHENTICATE, pending_login(api), new_codes[0])
    assert response.status_code == 200


def test_the_count_follows_the_setting(enabled, api, clock, settings):
    settings.TWO_FACTOR = {**settings.TWO_FACTOR, "RECOVERY_CODES_COUNT": 4}
    assert len(regenerate(api, enabled, now_code(enabled.secret)).json()["recovery_codes"]) == 4


def test_the_code_is_spent(enabled, api, clock):
    code = now_code(enabled.secret)
    assert regenerate(api, enabled, code).status_code == 200
    with only_counter_changes(enabled.user, by=1):
        assert_code_error(regenerate(api, enabled, code), "invalid_code")
    with only_counter_changes(enabled.user, by=1):
        assert_code_error(post_code(api, AUTHENTICATE, pending_login(api), code), "invalid_code")


def test_the_turn_on_code_is_refused(enabled, api, clock):
    with only_counter_changes(enabled.user, by=1):
        assert_code_error(regenerate(api, enabled, code_at(enabled.secret, START)), "invalid_code")


def test_a_wrong_code_is_400_counted_and_keeps_the_set(enabled, api, clock):
    with only_counter_changes(enabled.user, by=1):
        assert_code_error(regenerate(api, enabled, wrong_code(enabled.secret)), "invalid_code")
    login = post_code(api, AUTHENTICATE, pending_login(api), enabled.recovery_codes[0])
    assert login.status_code == 200


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("aaaaa-bbbbb", "malformed_code"),  # a recovery code cannot buy recovery codes
        ("12345", "malformed_code"),
        ("1234 56 7", "malformed_code"),
        ("", "blank"),
        (123456, "not_a_string"),
        (None, "null"),
        (["123456"], "not_a_string"),
    ],
)
@pytest.mark.parametrize("state", ["plain", "enabled"])
def test_an_ill_formed_code_is_400_before_any_state_check(state, code, error, api, clock, request):
    account = request.getfixturevalue(state)
    with only_counter_changes(account.user):
        assert_code_error(regenerate(api, account, code), error)


def test_an_unused_recovery_code_is_refused_as_input(enabled, api, clock):
    with only_counter_changes(enabled.user):
        assert_code_error(regenerate(api, enabled, enabled.recovery_codes[0]), "malformed_code")


def test_a_missing_code_is_400(enabled, api, clock):
    with only_counter_changes(enabled.user):
        response = api.post(RECOVERY_CODES, {}, format="json", **bearer(enabled.tokens["access"]))
    assert_code_error(response, "required")


@pytest.mark.parametrize("state", ["plain", "set_up"])
def test_recovery_codes_while_2fa_is_off_is_409(state, api, clock, request):
    account = request.getfixturevalue(state)
    code = now_code(account.secret) if account.secret else "123456"
    with only_counter_changes(account.user):
        response = regenerate(api, account, code)
    assert_error(response, 409, "two_factor_not_enabled")
    assert not RecoveryCode.objects.exists()


def test_a_password_only_token_is_403(enabled, api, clock):
    with only_counter_changes(enabled.user):
        response = post_code(
            api, RECOVERY_CODES, password_only_access(enabled.user), now_code(enabled.secret)
        )
    assert_error(response, 403, "two_factor_required")


@pytest.mark.parametrize("kind", BAD_CREDENTIALS)
def test_recovery_codes_need_a_full_token(kind, enabled, api, clock):
    token, error = bad_credential(kind, enabled, clock)
    headers = bearer(token) if token else {}
    with only_counter_changes(enabled.user):
        response = api.post(
            RECOVERY_CODES, {"code": now_code(enabled.secret)}, format="json", **headers
        )
    assert_error(response, 401, error)


def test_lockout_refuses_the_right_code_until_the_delay_passed(enabled, api, clock):
    with only_counter_changes(enabled.user, by=5):
        lock(api, RECOVERY_CODES, enabled.tokens["access"], enabled.secret)
    with only_counter_changes(enabled.user):
        assert_locked(regenerate(api, enabled, now_code(enabled.secret)), 60)
    clock.shift(60)
    assert_code_error(regenerate(api, enabled, wrong_code(enabled.secret)), "invalid_code")
    assert_locked(regenerate(api, enabled, now_code(enabled.secret)), 120)
    clock.shift(120)
    assert regenerate(api, enabled, now_code(enabled.secret)).status_code == 200
    assert failures(enabled.user) == 0


def test_failures_elsewhere_count_here(enabled, api, clock):
    """The counter is per user, across endpoints."""
    lock(api, AUTHENTICATE, pending_login(api), enabled.secret)
    with only_counter_changes(enabled.user):
        assert_locked(regenerate(api, enabled, now_code(enabled.secret)), 60)
