"""``GET 2fa/`` and the example's ``GET api/me/``: what a full token may read."""

from __future__ import annotations

import pytest

from tests.api_helpers import (
    AUTHENTICATE,
    BAD_CREDENTIALS,
    GENERATE,
    LOGIN,
    ME,
    RECOVERY_CODES,
    STATUS,
    assert_error,
    bad_credential,
    now_code,
    only_counter_changes,
    password_only_access,
    pending_login,
    post_code,
)
from tests.conftest import PASSWORD, bearer


def status(api, token):
    response = api.get(STATUS, **bearer(token))
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"enabled", "recovery_codes_remaining", "methods"}
    assert type(body["enabled"]) is bool
    assert type(body["recovery_codes_remaining"]) is int
    return body


@pytest.mark.parametrize("state", ["plain", "set_up"])
def test_status_while_off(state, api, clock, request):
    account = request.getfixturevalue(state)
    with only_counter_changes(account.user):
        body = status(api, account.tokens["access"])
    assert body == {"enabled": False, "recovery_codes_remaining": 0, "methods": []}


def test_status_while_on_counts_unused_recovery_codes(enabled, api, clock):
    access = enabled.tokens["access"]
    assert status(api, access) == {
        "enabled": True,
        "recovery_codes_remaining": 10,
        "methods": ["totp"],
    }
    for remaining, code in [(9, enabled.recovery_codes[0]), (8, enabled.recovery_codes[5])]:
        assert post_code(api, AUTHENTICATE, pending_login(api), code).status_code == 200
        assert status(api, enabled.tokens["access"])["recovery_codes_remaining"] == remaining
    # A TOTP login spends no recovery code.
    totp_login = post_code(api, AUTHENTICATE, pending_login(api), now_code(enabled.secret))
    assert totp_login.status_code == 200
    assert status(api, access)["recovery_codes_remaining"] == 8


def test_new_recovery_codes_bring_the_count_back(enabled, api, clock):
    access = enabled.tokens["access"]
    used = post_code(api, AUTHENTICATE, pending_login(api), enabled.recovery_codes[0])
    assert used.status_code == 200
    assert post_code(api, RECOVERY_CODES, access, now_code(enabled.secret)).status_code == 200
    assert status(api, enabled.tokens["access"])["recovery_codes_remaining"] == 10


def test_status_is_not_cached(plain, api, clock):
    assert api.get(STATUS, **bearer(plain.tokens["access"]))["Cache-Control"] == "no-store"


def test_the_secret_is_never_shown_after_turn_on(enabled, api, clock):
    """Not by status, me, login or a second generate."""
    access = enabled.tokens["access"]
    responses = [
        api.get(STATUS, **bearer(access)),
        api.get(ME, **bearer(access)),
        api.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json"),
        api.post(GENERATE, **bearer(access)),
        api.post(GENERATE, **bearer(access), HTTP_ACCEPT="image/png"),
    ]
    for response in responses:
        assert enabled.secret not in response.content.decode()
        assert enabled.secret.lower() not in response.content.decode().lower()


@pytest.mark.parametrize("url", [STATUS, ME])
@pytest.mark.parametrize("kind", BAD_CREDENTIALS)
def test_a_full_token_is_needed(kind, url, enabled, api, clock):
    token, error = bad_credential(kind, enabled, clock)
    headers = bearer(token) if token else {}
    with only_counter_changes(enabled.user):
        response = api.get(url, **headers)
    assert_error(response, 401, error)
    assert response.has_header("WWW-Authenticate")


@pytest.mark.parametrize("url", [STATUS, ME])
def test_a_password_only_token_is_403_while_2fa_is_on(url, enabled, api, clock):
    with only_counter_changes(enabled.user):
        response = api.get(url, **bearer(password_only_access(enabled.user)))
    assert_error(response, 403, "two_factor_required")
    assert api.get(url, **bearer(enabled.tokens["access"])).status_code == 200


@pytest.mark.parametrize("url", [STATUS, ME])
def test_a_password_only_token_is_enough_while_2fa_is_off(url, set_up, api, clock):
    assert api.get(url, **bearer(set_up.tokens["access"])).status_code == 200


def test_me_shows_the_user_and_the_flag(enabled, api, clock):
    body = api.get(ME, **bearer(enabled.tokens["access"])).json()
    assert body == {
        "id": enabled.user.pk,
        "username": "alice",
        "email": "alice@example.com",
        "two_factor_enabled": True,
    }


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_status_only_answers_get(method, enabled, api, clock):
    body, headers = {"code": now_code(enabled.secret)}, bearer(enabled.tokens["access"])
    with only_counter_changes(enabled.user):
        response = getattr(api, method)(STATUS, body, format="json", **headers)
    assert_error(response, 405, "method_not_allowed")
