"""``POST 2fa/turn-on/``: the first code proves the app has the secret; 2FA goes on."""

from __future__ import annotations

import pytest

from django_twofactor.models import RecoveryCode
from tests.api_helpers import (
    BAD_CREDENTIALS,
    ME,
    RECOVERY_CODE,
    TURN_ON,
    assert_code_error,
    assert_error,
    assert_locked,
    bad_credential,
    claims,
    failures,
    lock,
    now_code,
    only_counter_changes,
    password_only_access,
    post_code,
    wrong_code,
)
from tests.conftest import bearer


def turn_on(api, account, code):
    return post_code(api, TURN_ON, account.tokens["access"], code)


def test_turn_on_gives_recovery_codes_and_tokens_with_mfa(set_up, api, clock):
    response = turn_on(api, set_up, now_code(set_up.secret))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"recovery_codes", "access", "refresh"}
    codes = body["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(isinstance(c, str) and RECOVERY_CODE.match(c) for c in codes)
    for token in (body["access"], body["refresh"]):
        assert claims(token)["amr"] == ["pwd", "mfa", "otp"]
    assert claims(body["access"])["token_type"] == "access"
    assert api.get(ME, **bearer(body["access"])).json()["two_factor_enabled"] is True

    user = set_up.refresh()
    assert user.two_factor_enabled is True
    rows = RecoveryCode.objects.filter(user=user)
    assert rows.count() == 10
    assert not rows.filter(used_at__isnull=False).exists()
    hashes = " ".join(rows.values_list("code_hash", flat=True))
    assert not any(c.replace("-", "") in hashes or c in hashes for c in codes)


def test_the_old_password_only_token_stops_passing(set_up, api, clock):
    assert turn_on(api, set_up, now_code(set_up.secret)).status_code == 200
    assert_error(api.get(ME, **bearer(set_up.tokens["access"])), 401, "token_revoked")


def test_recovery_codes_count_follows_the_setting(set_up, api, clock, settings):
    settings.TWO_FACTOR = {**settings.TWO_FACTOR, "RECOVERY_CODES_COUNT": 3}
    assert len(turn_on(api, set_up, now_code(set_up.secret)).json()["recovery_codes"]) == 3


@pytest.mark.parametrize("offset", [-1, 1])
def test_a_neighbouring_steps_code_is_accepted(offset, set_up, api, clock):
    assert turn_on(api, set_up, now_code(set_up.secret, offset)).status_code == 200


def test_spaces_inside_the_code_are_ignored(set_up, api, clock):
    code = now_code(set_up.secret)
    assert turn_on(api, set_up, f"{code[:3]} {code[3:]}").status_code == 200


@pytest.mark.parametrize("offset", [-2, 2])
def test_a_code_outside_the_window_is_wrong(offset, set_up, api, clock):
    with only_counter_changes(set_up.user, by=1):
        response = turn_on(api, set_up, now_code(set_up.secret, offset))
    assert_code_error(response, "invalid_code")


def test_a_wrong_code_is_400_counted_and_2fa_stays_off(set_up, api, clock):
    with only_counter_changes(set_up.user, by=1):
        response = turn_on(api, set_up, wrong_code(set_up.secret))
    assert_code_error(response, "invalid_code")
    assert not RecoveryCode.objects.exists()


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("aaaaa-bbbbb", "malformed_code"),  # recovery codes cannot turn 2FA on
        ("12345", "malformed_code"),
        ("1234567", "malformed_code"),
        ("12345x", "malformed_code"),
        ("", "blank"),
        (123456, "not_a_string"),
        (None, "null"),
        ([], "not_a_string"),
        (False, "not_a_string"),
    ],
)
@pytest.mark.parametrize("state", ["plain", "set_up", "enabled"])
def test_an_ill_formed_code_is_400_before_any_state_check(state, code, error, api, clock, request):
    """Input is validated first: a bad body is 400 even where the state gives 409."""
    account = request.getfixturevalue(state)
    with only_counter_changes(account.user):
        response = turn_on(api, account, code)
    assert_code_error(response, error)


def test_a_missing_code_is_400(set_up, api, clock):
    with only_counter_changes(set_up.user):
        response = api.post(
            TURN_ON, {"token": "123456"}, format="json", **bearer(set_up.tokens["access"])
        )
    assert_code_error(response, "required")


def test_turn_on_before_generate_is_409(plain, api, clock):
    with only_counter_changes(plain.user):
        response = turn_on(api, plain, "123456")
    assert_error(response, 409, "two_factor_setup_not_started")


def test_turn_on_while_2fa_is_on_is_409(enabled, api, clock):
    with only_counter_changes(enabled.user):
        response = turn_on(api, enabled, now_code(enabled.secret))
    assert_error(response, 409, "two_factor_already_enabled")


def test_a_password_only_token_is_403_while_2fa_is_on(set_up, api, clock):
    """Turn-on revokes older tokens; a current one without ``mfa`` is still refused."""
    assert turn_on(api, set_up, now_code(set_up.secret)).status_code == 200
    set_up.tokens = {"access": password_only_access(set_up.refresh())}
    with only_counter_changes(set_up.user):
        response = turn_on(api, set_up, now_code(set_up.secret, 1))
    assert_error(response, 403, "two_factor_required")


@pytest.mark.parametrize("kind", BAD_CREDENTIALS)
def test_turn_on_needs_a_full_token(kind, set_up, api, clock):
    token, code = bad_credential(kind, set_up, clock)
    headers = bearer(token) if token else {}
    with only_counter_changes(set_up.user):
        response = api.post(TURN_ON, {"code": now_code(set_up.secret)}, format="json", **headers)
    assert_error(response, 401, code)


def test_lockout_refuses_the_right_code_until_the_delay_passed(set_up, api, clock):
    token = set_up.tokens["access"]
    with only_counter_changes(set_up.user, by=5):
        lock(api, TURN_ON, token, set_up.secret)
    with only_counter_changes(set_up.user):
        assert_locked(turn_on(api, set_up, now_code(set_up.secret)), 60)
        assert_locked(turn_on(api, set_up, wrong_code(set_up.secret)), 60)
    clock.shift(60)
    assert turn_on(api, set_up, now_code(set_up.secret)).status_code == 200
    assert failures(set_up.user) == 0
    assert set_up.refresh().two_factor_locked_until is None


def test_a_further_failure_doubles_the_delay(set_up, api, clock):
    lock(api, TURN_ON, set_up.tokens["access"], set_up.secret)
    clock.shift(60)
    assert_code_error(turn_on(api, set_up, wrong_code(set_up.secret)), "invalid_code")
    assert_locked(turn_on(api, set_up, now_code(set_up.secret)), 120)


def test_success_resets_the_count(set_up, api, clock):
    for _ in range(4):
        assert_code_error(turn_on(api, set_up, wrong_code(set_up.secret)), "invalid_code")
    assert turn_on(api, set_up, now_code(set_up.secret)).status_code == 200
    assert failures(set_up.user) == 0
