"""``POST login/``: full tokens with 2FA off, only a pending token with it on."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from tests.api_helpers import (
    LOGIN,
    ME,
    assert_error,
    assert_validation_error,
    claims,
    only_counter_changes,
)
from tests.conftest import PASSWORD, bearer, make_user


def test_2fa_off_gives_exactly_full_tokens_with_pwd(plain, api, clock):
    """The password is the whole login when 2FA is off."""
    response = api.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"two_factor_required", "two_factor_setup_required", "access", "refresh"}
    assert (body["two_factor_required"], body["two_factor_setup_required"]) == (False, False)
    access, refresh = claims(body["access"]), claims(body["refresh"])
    assert access["token_type"] == "access"
    assert refresh["token_type"] == "refresh"
    assert access["amr"] == refresh["amr"] == ["pwd"]
    assert str(access["user_id"]) == str(plain.user.pk)
    assert api.get(ME, **bearer(body["access"])).status_code == 200


def test_2fa_on_gives_exactly_a_pending_token(enabled, api, clock):
    """With 2FA on the password alone buys nothing but the second step."""
    with only_counter_changes(enabled.user):
        response = api.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"two_factor_required", "two_factor_setup_required", "pending_token"}
    assert (body["two_factor_required"], body["two_factor_setup_required"]) == (True, False)
    pending = claims(body["pending_token"])
    assert pending["token_type"] == "2fa_pending"
    assert pending["amr"] == ["pwd"]
    assert pending["exp"] - pending["iat"] == 300  # PENDING_TOKEN_LIFETIME's default
    assert str(pending["user_id"]) == str(enabled.user.pk)


def test_the_claim_name_follows_the_setting(plain, api, clock, settings):
    settings.TWO_FACTOR = {**settings.TWO_FACTOR, "CLAIM": "methods"}
    body = api.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json").json()
    payload = claims(body["access"])
    assert payload["methods"] == ["pwd"]
    assert "amr" not in payload


@pytest.fixture(params=["off", "on"])
def alice(request, db, clock):
    """Alice with 2FA off, or on: a wrong password fails the same in both."""
    return request.getfixturevalue("plain" if request.param == "off" else "enabled")


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "alice", "password": "wrong password"},
        {"username": "alice", "password": PASSWORD.upper()},
        pytest.param(
            {"username": "ALICE", "password": PASSWORD},
            marks=pytest.mark.skipif(
                connection.vendor == "mysql",
                reason="MySQL's default collations ignore case: Django's ModelBackend "
                "finds alice for ALICE (README: MySQL and MariaDB)",
            ),
        ),
        {"username": "mallory", "password": PASSWORD},
    ],
    ids=["bad-password", "password-case", "username-case", "unknown-user"],
)
def test_bad_credentials_are_401_and_change_nothing(alice, api, credentials):
    """SimpleJWT's own error: the same whichever part was wrong."""
    with only_counter_changes(alice.user):
        response = api.post(LOGIN, credentials, format="json")
    assert_error(response, 401, "no_active_account")
    assert response.has_header("WWW-Authenticate")


def test_inactive_user_is_401(alice, api):
    get_user_model()._default_manager.filter(pk=alice.user.pk).update(is_active=False)
    with only_counter_changes(alice.user):
        response = api.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    assert_error(response, 401, "no_active_account")


def test_inactive_users_tokens_stop_working(plain, api):
    get_user_model()._default_manager.filter(pk=plain.user.pk).update(is_active=False)
    assert_error(api.get(ME, **bearer(plain.tokens["access"])), 401)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"username", "password"}),
        ({"username": "alice"}, {"password"}),
        ({"password": PASSWORD}, {"username"}),
        ({"email": "alice@example.com", "password": PASSWORD}, {"username"}),
        ({"username": 12345, "password": PASSWORD}, {"username"}),
        ({"username": "alice", "password": 12345}, {"password"}),
        ({"username": ["alice"], "password": PASSWORD}, {"username"}),
        ({"username": "alice", "password": None}, {"password"}),
        ({"username": "alice", "password": ""}, {"password"}),
        ({"username": "alice", "password": "x" * 5000}, {"password"}),
        ({"username": "a" * 300, "password": PASSWORD}, {"username"}),
    ],
    ids=[
        "empty",
        "no-password",
        "no-username",
        "not-the-username-field",
        "number-username",
        "number-password",
        "list-username",
        "null-password",
        "blank-password",
        "long-password",
        "long-username",
    ],
)
def test_malformed_body_is_400_on_the_fields(alice, api, body, fields):
    """Validation errors name the fields, before any password is checked."""
    with only_counter_changes(alice.user):
        response = api.post(LOGIN, body, format="json")
    assert_validation_error(response, fields)


def test_login_does_not_touch_another_users_state(enabled, api, clock):
    """Bob logging in leaves Alice's 2FA state alone."""
    make_user("bob")
    with only_counter_changes(enabled.user):
        response = api.post(LOGIN, {"username": "bob", "password": PASSWORD}, format="json")
    assert response.json()["two_factor_required"] is False


def test_responses_are_not_cached(plain, api):
    response = api.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    assert response["Cache-Control"] == "no-store"
    failed = api.post(LOGIN, {"username": "alice", "password": "nope"}, format="json")
    assert failed["Cache-Control"] == "no-store"
