"""Tokens bound to the account's state (CONTRACT §9): every §9 event revokes what
was issued before it, through HTTP, under the package's authentication class
and under SimpleJWT's plain one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import path
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from django_twofactor import lifecycle, services, signals
from django_twofactor.permissions import IsTwoFactorAuthenticated
from django_twofactor.tokens import full_tokens
from tests.api_helpers import (
    AUTHENTICATE,
    LOGOUT,
    ME,
    REFRESH,
    TURN_OFF,
    TURN_ON,
    assert_error,
    claims,
    mfa_login,
    now_code,
    pending_login,
    post_code,
)
from tests.conftest import PASSWORD, START, bearer, code_at, log_in, make_user

REVOKED = "token_revoked"


class PlainSimpleJWTView(APIView):
    """A project view that kept SimpleJWT's own authentication class."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [IsTwoFactorAuthenticated]

    def get(self, request: Any) -> Response:
        return Response({"ok": True})


urlpatterns = [path("plain/", PlainSimpleJWTView.as_view())]


@pytest.fixture
def simplejwt(monkeypatch):
    """Set SimpleJWT settings where its modules read them: each module holds
    the settings object it imported, which ``override_settings`` replaces only
    in ``rest_framework_simplejwt.settings``."""
    import rest_framework_simplejwt.authentication
    import rest_framework_simplejwt.serializers
    import rest_framework_simplejwt.settings
    import rest_framework_simplejwt.tokens

    modules = [
        rest_framework_simplejwt.authentication,
        rest_framework_simplejwt.serializers,
        rest_framework_simplejwt.settings,
        rest_framework_simplejwt.tokens,
    ]

    def configure(**values: Any) -> None:
        for module in modules:
            for name, value in values.items():
                monkeypatch.setattr(module.api_settings, name, value)

    return configure


def me(api, access: str) -> Any:
    return api.get(ME, **bearer(access))


def refresh(api, token: str) -> Any:
    return api.post(REFRESH, {"refresh": token}, format="json")


