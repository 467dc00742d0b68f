"""``POST refresh/``: SimpleJWT's refresh, which keeps the claim and never adds ``mfa``."""

from __future__ import annotations

from unittest import mock

import jwt
import pytest
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.serializers import TokenRefreshSerializer

from django_twofactor.conf import jwt_settings
from tests.api_helpers import (
    AUTHENTICATE,
    ME,
    REFRESH,
    TURN_ON,
    assert_error,
    assert_validation_error,
    claims,
    mfa_login,
    now_code,
    only_counter_changes,
    pending_login,
    post_code,
)
from tests.conftest import bearer


def refresh(api, token):
    return api.post(REFRESH, {"refresh": token}, format="json")


def test_refresh_gives_exactly_an_access_token_with_the_same_claim(plain, api, clock):
    response = refresh(api, plain.tokens["refresh"])
    assert response.status_code == 200
    assert set(response.json()) == {"access"}
    payload = claims(response.json()["access"])
    assert payload["token_type"] == "access"
    assert payload["amr"] == ["pwd"]
    assert str(payload["user_id"]) == str(plain.user.pk)
    assert response["Cache-Control"] == "no-store"


def test_refresh_keeps_mfa_and_otp(enabled, api, clock):
    """A session that passed the second step stays passed after a refresh."""
    clock.shift(200)
    response = refresh(api, enabled.tokens["refresh"])
    access = response.json()["access"]
    assert claims(access)["amr"] == ["pwd", "mfa", "otp"]
    assert api.get(ME, **bearer(access)).status_code == 200


def test_refresh_keeps_a_recovery_code_sessions_claim(enabled, api, clock):
    pending = pending_login(api)
    tokens = post_code(api, AUTHENTICATE, pending, enabled.recovery_codes[0]).json()
    access = refresh(api, tokens["refresh"]).json()["access"]
    assert claims(access)["amr"] == ["pwd", "mfa"]


def test_refresh_never_adds_mfa(set_up, api, clock):
    """A refresh token from before 2FA was turned on buys nothing: not a token
    with ``mfa``, not even a password-only one (turn-on revoked it)."""
    old_refresh = set_up.tokens["refresh"]
    turned_on = post_code(api, TURN_ON, set_up.tokens["access"], now_code(set_up.secret))
    assert turned_on.status_code == 200
    assert_error(refresh(api, old_refresh), 401, "token_revoked")
    assert_error(api.get(ME, **bearer(set_up.tokens["access"])), 401, "token_revoked")


def test_refresh_ignores_the_authorization_header(plain, api):
    """The endpoint takes no credentials; a stale header does not break it."""
    body = {"refresh": plain.tokens["refresh"]}
    response = api.post(REFRESH, body, format="json", **bearer("junk"))
    assert response.status_code == 200


@pytest.mark.parametrize("kind", ["garbage", "access", "pending", "forged", "expired"])
def test_anything_but_a_live_refresh_token_is_401(kind, enabled, api, clock):
    tokens = mfa_login(api, enabled.secret)
    token = {
        "garbage": "not-a-token",
        "access": tokens["access"],
        "pending": pending_login(api),
        "forged": jwt.encode(claims(tokens["refresh"]), "another-key-" + "x" * 40, "HS256"),
        "expired": tokens["refresh"],
    }[kind]
    if kind == "expired":
        clock.shift(24 * 3600 + 1)  # REFRESH_TOKEN_LIFETIME is one day
    with only_counter_changes(enabled.user):
        response = refresh(api, token)
    assert_error(response, 401, "token_not_valid")


@pytest.mark.parametrize("gone", ["deleted", "inactive"])
def test_the_refresh_token_of_a_deleted_or_inactive_user_is_401(gone, plain, api, clock):
    """Not a 500 (SimpleJWT 5.5) and not a new access token (SimpleJWT 5.3)."""
    if gone == "deleted":
        plain.user.delete()
    else:
        plain.user.is_active = False
        plain.user.save(update_fields=["is_active"])
    assert_error(refresh(api, plain.tokens["refresh"]), 401, "no_active_account")


@pytest.mark.parametrize(
    "user_id", ["abc", [1], {"id": 1}, "", None], ids=["text", "list", "object", "blank", "none"]
)
def test_a_signed_refresh_token_naming_no_user_is_401(user_id, plain, api, clock):
    """An id the user model cannot hold (say, after its key type changed) names no one."""
    payload = claims(plain.tokens["refresh"])
    payload["user_id"] = user_id
    signed = jwt.encode(payload, jwt_settings().SIGNING_KEY, "HS256")
    assert_error(refresh(api, signed), 401, "no_active_account")


def test_a_user_deleted_during_the_refresh_is_401(plain, api, clock):
    """Deleted after the package's check and before SimpleJWT's own lookup."""
    gone = get_user_model().DoesNotExist("deleted meanwhile")
    with mock.patch.object(TokenRefreshSerializer, "validate", side_effect=gone):
        assert_error(refresh(api, plain.tokens["refresh"]), 401, "no_active_account")


def test_a_refresh_token_lives_until_its_lifetime(enabled, api, clock):
    tokens = mfa_login(api, enabled.secret)
    clock.shift(24 * 3600 - 60)
    assert refresh(api, tokens["refresh"]).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"token": "x"},
        {"refresh": ""},
        {"refresh": 1},
        {"refresh": ["x"]},
        {"refresh": None},
        {"refresh": {"a": 1}},
        {"refresh": True},
        {"refresh": "x" * 5000},
    ],
    ids=["empty", "wrong-key", "blank", "number", "list", "null", "object", "bool", "long"],
)
def test_malformed_body_is_400_on_refresh(body, enabled, api, clock):
    with only_counter_changes(enabled.user):
        response = api.post(REFRESH, body, format="json")
    assert_validation_error(response, {"refresh"})
