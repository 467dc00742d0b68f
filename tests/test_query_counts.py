"""Database queries per request, pinned: a regression fails ``make test``.

The numbers are what the endpoints need today (``make bench`` shows the same
ones, without transaction control). In these tests every request runs inside
the test's transaction, so an ``atomic`` block adds a SAVEPOINT and a RELEASE,
on SQLite and PostgreSQL alike; they are counted here. Timings never go in
tests: they live in the benchmark.
"""

from __future__ import annotations

import time

import pytest
from django.urls import include, path
from rest_framework.permissions import IsAuthenticated
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.views import TokenObtainPairView

from django_twofactor import lifecycle
from django_twofactor.tokens import full_tokens
from example.views import MeView
from tests.api_helpers import (
    AUTHENTICATE,
    GENERATE,
    LOGIN,
    ME,
    RECOVERY_CODES,
    REFRESH,
    STATUS,
    TURN_OFF,
    TURN_ON,
)
from tests.conftest import PASSWORD, bearer, code_at, make_user, wrong_code

GUARDED = "/q/guarded/"
BASELINE = "/q/baseline/"
SIMPLEJWT_LOGIN = "/q/simplejwt-login/"

# Reading the user row is JWTAuthentication's one query; the permission adds none.
AUTHENTICATED_USER = 1
# An ``atomic`` block inside the test's transaction: SAVEPOINT and RELEASE.
SAVEPOINT = 2
# SimpleJWT's blacklist app (the example installs it, for logout/) records each
# refresh token issued (an INSERT) and looks each one read up in its list.
OUTSTANDING = 1
BLACKLIST_CHECK = 1


