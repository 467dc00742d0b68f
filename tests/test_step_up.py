"""Step-up authentication (CONTRACT §10, RFC 9470): ``auth_time``, the maximum
age on ``TwoFactorRequired``, ``2fa/verify/`` and a recent sign-in for turn-on."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import include, path
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from django_twofactor.authentication import TwoFactorJWTAuthentication
from django_twofactor.permissions import TwoFactorRequired
from django_twofactor.tokens import full_tokens
from tests.api_helpers import (
    AUTHENTICATE,
    REFRESH,
    TURN_OFF,
    TURN_ON,
    assert_code_error,
    assert_error,
    assert_locked,
    claims,
    mfa_login,
    now_code,
    only_counter_changes,
    pending_login,
    post_code,
)
from tests.conftest import START, bearer, log_in, wrong_code

VERIFY = "/api/auth/2fa/verify/"
CHALLENGE = "insufficient_user_authentication"


class Sensitive(APIView):
    authentication_classes = [TwoFactorJWTAuthentication]
    permission_classes = [TwoFactorRequired.max_age(300)]

    def post(self, request: Any) -> Response:
        return Response(status=202)


class SensitiveBySession(APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [TwoFactorRequired.max_age(300)]

    def get(self, request: Any) -> Response:
        return Response({"ok": True})


urlpatterns = [
    path("sensitive/", Sensitive.as_view()),
    path("sensitive-session/", SensitiveBySession.as_view()),
    path("", include("example.urls")),
]
pytestmark = pytest.mark.urls(__name__)


def sensitive(api, access: str) -> Any:
    return api.post("/sensitive/", **bearer(access))


def renewed(api, tokens: dict[str, str]) -> str:
    """An access token from ``refresh/``: access tokens live 5 minutes, and the
    new one keeps the old ``auth_time``."""
    return str(api.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").json()["access"])


def assert_challenge(response: Any, max_age: int = 300) -> None:
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == (
        'Bearer error="insufficient_user_authentication", '
        f'error_description="A more recent authentication is required", max_age="{max_age}"'
    )
    body = response.json()
    assert set(body) == {"detail", "code", "max_age"}
    assert (body["code"], body["max_age"]) == (CHALLENGE, max_age)
    assert isinstance(body["detail"], str)
    assert body["detail"]


# auth_time ----------------------------------------------------------------------


def test_every_full_token_carries_the_time_of_its_authentication(plain, api, clock):
    assert claims(plain.tokens["access"])["auth_time"] == START  # the password login
    assert claims(plain.tokens["refresh"])["auth_time"] == START


def test_authenticate_sets_auth_time_and_refresh_copies_it(enabled, api, clock):
    clock.shift(100)
    tokens = mfa_login(api, enabled.secret)
    verified = claims(tokens["access"])["auth_time"]
    assert verified == START + 30 + 100
    clock.shift(250)
    renewed = api.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").json()
    assert claims(renewed["access"])["auth_time"] == verified  # copied, never advanced


# The maximum age ------------------------------------------------------------------


def test_a_fresh_verification_passes_and_an_old_one_is_challenged(enabled, api, clock):
    tokens = mfa_login(api, enabled.secret)
    assert sensitive(api, tokens["access"]).status_code == 202
    clock.shift(299)
    assert sensitive(api, tokens["access"]).status_code == 202
    access = renewed(api, tokens)
    clock.shift(1)
    assert sensitive(api, access).status_code == 202  # exactly 300 s: still fine
    clock.shift(1)
    assert_challenge(sensitive(api, access))


def test_a_token_without_auth_time_is_challenged(enabled, api, clock):
    from rest_framework_simplejwt.tokens import RefreshToken

    from django_twofactor import lifecycle

    token = RefreshToken.for_user(enabled.user).access_token
    token["amr"] = ["pwd", "mfa", "otp"]
    token[lifecycle.STATE_CLAIM] = lifecycle.stamp(enabled.refresh())
    assert_challenge(sensitive(api, str(token)))


def test_the_age_comes_after_the_second_factor(enabled, api, clock):
    """Without ``mfa`` it is the 403 of old, not a challenge to verify again."""
    no_mfa = full_tokens(enabled.refresh(), ["pwd"])["access"]
    assert_error(sensitive(api, no_mfa), 403, "two_factor_required")


def test_two_factor_off_is_403_not_a_challenge(plain, api, clock):
    clock.shift(3600)
    assert_error(sensitive(api, renewed(api, plain.tokens)), 403, "two_factor_not_enabled")


def test_the_max_age_check_costs_no_query(enabled, api, clock, django_assert_num_queries):
    tokens = mfa_login(api, enabled.secret)
    with django_assert_num_queries(1):
        assert sensitive(api, tokens["access"]).status_code == 202
    clock.shift(301)
    access = renewed(api, tokens)
    with django_assert_num_queries(1):
        assert_challenge(sensitive(api, access))


@pytest.mark.parametrize("seconds", [-1, 1.5, "300", True])
def test_max_age_takes_whole_seconds(seconds):
    with pytest.raises(ValueError, match="whole number"):
        TwoFactorRequired.max_age(seconds)


def test_max_age_makes_a_named_subclass():
    permission = TwoFactorRequired.max_age(60)
    assert issubclass(permission, TwoFactorRequired)
    assert permission.max_age_seconds == 60
    assert TwoFactorRequired.max_age_seconds is None
    assert permission.__name__ == "TwoFactorRequiredMaxAge60"


# 2fa/verify/ ----------------------------------------------------------------------


def test_verify_gives_fresh_tokens(enabled, api, clock):
    tokens = mfa_login(api, enabled.secret)
    clock.shift(400)
    access = renewed(api, tokens)
    assert_challenge(sensitive(api, access))
    response = post_code(api, VERIFY, access, now_code(enabled.secret))
    assert response.status_code == 200, response.content
    fresh = response.json()
    assert set(fresh) == {"access", "refresh"}
    assert response["Cache-Control"] == "no-store"
    assert claims(fresh["access"])["auth_time"] == START + 30 + 400
    assert claims(fresh["access"])["amr"] == ["pwd", "mfa", "otp"]
    assert sensitive(api, fresh["access"]).status_code == 202


def test_verify_with_a_recovery_code(enabled, api, clock):
    tokens = mfa_login(api, enabled.secret)
    response = post_code(api, VERIFY, tokens["access"], enabled.recovery_codes[0])
    assert response.status_code == 200
    assert claims(response.json()["access"])["amr"] == ["pwd", "mfa", "otp"]
    again = post_code(api, VERIFY, tokens["access"], enabled.recovery_codes[0])
    assert_code_error(again, "invalid_code")


def test_verify_shares_replay_counter_and_lock(enabled, api, clock):
    tokens = mfa_login(api, enabled.secret)  # spends the next step's code
    with only_counter_changes(enabled.user, by=1):
        replay = post_code(api, VERIFY, tokens["access"], now_code(enabled.secret, 1))
    assert_code_error(replay, "invalid_code")
    for _ in range(4):  # the replay counted: four more lock
        wrong = post_code(api, VERIFY, tokens["access"], wrong_code(enabled.secret))
        assert_code_error(wrong, "invalid_code")
    assert_locked(post_code(api, AUTHENTICATE, pending_login(api), now_code(enabled.secret)))
    assert_locked(post_code(api, VERIFY, tokens["access"], now_code(enabled.secret)))


def test_verify_while_two_factor_is_off_is_409(plain, api, clock):
    with only_counter_changes(plain.user):
        response = post_code(api, VERIFY, plain.tokens["access"], "123456")
    assert_error(response, 409, "two_factor_not_enabled")


def test_verify_needs_a_full_token(enabled, api, clock):
    assert_error(post_code(api, VERIFY, pending_login(api), "123456"), 401, "token_not_valid")
    no_mfa = full_tokens(enabled.refresh(), ["pwd"])["access"]
    assert_error(post_code(api, VERIFY, no_mfa, "123456"), 403, "two_factor_required")


# A recent sign-in before turn-on (OWASP ASVS 5.0 7.5.1) -----------------------------


def test_turn_on_needs_a_recent_sign_in(set_up, api, clock):
    clock.shift(301)
    with only_counter_changes(set_up.user):
        response = post_code(api, TURN_ON, renewed(api, set_up.tokens), now_code(set_up.secret))
    assert_challenge(response)
    fresh = log_in(api)  # a password login is the recent authentication
    response = post_code(api, TURN_ON, fresh["access"], now_code(set_up.secret))
    assert response.status_code == 200, response.content


def test_the_recent_sign_in_follows_the_setting(set_up, api, clock, settings):
    from datetime import timedelta

    settings.TWO_FACTOR = {"RECENT_AUTHENTICATION": timedelta(seconds=60)}
    clock.shift(61)
    response = post_code(api, TURN_ON, set_up.tokens["access"], now_code(set_up.secret))
    assert_challenge(response, max_age=60)


def test_turn_off_asks_for_a_code_not_a_recent_sign_in(enabled, api, clock):
    clock.shift(3600)
    response = post_code(api, TURN_OFF, renewed(api, enabled.tokens), now_code(enabled.secret))
    assert response.status_code == 204


# Sessions: the admin's code step is their auth_time ----------------------------------


def test_a_session_ages_from_its_code_step(enabled, client, clock):
    import time

    from django_twofactor import lifecycle, sessions

    client.force_login(enabled.user)
    assert_error(client.get("/sensitive-session/"), 403, "two_factor_required")
    session = client.session
    session[sessions.VERIFIED_KEY] = {"stamp": lifecycle.stamp(enabled.refresh()), "at": START}
    session.save()
    assert client.get("/sensitive-session/").status_code == 200
    clock.shift(301 - (time.time() - START))
    assert_challenge(client.get("/sensitive-session/"))


def test_a_session_mark_without_a_time_is_challenged(enabled, client, clock):
    from django_twofactor import lifecycle, sessions

    client.force_login(enabled.user)
    session = client.session
    session[sessions.VERIFIED_KEY] = {"stamp": lifecycle.stamp(enabled.refresh()), "at": "now"}
    session.save()
    assert_challenge(client.get("/sensitive-session/"))
