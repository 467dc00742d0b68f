"""``django_twofactor.permissions``: every state and claim pair, 403 bodies, and no extra query."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.tokens import AccessToken

from django_twofactor import lifecycle
from django_twofactor.permissions import IsTwoFactorAuthenticated, TwoFactorRequired
from tests.conftest import bearer, make_user

PWD = ["pwd"]
MFA = ["pwd", "mfa", "otp"]
MALFORMED: list[Any] = ["mfa", [1, 2], {"mfa": True}, None, "pwd mfa"]


def ask(permission: type, user: Any, claim: Any = PWD, *, has_claim: bool = True) -> bool:
    payload = {"amr": claim} if has_claim else {}
    request = SimpleNamespace(user=user, auth=payload)
    return permission().has_permission(request, None)


def user_with(enabled: bool) -> Any:
    return get_user_model()(username="u", two_factor_enabled=enabled)


@pytest.mark.parametrize("permission", [IsTwoFactorAuthenticated, TwoFactorRequired])
def test_anonymous_is_refused(permission):
    assert ask(permission, AnonymousUser(), MFA) is False
    assert permission().has_permission(SimpleNamespace(user=None, auth=None), None) is False


@pytest.mark.parametrize(
    ("enabled", "claim", "lenient", "strict"),
    [
        (False, PWD, True, False),
        (False, MFA, True, False),
        (False, ["pwd", "mfa"], True, False),
        (True, PWD, False, False),
        (True, ["pwd", "otp"], False, False),
        (True, MFA, True, True),
        (True, ["pwd", "mfa"], True, True),
        (True, ["mfa"], True, True),
    ],
)
def test_state_and_claim(enabled, claim, lenient, strict):
    user = user_with(enabled)
    assert ask(IsTwoFactorAuthenticated, user, claim) is lenient
    assert ask(TwoFactorRequired, user, claim) is strict


@pytest.mark.parametrize("claim", MALFORMED)
def test_malformed_claim_never_counts_as_mfa(claim):
    assert ask(IsTwoFactorAuthenticated, user_with(True), claim) is False
    assert ask(TwoFactorRequired, user_with(True), claim) is False
    assert (
        ask(IsTwoFactorAuthenticated, user_with(False), claim) is True
    )  # 2FA off: claim irrelevant
    assert ask(TwoFactorRequired, user_with(False), claim) is False


@pytest.mark.parametrize("enabled", [True, False])
def test_missing_claim_or_no_token(enabled):
    """A token without the claim, or a session login (auth None), is never mfa."""
    assert ask(IsTwoFactorAuthenticated, user_with(enabled), has_claim=False) is (not enabled)
    no_token = SimpleNamespace(user=user_with(enabled), auth=None)
    assert IsTwoFactorAuthenticated().has_permission(no_token, None) is (not enabled)
    assert TwoFactorRequired().has_permission(no_token, None) is False


def test_user_model_without_the_mixin_counts_as_off():
    """A user object without the field (e.g. a proxy for another model) is treated as 2FA off."""
    user = SimpleNamespace(is_authenticated=True)
    assert ask(IsTwoFactorAuthenticated, user) is True
    assert ask(TwoFactorRequired, user, MFA) is False


# Through a view ---------------------------------------------------------------


def view_behind(permission: type) -> Any:
    class Protected(APIView):
        authentication_classes = [JWTAuthentication]
        permission_classes = [permission]

        def get(self, request: Any) -> Response:
            return Response({"ok": True})

    return Protected.as_view()


def access_token(user: Any, claim: Any) -> str:
    token = AccessToken.for_user(user)
    token["amr"] = claim
    token[lifecycle.STATE_CLAIM] = lifecycle.stamp(user)
    return str(token)


def call(view: Any, token: str | None) -> Any:
    headers = bearer(token) if token else {}
    response = view(APIRequestFactory().get("/protected/", **headers))
    response.render()
    return response


@pytest.fixture
def user(db):
    return make_user()


def turn_on(user: Any) -> None:
    get_user_model().objects.filter(pk=user.pk).update(two_factor_enabled=True)


def test_403_body_two_factor_required(user):
    turn_on(user)
    for permission in (IsTwoFactorAuthenticated, TwoFactorRequired):
        response = call(view_behind(permission), access_token(user, PWD))
        assert response.status_code == 403
        assert response.data["code"] == "two_factor_required"
        assert response.data["detail"]


def test_403_body_two_factor_not_enabled(user):
    response = call(view_behind(TwoFactorRequired), access_token(user, MFA))
    assert response.status_code == 403
    assert response.data["code"] == "two_factor_not_enabled"
    assert response.data["detail"]


def test_pass_through_view(user):
    assert call(view_behind(IsTwoFactorAuthenticated), access_token(user, PWD)).status_code == 200
    turn_on(user)
    assert call(view_behind(IsTwoFactorAuthenticated), access_token(user, MFA)).status_code == 200
    assert call(view_behind(TwoFactorRequired), access_token(user, MFA)).status_code == 200


def test_no_token_is_401_not_403(db):
    for permission in (IsTwoFactorAuthenticated, TwoFactorRequired):
        assert call(view_behind(permission), None).status_code == 401


def test_me_endpoint_403_body(user, api):
    """The example's protected view answers with the contract's body."""
    turn_on(user)
    response = api.get("/api/me/", **bearer(access_token(user, PWD)))
    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_required"
    assert set(response.json()) == {"detail", "code"}


def count_queries(view: Any, token: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        status = call(view, token).status_code
    return len(captured), status


@pytest.mark.parametrize(("enabled", "claim"), [(False, PWD), (True, MFA), (True, PWD)])
@pytest.mark.parametrize("permission", [IsTwoFactorAuthenticated, TwoFactorRequired])
def test_no_extra_query(user, django_assert_num_queries, permission, enabled, claim):
    """The flag is read from the user row JWTAuthentication already loaded."""
    if enabled:
        turn_on(user)
    token = access_token(user, claim)
    baseline, status = count_queries(view_behind(IsAuthenticated), token)
    assert status == 200
    assert baseline >= 1  # the user row itself
    with django_assert_num_queries(baseline):
        call(view_behind(permission), token)