def assert_revoked(api, tokens: dict[str, str]) -> None:
    """Every credential in ``tokens`` is refused with 401 ``token_revoked``."""
    if "access" in tokens:
        assert_error(me(api, tokens["access"]), 401, REVOKED)
        with override_settings(ROOT_URLCONF=__name__):
            assert_error(api.get("/plain/", **bearer(tokens["access"])), 401, REVOKED)
    if "refresh" in tokens:
        assert_error(refresh(api, tokens["refresh"]), 401, REVOKED)
        assert_error(api.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json"), 401)
    if "pending" in tokens:
        response = post_code(api, AUTHENTICATE, tokens["pending"], now_code_for(tokens))
        assert_error(response, 401, REVOKED)


def now_code_for(tokens: dict[str, str]) -> str:
    return tokens.get("code", "000000")


def assert_working(api, tokens: dict[str, str]) -> None:
    assert me(api, tokens["access"]).status_code == 200
    assert refresh(api, tokens["refresh"]).status_code == 200


# The events ------------------------------------------------------------------


def turn_off(api, account) -> None:
    response = post_code(api, TURN_OFF, account.tokens["access"], now_code(account.secret, 1))
    assert response.status_code == 204, response.content


def admin_reset(api, account) -> None:
    services.reset(account.user)


def change_password(api, account) -> None:
    user = get_user_model().objects.get(pk=account.user.pk)
    user.set_password("a new passphrase, long enough")
    user.save()


def log_out_everywhere(api, account) -> None:
    response = api.post(
        LOGOUT, {"refresh": account.tokens["refresh"], "everywhere": True}, format="json"
    )
    assert response.status_code == 204, response.content


EVENTS_WITH_TWO_FACTOR_ON: dict[str, Callable[[Any, Any], None]] = {
    "turn-off": turn_off,
    "reset": admin_reset,
    "password change": change_password,
    "logout everywhere": log_out_everywhere,
}


@pytest.mark.parametrize("event", EVENTS_WITH_TWO_FACTOR_ON)
def test_every_token_issued_before_the_event_is_refused(event, enabled, api, clock):
    """Access and refresh tokens with ``mfa`` (two sign-ins), and a pending token."""
    first = dict(enabled.tokens)
    clock.shift(30)
    second = mfa_login(api, enabled.secret)
    pending = pending_login(api)
    for tokens in (first, second):
        assert_working(api, tokens)
    clock.shift(30)
    EVENTS_WITH_TWO_FACTOR_ON[event](api, enabled)
    for tokens in (first, second):
        assert_revoked(api, tokens)
    assert_revoked(api, {"pending": pending, "code": now_code(enabled.secret, offset=1)})


@pytest.mark.parametrize(
    "event", ["turn-on", "password change", "logout everywhere"], ids=lambda e: e
)
def test_password_only_tokens_die_with_the_event(event, set_up, api, clock):
    """2FA off: the first turn-on too ends other devices' password-only tokens."""
    other_device = log_in(api)
    before = {"access": other_device["access"], "refresh": other_device["refresh"]}
    assert_working(api, before)
    if event == "turn-on":
        response = post_code(api, TURN_ON, set_up.tokens["access"], code_at(set_up.secret, START))
        assert response.status_code == 200
        assert_working(api, response.json())  # the turn-on response carries the new ones
    elif event == "password change":
        change_password(api, set_up)
    else:
        set_up.tokens = before
        log_out_everywhere(api, set_up)
    assert_revoked(api, before)


def test_re_enrolment_revokes_what_was_issued_while_off(enabled, api, clock):
    turn_off(api, enabled)
    while_off = log_in(api)
    assert_working(api, while_off)
    secret = services.begin_setup(enabled.refresh()).secret
    clock.shift(30)
    response = post_code(api, TURN_ON, while_off["access"], now_code(secret))
    assert response.status_code == 200, response.content
    assert_revoked(api, while_off)
    assert_working(api, response.json())


def test_a_rotated_refresh_chain_ends_at_the_event(enabled, api, clock, simplejwt):
    simplejwt(ROTATE_REFRESH_TOKENS=True)
    token = enabled.tokens["refresh"]
    for _ in range(3):
        response = refresh(api, token)
        assert response.status_code == 200
        token = response.json()["refresh"]
        clock.shift(1)
    admin_reset(api, enabled)
    assert_error(refresh(api, token), 401, REVOKED)


def test_new_tokens_after_the_event_work(enabled, api, clock):
    change_password(api, enabled)
    response = api.post(
        "/api/auth/login/",
        {"username": "alice", "password": "a new passphrase, long enough"},
        format="json",
    )
    pending = response.json()["pending_token"]
    clock.shift(30)
    tokens = post_code(api, AUTHENTICATE, pending, now_code(enabled.secret)).json()
    assert_working(api, tokens)


def test_a_token_without_the_stamp_is_refused(plain, api):
    """A token minted outside the package cannot be bound, so it is refused."""
    from rest_framework_simplejwt.tokens import RefreshToken

    foreign = RefreshToken.for_user(plain.user)
    assert_error(me(api, str(foreign.access_token)), 401, REVOKED)
    assert_error(refresh(api, str(foreign)), 401, REVOKED)


def test_another_users_stamp_does_not_fit(plain, api):
    bob = make_user("bob")
    token = full_tokens(plain.user, ["pwd"])
    forged = full_tokens(bob, ["pwd"])
    assert (
        claims(token["access"])[lifecycle.STATE_CLAIM]
        != claims(forged["access"])[lifecycle.STATE_CLAIM]
    )


def test_a_stamp_made_under_a_fallback_key_still_matches(plain, api, settings):
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-brand-new-secret-key-that-is-long-enough-0123456789"
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert me(api, plain.tokens["access"]).status_code == 200


def test_stateless_token_users_match_no_stamp():
    from rest_framework_simplejwt.models import TokenUser

    user = TokenUser({"user_id": 1})
    assert lifecycle.is_current(lifecycle.stamp(user), user)  # consistent with itself
    assert not lifecycle.token_is_current({lifecycle.STATE_CLAIM: None}, user)
    assert not lifecycle.token_is_current(object(), user)


# SimpleJWT's own CHECK_REVOKE_TOKEN -------------------------------------------


def test_simplejwt_check_revoke_token_is_honoured(enabled, api, clock, simplejwt):
    simplejwt(CHECK_REVOKE_TOKEN=True)
    tokens = mfa_login(api, enabled.secret)
    assert "hash_password" in claims(tokens["access"])
    assert me(api, tokens["access"]).status_code == 200
    change_password(api, enabled)
    assert_error(me(api, tokens["access"]), 401, "password_changed")
    assert_error(refresh(api, tokens["refresh"]), 401, REVOKED)


# Logout -----------------------------------------------------------------------


def test_logout_ends_that_refresh_token_only(plain, api, clock):
    other = log_in(api)
    response = api.post(LOGOUT, {"refresh": plain.tokens["refresh"]}, format="json")
    assert response.status_code == 204
    assert response["Cache-Control"] == "no-store"
    assert_error(refresh(api, plain.tokens["refresh"]), 401, "token_not_valid")
    assert_error(
        api.post(LOGOUT, {"refresh": plain.tokens["refresh"]}, format="json"),
        401,
        "token_not_valid",
    )
    assert_working(api, other)


def test_logout_everywhere_ends_every_token(enabled, api, clock):
    received = []
    signals.logged_out_everywhere.connect(
        lambda **kw: received.append(kw["user"].pk), weak=False, dispatch_uid="t"
    )
    try:
        clock.shift(30)
        other = mfa_login(api, enabled.secret)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("django.db.transaction.on_commit", lambda f, *a, **k: f())
            log_out_everywhere(api, enabled)
    finally:
        signals.logged_out_everywhere.disconnect(dispatch_uid="t")
    assert received == [enabled.user.pk]
    assert_revoked(api, enabled.tokens)
    assert_revoked(api, other)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, None),
        ({"refresh": ""}, 400, None),
        ({"refresh": "not-a-token"}, 401, "token_not_valid"),
        ({"refresh": 12}, 400, None),
        ({"everywhere": True}, 400, None),
    ],
)
def test_logout_refuses_what_is_not_a_live_refresh_token(body, status, code, plain, api):
    response = api.post(LOGOUT, body, format="json")
    assert response.status_code == status, response.content
    if code:
        assert response.json()["code"] == code


