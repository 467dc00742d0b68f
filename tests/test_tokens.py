"""``django_twofactor.tokens``: the pending token type and the RFC 8176 claim."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from django.test import override_settings
from rest_framework.test import APIRequestFactory
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from django_twofactor import tokens
from django_twofactor.authentication import PendingTokenAuthentication
from tests.conftest import make_user


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.fixture
def user(db):
    return make_user()


def test_pending_token_type_and_claim(user):
    payload = claims(tokens.pending_token(user))
    assert payload["token_type"] == tokens.PendingToken.token_type == "2fa_pending"
    assert payload["amr"] == ["pwd"]
    assert str(payload["user_id"]) == str(user.pk)


def test_pending_lifetime_default(user, clock):
    payload = claims(tokens.pending_token(user))
    assert payload["exp"] - payload["iat"] == 5 * 60


@override_settings(TWO_FACTOR={"PENDING_TOKEN_LIFETIME": timedelta(seconds=90)})
def test_pending_lifetime_from_settings(user, clock):
    raw = tokens.pending_token(user)
    payload = claims(raw)
    assert payload["exp"] - payload["iat"] == 90
    assert tokens.PendingToken.lifetime == timedelta(seconds=90)
    clock.shift(89)
    tokens.PendingToken(raw)  # still good
    clock.shift(2)
    with pytest.raises(TokenError):
        tokens.PendingToken(raw)


def test_pending_token_rejected_by_simplejwt_token_classes(user):
    raw = tokens.pending_token(user)
    with pytest.raises(TokenError):
        AccessToken(raw)
    with pytest.raises(TokenError):
        RefreshToken(raw)


def test_pending_token_rejected_by_jwt_authentication(user):
    """A view that only has JWTAuthentication (no permission class) is still safe."""
    raw = tokens.pending_token(user)
    with pytest.raises(InvalidToken):
        JWTAuthentication().get_validated_token(raw.encode())
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    with pytest.raises(InvalidToken):
        JWTAuthentication().authenticate(request)


def test_full_tokens_rejected_by_pending_authentication(user):
    """And the other way round: an access or refresh token is no pending token."""
    full = tokens.full_tokens(user, ["pwd"])
    for raw in full.values():
        with pytest.raises(InvalidToken):
            PendingTokenAuthentication().get_validated_token(raw.encode())
    pending = tokens.pending_token(user)
    validated = PendingTokenAuthentication().get_validated_token(pending.encode())
    assert validated["token_type"] == "2fa_pending"


@pytest.mark.parametrize(
    "payload",
    [
        None,
        {},
        {"amr": "pwd"},
        {"amr": "mfa"},
        {"amr": [1, 2]},
        {"amr": ["pwd", 1]},
        {"amr": {"mfa": True}},
        {"amr": None},
        {"amr": [["mfa"]]},
    ],
)
def test_methods_of_malformed_claims(payload):
    assert tokens.methods_of(payload) == []
    assert tokens.has_second_factor(payload) is False


def test_methods_of_well_formed_claim():
    assert tokens.methods_of({"amr": ["pwd", "mfa"]}) == ["pwd", "mfa"]
    assert tokens.has_second_factor({"amr": ["pwd", "mfa"]}) is True
    assert tokens.has_second_factor({"amr": ["pwd", "otp"]}) is False
    assert tokens.methods_of({"amr": []}) == []


@override_settings(TWO_FACTOR={"CLAIM": "methods"})
def test_methods_of_reads_the_configured_claim():
    assert tokens.methods_of({"amr": ["pwd", "mfa"]}) == []
    assert tokens.methods_of({"methods": ["pwd", "mfa"]}) == ["pwd", "mfa"]


def test_methods_of_token_object(user):
    access = AccessToken(tokens.full_tokens(user, ["pwd", "mfa", "otp"])["access"])
    assert tokens.methods_of(access) == ["pwd", "mfa", "otp"]


@pytest.mark.parametrize(
    ("previous", "added", "expected"),
    [
        (["pwd"], ["mfa", "otp"], ["pwd", "mfa", "otp"]),
        (["pwd"], ["mfa"], ["pwd", "mfa"]),
        (["pwd", "mfa"], ["mfa", "otp"], ["pwd", "mfa", "otp"]),
        (["pwd", "mfa", "otp"], ["mfa", "otp"], ["pwd", "mfa", "otp"]),
        ([], ["mfa", "otp"], ["mfa", "otp"]),
        ([], [], ["pwd"]),
    ],
)
def test_merge_methods(previous, added, expected):
    """Order kept, no duplicates, never empty."""
    assert tokens.merge_methods(previous, added) == expected


def test_full_tokens_carry_the_claim(user):
    minted = tokens.full_tokens(user, ["pwd", "mfa", "otp"])
    assert set(minted) == {"access", "refresh"}
    AccessToken(minted["access"])
    RefreshToken(minted["refresh"])
    assert claims(minted["access"])["amr"] == ["pwd", "mfa", "otp"]
    assert claims(minted["refresh"])["amr"] == ["pwd", "mfa", "otp"]


@override_settings(TWO_FACTOR={"CLAIM": "methods"})
def test_full_tokens_custom_claim_name(user):
    minted = tokens.full_tokens(user, ["pwd", "mfa"])
    for raw in minted.values():
        payload = claims(raw)
        assert payload["methods"] == ["pwd", "mfa"]
        assert "amr" not in payload
    assert tokens.has_second_factor(AccessToken(minted["access"]))
    assert claims(tokens.pending_token(user))["methods"] == ["pwd"]


def test_refresh_keeps_the_claim(user):
    minted = tokens.full_tokens(user, ["pwd", "mfa", "otp"])
    renewed = RefreshToken(minted["refresh"]).access_token
    assert tokens.methods_of(renewed) == ["pwd", "mfa", "otp"]
    plain = tokens.full_tokens(user, ["pwd"])
    assert tokens.methods_of(RefreshToken(plain["refresh"]).access_token) == ["pwd"]
