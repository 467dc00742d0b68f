"""The seed tutorial's flow, end to end over HTTP."""

from __future__ import annotations

import time

import jwt

from tests.conftest import PASSWORD, bearer, code_at


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_whole_flow(plain, api, clock):
    # 2FA off: the password alone gives full tokens that /api/me/ accepts.
    assert claims(plain.tokens["access"])["amr"] == ["pwd"]
    me = api.get("/api/me/", **bearer(plain.tokens["access"]))
    assert me.status_code == 200
    assert me.json()["username"] == "alice"

    generated = api.post("/api/auth/2fa/generate/", **bearer(plain.tokens["access"]))
    assert generated.status_code == 200
    secret = generated.json()["secret"]
    assert generated.json()["qr_code"].startswith("data:image/png;base64,")

    turned_on = api.post(
        "/api/auth/2fa/turn-on/",
        {"code": code_at(secret, time.time())},
        format="json",
        **bearer(plain.tokens["access"]),
    )
    assert turned_on.status_code == 200
    assert len(turned_on.json()["recovery_codes"]) == 10
    assert "mfa" in claims(turned_on.json()["access"])["amr"]

    # Turn-on revoked the old password-only tokens.
    stale = api.get("/api/me/", **bearer(plain.tokens["access"]))
    assert stale.status_code == 401
    assert stale.json()["code"] == "token_revoked"

    clock.shift(30)
    login = api.post("/api/auth/login/", {"username": "alice", "password": PASSWORD}, format="json")
    assert login.status_code == 200
    assert login.json()["two_factor_required"] is True
    pending = login.json()["pending_token"]
    assert set(login.json()) == {
        "two_factor_required",
        "two_factor_setup_required",
        "pending_token",
    }

    # The pending token is worthless outside the authenticate endpoint.
    assert api.get("/api/me/", **bearer(pending)).status_code == 401

    authed = api.post(
        "/api/auth/2fa/authenticate/",
        {"code": code_at(secret, time.time())},
        format="json",
        **bearer(pending),
    )
    assert authed.status_code == 200
    access = authed.json()["access"]
    assert claims(access)["amr"] == ["pwd", "mfa", "otp"]

    me = api.get("/api/me/", **bearer(access))
    assert me.status_code == 200
    assert me.json()["two_factor_enabled"] is True
