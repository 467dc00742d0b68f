"""``POST 2fa/authenticate/``: the pending token and a code buy full tokens, once."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from django.contrib.auth import get_user_model

from django_twofactor.models import RecoveryCode
from django_twofactor.tokens import pending_token
from tests.api_helpers import (
    AUTHENTICATE,
    GENERATE,
    ME,
    TURN_OFF,
    TURN_ON,
    WRONG_RECOVERY_CODE,
    assert_code_error,
    assert_error,
    assert_locked,
    claims,
    failures,
    lock,
    now_code,
    only_counter_changes,
    pending_login,
    post_code,
    wrong_code,
)
from tests.conftest import bearer, log_in, make_user


def test_a_totp_code_gives_exactly_full_tokens_with_mfa_and_otp(enabled, api, clock):
    response = post_code(api, AUTHENTICATE, pending_login(api), now_code(enabled.secret))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert claims(body["access"])["token_type"] == "access"
    assert claims(body["refresh"])["token_type"] == "refresh"
    assert claims(body["access"])["amr"] == claims(body["refresh"])["amr"] == ["pwd", "mfa", "otp"]
    assert api.get(ME, **bearer(body["access"])).status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_a_recovery_code_gives_mfa_without_otp_and_works_once(enabled, api, clock):
    code = enabled.recovery_codes[3]
    response = post_code(api, AUTHENTICATE, pending_login(api), code)
    assert response.status_code == 200
    assert claims(response.json()["access"])["amr"] == ["pwd", "mfa"]
    assert RecoveryCode.objects.filter(user=enabled.user, used_at__isnull=False).count() == 1

    for variant in (code, code.upper(), code.replace("-", ""), code.replace("-", " ")):
        with only_counter_changes(enabled.user, by=1):
            again = post_code(api, AUTHENTICATE, pending_login(api), variant)
        assert_code_error(again, "invalid_code")


@pytest.mark.parametrize(
    "shape", [str.upper, lambda c: c.replace("-", ""), lambda c: f" {c[:5]} {c[6:]} "]
)
def test_recovery_codes_ignore_case_dashes_and_spaces(shape, enabled, api, clock):
    response = post_code(api, AUTHENTICATE, pending_login(api), shape(enabled.recovery_codes[0]))
    assert response.status_code == 200


def test_spaces_inside_a_totp_code_are_ignored(enabled, api, clock):
    code = now_code(enabled.secret)
    response = post_code(api, AUTHENTICATE, pending_login(api), f"{code[:3]} {code[3:]}")
    assert response.status_code == 200


def test_the_same_code_is_accepted_once(enabled, api, clock):
    code = now_code(enabled.secret)
    assert post_code(api, AUTHENTICATE, pending_login(api), code).status_code == 200
    with only_counter_changes(enabled.user, by=1):
        replay = post_code(api, AUTHENTICATE, pending_login(api), code)
    assert_code_error(replay, "invalid_code")


def test_one_pending_token_allows_retries_but_each_use_needs_a_fresh_code(enabled, api, clock):
    """The pending token lives until it expires, so a mistyped code can be retried;
    using it again never replays a code."""
    pending = pending_login(api)
    wrong = post_code(api, AUTHENTICATE, pending, wrong_code(enabled.secret))
    assert_code_error(wrong, "invalid_code")
    code = now_code(enabled.secret)
    assert post_code(api, AUTHENTICATE, pending, code).status_code == 200
    with only_counter_changes(enabled.user, by=1):
        replay = post_code(api, AUTHENTICATE, pending, code)
    assert_code_error(replay, "invalid_code")
    clock.shift(30)
    assert post_code(api, AUTHENTICATE, pending, now_code(enabled.secret)).status_code == 200


def test_an_earlier_steps_code_is_refused_after_a_later_one(enabled, api, clock):
    """RFC 6238 §5.2: after step s is accepted, no step <= s is."""
    later, earlier = now_code(enabled.secret, offset=1), now_code(enabled.secret)
    assert post_code(api, AUTHENTICATE, pending_login(api), later).status_code == 200
    with only_counter_changes(enabled.user, by=1):
        response = post_code(api, AUTHENTICATE, pending_login(api), earlier)
    assert_code_error(response, "invalid_code")


def test_the_turn_on_code_cannot_be_used_to_log_in(set_up, api, clock):
    code = now_code(set_up.secret)
    assert post_code(api, TURN_ON, set_up.tokens["access"], code).status_code == 200
    for _ in range(2):  # at once, and a step later while still inside the window
        with only_counter_changes(set_up.user, by=1):
            response = post_code(api, AUTHENTICATE, pending_login(api), code)
        assert_code_error(response, "invalid_code")
        clock.shift(30)


@pytest.mark.parametrize(
    ("offset", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)]
)
def test_one_step_either_side_is_accepted(offset, accepted, enabled, api, clock):
    clock.shift(60)  # so that step -2 is after the turn-on step
    response = post_code(api, AUTHENTICATE, pending_login(api), now_code(enabled.secret, offset))
    if accepted:
        assert response.status_code == 200
    else:
        assert_code_error(response, "invalid_code")


def test_valid_window_zero_accepts_only_the_current_step(enabled, api, clock, settings):
    settings.TWO_FACTOR = {**settings.TWO_FACTOR, "VALID_WINDOW": 0}
    clock.shift(60)
    previous = post_code(api, AUTHENTICATE, pending_login(api), now_code(enabled.secret, -1))
    assert_code_error(previous, "invalid_code")
    current = post_code(api, AUTHENTICATE, pending_login(api), now_code(enabled.secret))
    assert current.status_code == 200


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("12345", "malformed_code"),
        ("1234567", "malformed_code"),
        ("12a456", "malformed_code"),
        ("١٢٣٤٥٦", "malformed_code"),  # digits, but not ASCII
        ("123-456", "malformed_code"),
        ("12\t3456", "malformed_code"),
        ("aaaaa-bbbb", "malformed_code"),
        ("aaaaa-bbbb1", "malformed_code"),  # 1 is not in the alphabet
        ("ааааа-ббббб", "malformed_code"),  # Cyrillic
        ("", "blank"),
        (123456, "not_a_string"),
        (None, "null"),
        (["123456"], "not_a_string"),
        ({"code": "123456"}, "not_a_string"),
        (True, "not_a_string"),
        ("1" * 65, "max_length"),
    ],
)
def test_an_ill_formed_code_is_400_and_not_counted(code, error, enabled, api, clock):
    with only_counter_changes(enabled.user):
        response = post_code(api, AUTHENTICATE, pending_login(api), code)
    assert_code_error(response, error)


def test_a_missing_code_is_400(enabled, api, clock):
    with only_counter_changes(enabled.user):
        response = api.post(AUTHENTICATE, {}, format="json", **bearer(pending_login(api)))
    assert_code_error(response, "required")


@pytest.mark.parametrize("kind", ["wrong-totp", "wrong-recovery"])
def test_a_wrong_code_is_400_on_code_and_counted(kind, enabled, api, clock):
    code = wrong_code(enabled.secret) if kind == "wrong-totp" else WRONG_RECOVERY_CODE
    with only_counter_changes(enabled.user, by=1):
        response = post_code(api, AUTHENTICATE, pending_login(api), code)
    assert_code_error(response, "invalid_code")


@pytest.mark.parametrize("kind", ["none", "garbage", "access", "refresh", "forged", "expired"])
def test_only_a_live_pending_token_is_accepted(kind, enabled, api, clock):
    pending = pending_login(api)
    token = {
        "none": None,
        "garbage": "not-a-token",
        "access": enabled.tokens["access"],
        "refresh": enabled.tokens["refresh"],
        "forged": jwt.encode(claims(pending), "another-key-" + "x" * 40, algorithm="HS256"),
        "expired": pending,
    }[kind]
    if kind == "expired":
        clock.shift(301)
    headers = bearer(token) if token else {}
    with only_counter_changes(enabled.user):
        response = api.post(
            AUTHENTICATE, {"code": now_code(enabled.secret)}, format="json", **headers
        )
    assert_error(response, 401, "not_authenticated" if kind == "none" else "token_not_valid")


@pytest.mark.parametrize(("seconds", "works"), [(89, True), (91, False)])
def test_the_pending_token_lives_pending_token_lifetime(
    seconds, works, enabled, api, clock, settings
):
    settings.TWO_FACTOR = {**settings.TWO_FACTOR, "PENDING_TOKEN_LIFETIME": timedelta(seconds=90)}
    pending = pending_login(api)
    assert claims(pending)["exp"] - claims(pending)["iat"] == 90
    clock.shift(seconds)
    response = post_code(api, AUTHENTICATE, pending, now_code(enabled.secret))
    if works:
        assert response.status_code == 200
    else:
        assert_error(response, 401, "token_not_valid")


def test_a_pending_token_dies_with_turn_off(enabled, api, clock):
    """A pending token from before turn-off must not buy tokens after it."""
    pending = pending_login(api)
    turned_off = post_code(api, TURN_OFF, enabled.tokens["access"], now_code(enabled.secret))
    assert turned_off.status_code == 204
    with only_counter_changes(enabled.user):
        response = post_code(api, AUTHENTICATE, pending, now_code(enabled.secret, 1))
    assert_error(response, 401, "token_revoked")


def test_authenticate_while_2fa_is_off_is_409(plain, api, clock):
    """A current pending token of a user with 2FA off (minted by hand) buys nothing."""
    pending = pending_token(plain.user)
    with only_counter_changes(plain.user):
        assert_code_error(post_code(api, AUTHENTICATE, pending, "12"), "malformed_code")
        response = post_code(api, AUTHENTICATE, pending, "123456")
    assert_error(response, 409, "two_factor_not_enabled")


def attempt(api, pending, code):
    return post_code(api, AUTHENTICATE, pending, code)


def miss(api, pending, secret):
    assert_code_error(attempt(api, pending, wrong_code(secret)), "invalid_code")


def test_lockout_after_five_wrong_codes_until_the_delay_passed(enabled, api, clock):
    pending = pending_login(api)
    with only_counter_changes(enabled.user, by=5):
        lock(api, AUTHENTICATE, pending, enabled.secret)
    with only_counter_changes(enabled.user):  # refused attempts are not counted
        assert_locked(attempt(api, pending, now_code(enabled.secret)), 60)
        assert_locked(attempt(api, pending, enabled.recovery_codes[0]), 60)
        assert_locked(attempt(api, pending, wrong_code(enabled.secret)), 60)
        clock.shift(59)
        assert_locked(attempt(api, pending, now_code(enabled.secret)), 1)
    clock.shift(1)
    assert attempt(api, pending, now_code(enabled.secret)).status_code == 200
    user = enabled.refresh()
    assert (user.two_factor_failed_attempts, user.two_factor_locked_until) == (0, None)


def test_the_delay_doubles_with_each_further_failure_up_to_the_cap(enabled, api, clock):
    lock(api, AUTHENTICATE, pending_login(api), enabled.secret)
    for failure, delay in [(6, 120), (7, 240)]:
        clock.shift(delay // 2)
        pending = pending_login(api)
        miss(api, pending, enabled.secret)
        assert failures(enabled.user) == failure
        assert_locked(attempt(api, pending, now_code(enabled.secret)), delay)
    clock.shift(240)
    users = get_user_model()._default_manager
    users.filter(pk=enabled.user.pk).update(two_factor_failed_attempts=20)
    pending = pending_login(api)
    miss(api, pending, enabled.secret)
    assert_locked(attempt(api, pending, now_code(enabled.secret)), 3600)  # LOCKOUT_MAX_DELAY


def test_success_resets_the_count(enabled, api, clock):
    pending = pending_login(api)
    for _ in range(4):
        miss(api, pending, enabled.secret)
    assert attempt(api, pending, now_code(enabled.secret)).status_code == 200
    assert failures(enabled.user) == 0
    for _ in range(4):
        miss(api, pending, enabled.secret)
    assert attempt(api, pending, now_code(enabled.secret, 1)).status_code == 200


def test_wrong_recovery_codes_count_towards_the_lockout(enabled, api, clock):
    pending = pending_login(api)
    codes = [WRONG_RECOVERY_CODE, "bbbbb-ccccc", wrong_code(enabled.secret), "ccccc-ddddd"]
    for code in [*codes, "ddddd-eeeee"]:
        assert_code_error(attempt(api, pending, code), "invalid_code")
    with only_counter_changes(enabled.user):
        assert_locked(attempt(api, pending, enabled.recovery_codes[0]))
    assert not RecoveryCode.objects.filter(user=enabled.user, used_at__isnull=False).exists()


def test_the_lockout_is_per_user(enabled, api, clock):
    make_user("bob")
    bob_access = log_in(api, "bob")["access"]
    bob_secret = api.post(GENERATE, **bearer(bob_access)).json()["secret"]
    assert post_code(api, TURN_ON, bob_access, now_code(bob_secret)).status_code == 200
    lock(api, AUTHENTICATE, pending_login(api), enabled.secret)
    assert attempt(api, pending_login(api, "bob"), now_code(bob_secret, 1)).status_code == 200
    assert_locked(attempt(api, pending_login(api), now_code(enabled.secret)))