class BaselineMeView(MeView):
    """The example's protected view with SimpleJWT's and DRF's own classes only:
    what the package adds (the state stamp, the second-factor check) is the
    difference."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]


urlpatterns = [
    path("q/guarded/", MeView.as_view()),
    path("q/baseline/", BaselineMeView.as_view()),
    path("q/simplejwt-login/", TokenObtainPairView.as_view()),
    path("", include("example.urls")),
]

pytestmark = pytest.mark.urls(__name__)


def now_code(account) -> str:
    return code_at(account.secret, time.time())


# The permission -----------------------------------------------------------------


@pytest.mark.parametrize("state", ["plain", "enabled"])
@pytest.mark.parametrize("url", [GUARDED, ME, BASELINE])
def test_protected_view_costs_what_is_authenticated_costs(
    request, api, state, url, django_assert_num_queries
):
    """The state stamp and IsTwoFactorAuthenticated read only the row JWT auth loaded:
    the package's view costs what SimpleJWT's plain one (BASELINE) costs."""
    account = request.getfixturevalue(state)
    with django_assert_num_queries(AUTHENTICATED_USER):
        response = api.get(url, **bearer(account.tokens["access"]))
    assert response.status_code == 200


def test_refused_token_costs_no_extra_query_either(enabled, api, django_assert_num_queries):
    """The 403 for a token without ``mfa`` is decided from the claim alone."""
    stale = full_tokens(enabled.user, ["pwd"])["access"]
    with django_assert_num_queries(AUTHENTICATED_USER):
        response = api.get(GUARDED, **bearer(stale))
    assert response.status_code == 403


@pytest.mark.parametrize("url", [GUARDED, BASELINE])
def test_a_revoked_token_costs_no_extra_query(plain, api, url, django_assert_num_queries):
    """The 401 ``token_revoked`` (package class) is decided from the row loaded anyway."""
    lifecycle.revoke_all(plain.user)
    with django_assert_num_queries(AUTHENTICATED_USER):
        response = api.get(url, **bearer(plain.tokens["access"]))
    assert response.status_code == (401 if url == GUARDED else 200)


# Login --------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LOGIN, SIMPLEJWT_LOGIN])
def test_login_with_two_factor_off_reads_one_row(db, api, url, django_assert_num_queries):
    """Login is SimpleJWT's one lookup: the 2FA branch reads the same row."""
    make_user()
    with django_assert_num_queries(1 + OUTSTANDING):
        response = api.post(url, {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert "access" in response.json()


def test_login_with_two_factor_on_reads_one_row(enabled, api, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = api.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json()["two_factor_required"] is True


def test_failed_login_reads_one_row(plain, api, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = api.post(LOGIN, {"username": "alice", "password": "wrong"}, format="json")
    assert response.status_code == 401


# Refresh ------------------------------------------------------------------------


def test_refresh_reads_the_user_at_most_twice(plain, api, django_assert_max_num_queries):
    """The package's owner check, plus SimpleJWT's own lookup from 5.4 on (none in 5.3);
    the token is decoded twice (the owner check, then SimpleJWT's), each with its
    blacklist look-up."""
    with django_assert_max_num_queries(2 + 2 * BLACKLIST_CHECK):
        response = api.post(REFRESH, {"refresh": plain.tokens["refresh"]}, format="json")
    assert response.status_code == 200


# Authenticate -------------------------------------------------------------------


@pytest.fixture
def pending(enabled, api) -> str:
    response = api.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    return response.json()["pending_token"]


def test_authenticate_with_totp_is_a_read_and_one_conditional_update(
    enabled, pending, api, django_assert_num_queries
):
    """Replay protection and the counter reset are one ``UPDATE … WHERE``."""
    with django_assert_num_queries(AUTHENTICATED_USER + 1 + OUTSTANDING):
        response = api.post(
            AUTHENTICATE, {"code": now_code(enabled)}, format="json", **bearer(pending)
        )
    assert response.status_code == 200


def test_authenticate_with_wrong_code_counts_the_failure(
    enabled, pending, api, clock, django_assert_num_queries
):
    """Failure: the step update that matched nothing, then the counter (in a savepoint)."""
    code = wrong_code(enabled.secret, time.time())
    # read user; record failure: increment, read the count back
    with django_assert_num_queries(AUTHENTICATED_USER + SAVEPOINT + 2):
        response = api.post(AUTHENTICATE, {"code": code}, format="json", **bearer(pending))
    assert response.status_code == 400
    assert enabled.refresh().two_factor_failed_attempts == 1


def test_authenticate_with_recovery_code(enabled, pending, api, django_assert_num_queries):
    """Find the code's row by its lookup (then one derivation, no query), spend
    it and reset the counter atomically, then count what is left."""
    with django_assert_num_queries(AUTHENTICATED_USER + 1 + SAVEPOINT + 2 + 1 + OUTSTANDING):
        response = api.post(
            AUTHENTICATE, {"code": enabled.recovery_codes[0]}, format="json", **bearer(pending)
        )
    assert response.status_code == 200


# Set-up and management ----------------------------------------------------------


@pytest.mark.parametrize("accept", ["application/json", "image/png", "image/svg+xml"])
def test_generate_stores_the_secret_in_one_update(plain, api, accept, django_assert_num_queries):
    with django_assert_num_queries(AUTHENTICATED_USER + 1):
        response = api.post(GENERATE, HTTP_ACCEPT=accept, **bearer(plain.tokens["access"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(accept)


def test_turn_on(set_up, api, django_assert_num_queries):
    """Enable, then replace the recovery codes: one delete, one bulk insert."""
    with django_assert_num_queries(AUTHENTICATED_USER + SAVEPOINT + 3 + OUTSTANDING):
        response = api.post(
            TURN_ON, {"code": now_code(set_up)}, format="json", **bearer(set_up.tokens["access"])
        )
    assert response.status_code == 200
    assert len(response.json()["recovery_codes"]) == 10


@pytest.mark.parametrize(("state", "queries"), [("plain", 0), ("enabled", 2)])
def test_status(request, api, state, queries, django_assert_num_queries):
    """With 2FA on: counting the remaining recovery codes, and whether a security key
    is among the methods."""
    account = request.getfixturevalue(state)
    with django_assert_num_queries(AUTHENTICATED_USER + queries):
        response = api.get(STATUS, **bearer(account.tokens["access"]))
    assert response.status_code == 200


def test_turn_off(enabled, api, django_assert_num_queries):
    """Accept the code, then clear the row, the recovery codes, the security keys,
    their challenges and the trusted devices together."""
    with django_assert_num_queries(AUTHENTICATED_USER + 1 + SAVEPOINT + 5):
        response = api.post(
            TURN_OFF, {"code": now_code(enabled)}, format="json", **bearer(enabled.tokens["access"])
        )
    assert response.status_code == 204


def test_recovery_codes(enabled, api, django_assert_num_queries):
    """Accept the code, then swap the whole set: one delete, one bulk insert."""
    with django_assert_num_queries(AUTHENTICATED_USER + 1 + SAVEPOINT + 2):
        response = api.post(
            RECOVERY_CODES,
            {"code": now_code(enabled)},
            format="json",
            **bearer(enabled.tokens["access"]),
        )
    assert response.status_code == 200
    assert len(response.json()["recovery_codes"]) == 10


# Security keys ----------------------------------------------------------------------


@pytest.fixture
def key_pending(keyed, api):
    """A pending token of the ``keyed`` user and an answer to a challenge fetched with it."""
    from tests.webauthn_helpers import assertion

    response = api.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    token = response.json()["pending_token"]
    return token, assertion(api, token, keyed.authenticator)


def test_authenticate_with_a_key(key_pending, api, django_assert_num_queries):
    """Find the key, spend the challenge (one DELETE), then reset the counter and move
    the key's signature counter atomically."""
    token, credential = key_pending
    with django_assert_num_queries(AUTHENTICATED_USER + 1 + 1 + SAVEPOINT + 2 + OUTSTANDING):
        response = api.post(
            AUTHENTICATE, {"credential": credential}, format="json", **bearer(token)
        )
    assert response.status_code == 200


def test_authentication_options(keyed, api, django_assert_num_queries):
    """The user's keys; then the challenge: drop expired ones, insert, look for a
    surplus beyond ``LIVE_PER_CEREMONY`` (a delete only when there is one)."""
    from tests.webauthn_helpers import AUTHENTICATE_OPTIONS

    response = api.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    token = response.json()["pending_token"]
    with django_assert_num_queries(AUTHENTICATED_USER + 1 + 3):
        response = api.post(AUTHENTICATE_OPTIONS, {}, format="json", **bearer(token))
    assert response.status_code == 200


def test_list_keys(keyed, api, django_assert_num_queries):
    from tests.webauthn_helpers import KEYS

    with django_assert_num_queries(AUTHENTICATED_USER + 1):
        response = api.get(KEYS, **bearer(keyed.tokens["access"]))
    assert response.status_code == 200