def test_logout_with_an_access_token_is_401(plain, api):
    response = api.post(LOGOUT, {"refresh": plain.tokens["access"]}, format="json")
    assert_error(response, 401, "token_not_valid")


def test_logout_of_a_deleted_user_is_401(plain, api):
    get_user_model().objects.filter(pk=plain.user.pk).delete()
    response = api.post(LOGOUT, {"refresh": plain.tokens["refresh"]}, format="json")
    assert_error(response, 401, "no_active_account")


def test_logout_of_one_token_without_the_blacklist_app_says_why(plain, api, settings):
    settings.INSTALLED_APPS = [
        a for a in settings.INSTALLED_APPS if a != "rest_framework_simplejwt.token_blacklist"
    ]
    response = api.post(LOGOUT, {"refresh": plain.tokens["refresh"]}, format="json")
    assert_error(response, 400, "token_blacklist_unavailable")
    everywhere = api.post(
        LOGOUT, {"refresh": plain.tokens["refresh"], "everywhere": True}, format="json"
    )
    assert everywhere.status_code == 204


# The user row: stale saves and password changes ---------------------------------


def test_a_stale_save_never_undoes_a_revocation(plain, api):
    stale = get_user_model().objects.get(pk=plain.user.pk)
    lifecycle.revoke_all(get_user_model().objects.get(pk=plain.user.pk))
    stale.first_name = "Alice"
    stale.save()
    row = get_user_model().objects.get(pk=plain.user.pk)
    assert (row.first_name, row.two_factor_epoch) == ("Alice", 1)
    assert_revoked(api, plain.tokens)


def test_a_stale_save_never_undoes_a_used_step_or_a_lock(enabled, api, clock):
    stale = get_user_model().objects.get(pk=enabled.user.pk)
    response = post_code(api, AUTHENTICATE, pending_login(api), now_code(enabled.secret))
    assert response.status_code == 200
    step = get_user_model().objects.get(pk=enabled.user.pk).two_factor_last_step
    stale.save()
    assert get_user_model().objects.get(pk=enabled.user.pk).two_factor_last_step == step


def test_explicit_update_fields_and_deferred_loads_still_save(plain):
    user = get_user_model().objects.get(pk=plain.user.pk)
    user.two_factor_failed_attempts = 3
    user.save(update_fields=["two_factor_failed_attempts"])
    deferred = get_user_model().objects.only("pk", "email").get(pk=plain.user.pk)
    deferred.email = "new@example.com"
    deferred.save()
    row = get_user_model().objects.get(pk=plain.user.pk)
    assert (row.two_factor_failed_attempts, row.email) == (3, "new@example.com")


def test_a_password_change_clears_the_counter_and_the_lock(enabled, api, clock):
    get_user_model().objects.filter(pk=enabled.user.pk).update(
        two_factor_failed_attempts=7, two_factor_locked_until=timezone.now() + timedelta(hours=1)
    )
    change_password(api, enabled)
    row = get_user_model().objects.get(pk=enabled.user.pk)
    assert (row.two_factor_failed_attempts, row.two_factor_locked_until) == (0, None)


def test_a_rehash_on_login_is_no_password_change(enabled, api, clock, settings):
    """Django upgrading a hash at login is not a password change: no reset."""
    get_user_model().objects.filter(pk=enabled.user.pk).update(two_factor_failed_attempts=3)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    response = api.post(
        "/api/auth/login/", {"username": "alice", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    row = get_user_model().objects.get(pk=enabled.user.pk)
    assert row.password.startswith("pbkdf2_sha256$")  # rehashed
    assert row.two_factor_failed_attempts == 3
