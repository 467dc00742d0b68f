"""CONTRACT §13 over HTTP: every endpoint of security keys, with a software authenticator."""

from __future__ import annotations

import time

import pytest

from tests.api_helpers import AUTHENTICATE, LOGIN, STATUS, claims
from tests.conftest import PASSWORD, bearer
from tests.webauthn_authenticator import SoftAuthenticator
from tests.webauthn_helpers import (
    AUTHENTICATE_OPTIONS,
    KEYS,
    assertion,
    key_url,
    post,
    register,
    register_options,
)


def pending(api, username="alice"):
    response = api.post(LOGIN, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["two_factor_required"] is True
    return body["pending_token"]


def test_the_first_key_turns_two_factor_on_as_turn_on_does(plain, api):
    response = register(api, plain.tokens["access"], SoftAuthenticator(), name="Blue key")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "id",
        "name",
        "created_at",
        "last_used_at",
        "recovery_codes",
        "access",
        "refresh",
    }
    assert body["name"] == "Blue key"
    assert body["last_used_at"] is None
    assert len(body["recovery_codes"]) == 10
    assert claims(body["access"])["amr"] == ["pwd", "mfa", "hwk", "user"]
    assert response["Cache-Control"] == "no-store"
    # the password-only tokens of before are void
    assert api.get(STATUS, **bearer(plain.tokens["access"])).status_code == 401
    status = api.get(STATUS, **bearer(body["access"])).json()
    assert status == {"enabled": True, "recovery_codes_remaining": 10, "methods": ["webauthn"]}


def test_a_key_logs_in_through_the_pending_token(keyed, api, clock):
    clock.shift(60)
    token = pending(api)
    credential = assertion(api, token, keyed.authenticator)
    response = post(api, AUTHENTICATE, token, {"credential": credential})
    assert response.status_code == 200, response.content
    access = response.json()["access"]
    assert claims(access)["amr"] == ["pwd", "mfa", "hwk", "user"]
    assert claims(access)["auth_time"] == int(time.time())
    keys = api.get(KEYS, **bearer(access)).json()
    assert [k["id"] for k in keys] == [keyed.key_id]
    assert keys[0]["last_used_at"] is not None


def test_an_answer_is_accepted_once(keyed, api):
    token = pending(api)
    credential = assertion(api, token, keyed.authenticator)
    assert post(api, AUTHENTICATE, token, {"credential": credential}).status_code == 200
    again = post(api, AUTHENTICATE, pending(api), {"credential": credential})
    assert again.status_code == 400
    assert again.json() == {
        "credential": ["The security key's answer is not valid, expired or was already used."]
    }


@pytest.mark.parametrize(
    "spoil",
    [
        {"origin": "http://evil.localhost:8000"},
        {"origin": "https://localhost:8000"},
        {"rp_id": "example.com"},
        {"challenge": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
        {"tamper_signature": True},
        {"user_present": False},
    ],
    ids=["origin", "scheme", "rp-id", "challenge", "signature", "no-user-presence"],
)
def test_a_spoiled_answer_is_a_counted_failure(keyed, api, spoil):
    token = pending(api)
    credential = assertion(api, token, keyed.authenticator, **spoil)
    response = post(api, AUTHENTICATE, token, {"credential": credential})
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["credential"]
    keyed.user.refresh_from_db()
    assert keyed.user.two_factor_failed_attempts == 1


def test_a_backwards_counter_is_a_cloned_key(keyed, api):
    clone = keyed.authenticator.clone()
    token = pending(api)
    assert (
        post(
            api, AUTHENTICATE, token, {"credential": assertion(api, token, keyed.authenticator)}
        ).status_code
        == 200
    )
    token = pending(api)
    response = post(api, AUTHENTICATE, token, {"credential": assertion(api, token, clone)})
    assert response.status_code == 400


def test_register_options_list_the_users_keys_to_exclude(keyed, api):
    options = register_options(api, keyed.tokens["access"])
    assert [c["id"] for c in options["excludeCredentials"]] == [
        keyed.authenticator.credentials[0].id_b64
    ]
    assert options["rp"] == {"id": "localhost", "name": "django-twofactor demo"}
    assert options["attestation"] == "none"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"


def test_authenticate_options_list_the_users_keys(keyed, api):
    response = post(api, AUTHENTICATE_OPTIONS, pending(api))
    assert response.status_code == 200
    options = response.json()
    assert [c["id"] for c in options["allowCredentials"]] == [
        keyed.authenticator.credentials[0].id_b64
    ]
    assert options["rpId"] == "localhost"
    assert options["userVerification"] == "preferred"


def test_a_second_key_adds_no_codes_and_no_tokens(keyed, api):
    response = register(api, keyed.tokens["access"], SoftAuthenticator(), name="Backup")
    assert response.status_code == 201, response.content
    assert set(response.json()) == {"id", "name", "created_at", "last_used_at"}
    names = [k["name"] for k in api.get(KEYS, **bearer(keyed.tokens["access"])).json()]
    assert names == ["YubiKey", "Backup"]


def test_rename(keyed, api):
    response = api.patch(
        key_url(keyed.key_id), {"name": "Red key"}, format="json", **bearer(keyed.tokens["access"])
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Red key"


def test_deleting_the_last_key_turns_two_factor_off(keyed, api):
    response = api.delete(key_url(keyed.key_id), **bearer(keyed.tokens["access"]))
    assert response.status_code == 204, response.content
    keyed.user.refresh_from_db()
    assert keyed.user.two_factor_enabled is False
    # every token of before is void, as after turn-off
    assert api.get(STATUS, **bearer(keyed.tokens["access"])).status_code == 401
