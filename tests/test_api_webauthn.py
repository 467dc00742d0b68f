"""CONTRACT §13 over HTTP: every endpoint of security keys, with a software authenticator."""

from __future__ import annotations

import base64
import time

import pytest

from django_twofactor.models import RecoveryCode, WebAuthnChallenge, WebAuthnCredential
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
    assert_error,
    assert_field_error,
    assert_locked,
    claims,
    failures,
    field_error,
    mfa_login,
    now_code,
    only_counter_changes,
)
from tests.conftest import PASSWORD, bearer, log_in, make_user
from tests.webauthn_authenticator import SoftAuthenticator
from tests.webauthn_helpers import (
    AUTHENTICATE_OPTIONS,
    KEYS,
    REGISTER,
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
    assert again.json() == field_error(
        "credential",
        "invalid_credential",
        "The security key's answer is not valid, expired or was already used.",
    )


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
    assert_field_error(response, "credential", "invalid_credential")
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


VERIFY = "/api/auth/2fa/verify/"


def later_access(api, tokens):
    """A fresh access token from ``refresh/``: its ``auth_time`` stays the old one."""
    response = api.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["access"]


def full_with_key(api, keyed):
    """Password and the key: full tokens with a fresh ``auth_time``."""
    token = pending(api)
    response = post(
        api, AUTHENTICATE, token, {"credential": assertion(api, token, keyed.authenticator)}
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_step_up_with_a_key(keyed, api, clock):
    clock.shift(600)
    access = later_access(api, keyed.tokens)
    credential = assertion(api, access, keyed.authenticator)  # options with the full token
    response = post(api, VERIFY, access, {"credential": credential})
    assert response.status_code == 200, response.content
    new = claims(response.json()["access"])
    assert new["auth_time"] == int(time.time())
    assert new["amr"] == ["pwd", "mfa", "hwk", "user"]


def test_a_backed_up_passkey_is_a_software_key(plain, api):
    passkey = SoftAuthenticator(backup_eligible=True, backed_up=True)
    response = register(api, plain.tokens["access"], passkey)
    assert response.status_code == 201, response.content
    assert claims(response.json()["access"])["amr"] == ["pwd", "mfa", "swk", "user"]
    token = pending(api)
    answer = post(api, AUTHENTICATE, token, {"credential": assertion(api, token, passkey)})
    assert claims(answer.json()["access"])["amr"] == ["pwd", "mfa", "swk", "user"]


def test_turn_off_with_a_key_removes_every_method(keyed, api):
    access = keyed.tokens["access"]
    response = post(
        api, TURN_OFF, access, {"credential": assertion(api, access, keyed.authenticator)}
    )
    assert response.status_code == 204, response.content
    assert not WebAuthnCredential.objects.filter(user=keyed.user).exists()
    assert not WebAuthnChallenge.objects.filter(user=keyed.user).exists()
    assert not RecoveryCode.objects.filter(user=keyed.user).exists()
    assert log_in(api)["two_factor_required"] is False


def test_new_recovery_codes_with_a_key(keyed, api):
    access = keyed.tokens["access"]
    credential = assertion(api, access, keyed.authenticator)
    response = post(api, RECOVERY_CODES, access, {"credential": credential})
    assert response.status_code == 200, response.content
    assert set(response.json()["recovery_codes"]).isdisjoint(keyed.recovery_codes)


def test_a_recovery_code_stands_in_for_a_lost_key(keyed, api):
    token = pending(api)
    response = post(api, AUTHENTICATE, token, {"code": keyed.recovery_codes[0]})
    assert response.status_code == 200, response.content
    assert claims(response.json()["access"])["amr"] == ["pwd", "mfa"]


def test_a_key_user_adds_an_app(keyed, api, clock):
    access = keyed.tokens["access"]
    secret = post(api, GENERATE, access).json()["secret"]
    response = post(api, TURN_ON, access, {"code": now_code(secret)})
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body["recovery_codes"]) == 10  # a new set: the old one stops working
    assert not RecoveryCode.objects.filter(user=keyed.user, used_at__isnull=True).count() - 10
    # 2FA was on already: no epoch change, so the tokens of before still work
    assert api.get(ME, **bearer(access)).status_code == 200
    status = api.get(STATUS, **bearer(body["access"])).json()
    assert status["methods"] == ["totp", "webauthn"]
    clock.shift(30)
    tokens = mfa_login(api, secret)
    assert claims(tokens["access"])["amr"] == ["pwd", "mfa", "otp"]


def test_an_unconfirmed_app_secret_is_no_method(keyed, api):
    """Generate alone (no turn-on) gives a key user no TOTP: its codes are refused."""
    secret = post(api, GENERATE, keyed.tokens["access"]).json()["secret"]
    token = pending(api)
    with only_counter_changes(keyed.user, by=1):
        response = post(api, AUTHENTICATE, token, {"code": now_code(secret)})
    assert response.status_code == 400


def test_an_app_user_adds_a_key_without_new_codes(enabled, api):
    response = register(api, enabled.tokens["access"], SoftAuthenticator())
    assert response.status_code == 201, response.content
    assert set(response.json()) == {"id", "name", "created_at", "last_used_at"}
    assert api.get(ME, **bearer(enabled.tokens["access"])).status_code == 200
    status = api.get(STATUS, **bearer(enabled.tokens["access"])).json()
    assert status["methods"] == ["totp", "webauthn"]
    assert status["recovery_codes_remaining"] == 10


def test_deleting_a_key_keeps_two_factor_while_the_app_remains(enabled, api):
    key = register(api, enabled.tokens["access"], SoftAuthenticator()).json()
    response = api.delete(key_url(key["id"]), **bearer(enabled.tokens["access"]))
    assert response.status_code == 204
    enabled.user.refresh_from_db()
    assert enabled.user.two_factor_enabled is True
    assert api.get(ME, **bearer(enabled.tokens["access"])).status_code == 200


def test_a_removed_key_no_longer_signs_in(keyed, api):
    second = SoftAuthenticator()
    assert register(api, keyed.tokens["access"], second).status_code == 201
    api.delete(key_url(keyed.key_id), **bearer(keyed.tokens["access"]))
    token = pending(api)
    response = post(api, AUTHENTICATE_OPTIONS, token)
    assert [c["id"] for c in response.json()["allowCredentials"]] == [second.credentials[0].id_b64]
    old = keyed.authenticator.authenticate(
        response.json(), credential=keyed.authenticator.credentials[0]
    )
    assert post(api, AUTHENTICATE, token, {"credential": old}).status_code == 400


def test_another_users_key_is_not_found(keyed, api, clock):
    make_user("bob")
    bob = log_in(api, "bob")
    for response in (
        api.patch(key_url(keyed.key_id), {"name": "mine"}, format="json", **bearer(bob["access"])),
        api.delete(key_url(keyed.key_id), **bearer(bob["access"])),
    ):
        assert_error(response, 404, "not_found")
    assert WebAuthnCredential.objects.get(pk=keyed.key_id).name == "YubiKey"


def test_another_users_assertion_is_refused(keyed, api):
    """Bob's pending token with Alice's key: not a credential of Bob's."""
    make_user("bob")
    bob_key = SoftAuthenticator()
    bob = log_in(api, "bob")
    assert register(api, bob["access"], bob_key).status_code == 201
    token = pending(api, "bob")
    options = post(api, AUTHENTICATE_OPTIONS, token).json()
    alices = keyed.authenticator.authenticate(
        options, credential=keyed.authenticator.credentials[0]
    )
    response = post(api, AUTHENTICATE, token, {"credential": alices})
    assert response.status_code == 400


def test_a_key_registered_to_one_account_is_refused_for_another(keyed, api):
    make_user("bob")
    bob = log_in(api, "bob")
    options = register_options(api, bob["access"])
    # the same authenticator answers with Alice's credential ID and key: a replay of hers
    again = keyed.authenticator.register(
        options,
        credential_id=keyed.authenticator.credentials[0].credential_id,
        private_key=keyed.authenticator.credentials[0].private_key,
    )
    response = post(api, REGISTER, bob["access"], {"credential": again})
    assert_field_error(response, "credential", "invalid_credential")
    assert WebAuthnCredential.objects.count() == 1


def test_an_expired_challenge_is_refused(keyed, api, clock):
    token = pending(api)
    options = post(api, AUTHENTICATE_OPTIONS, token).json()
    clock.shift(5 * 60 + 1)
    token = pending(api)
    response = post(
        api, AUTHENTICATE, token, {"credential": keyed.authenticator.authenticate(options)}
    )
    assert response.status_code == 400


def test_a_registration_challenge_does_not_authenticate(keyed, api):
    options = register_options(api, keyed.tokens["access"])
    token = pending(api)
    request_options = post(api, AUTHENTICATE_OPTIONS, token).json()
    credential = keyed.authenticator.authenticate(request_options, challenge=options["challenge"])
    assert post(api, AUTHENTICATE, token, {"credential": credential}).status_code == 400


def test_failed_assertions_lock_like_wrong_codes(keyed, api):
    token = pending(api)
    for _ in range(5):
        credential = assertion(api, token, keyed.authenticator, tamper_signature=True)
        assert post(api, AUTHENTICATE, token, {"credential": credential}).status_code == 400
    right = assertion(api, token, keyed.authenticator)
    assert_locked(post(api, AUTHENTICATE, token, {"credential": right}))
    assert failures(keyed.user) == 5


@pytest.mark.parametrize(
    ("body", "error_code"),
    [
        ({"credential": "not an object"}, "malformed_credential"),
        ({"credential": {}}, "malformed_credential"),
        (
            {"credential": {"id": "x", "rawId": "x", "type": "public-key", "response": {}}},
            "malformed_credential",
        ),
        (
            {
                "credential": {
                    "id": "x",
                    "rawId": "!!",
                    "type": "public-key",
                    "response": {
                        "clientDataJSON": "!",
                        "authenticatorData": "!",
                        "signature": "!",
                    },
                }
            },
            "malformed_credential",
        ),
        ({"credential": None}, "null"),
    ],
)
def test_a_malformed_credential_is_a_400_and_no_attempt(keyed, api, body, error_code):
    token = pending(api)
    with only_counter_changes(keyed.user, by=0):
        response = post(api, AUTHENTICATE, token, body)
    assert_field_error(response, "credential", error_code)


def test_a_code_and_a_credential_together_are_refused(keyed, api):
    token = pending(api)
    credential = assertion(api, token, keyed.authenticator)
    with only_counter_changes(keyed.user, by=0):
        response = post(api, AUTHENTICATE, token, {"code": "123456", "credential": credential})
    assert_field_error(response, "credential", "malformed_credential")


def test_options_need_two_factor_on(plain, api):
    response = post(api, AUTHENTICATE_OPTIONS, plain.tokens["access"])
    assert_error(response, 409, "two_factor_not_enabled")
    assert not WebAuthnChallenge.objects.exists()


def test_options_need_a_key(enabled, api):
    assert_error(post(api, AUTHENTICATE_OPTIONS, pending(api)), 409, "two_factor_no_security_key")
    assert not WebAuthnChallenge.objects.exists()


def test_registering_needs_a_recent_authentication(plain, api, clock):
    clock.shift(5 * 60 + 1)
    access = later_access(api, plain.tokens)
    for response in (
        post(api, "/api/auth/2fa/webauthn/register/options/", access),
        post(api, REGISTER, access, {"credential": {}}),
    ):
        assert_error(response, 401, "insufficient_user_authentication")
        assert 'max_age="300"' in response["WWW-Authenticate"]


def test_deleting_needs_a_recent_authentication(keyed, api, clock):
    clock.shift(5 * 60 + 1)
    response = api.delete(key_url(keyed.key_id), **bearer(later_access(api, keyed.tokens)))
    assert_error(response, 401, "insufficient_user_authentication")
    assert WebAuthnCredential.objects.filter(pk=keyed.key_id).exists()


def test_a_second_key_needs_the_second_factor(keyed, api):
    """With 2FA on, a password-only token cannot exist; a pending one is no full token."""
    token = pending(api)
    assert post(api, "/api/auth/2fa/webauthn/register/options/", token).status_code == 401
    assert api.get(KEYS, **bearer(token)).status_code == 401


def test_a_refused_registration_changes_nothing(plain, api):
    options = register_options(api, plain.tokens["access"])
    bad = SoftAuthenticator().register(options, origin="https://evil.example")
    response = post(api, REGISTER, plain.tokens["access"], {"credential": bad})
    assert response.status_code == 400
    plain.user.refresh_from_db()
    assert plain.user.two_factor_enabled is False
    assert not WebAuthnCredential.objects.exists()
    assert api.get(ME, **bearer(plain.tokens["access"])).status_code == 200


@pytest.mark.parametrize(
    ("name", "error_code"), [("", "blank"), ("x" * 65, "max_length"), (7, "not_a_string")]
)
def test_a_bad_name_is_a_400(keyed, api, name, error_code):
    response = api.patch(
        key_url(keyed.key_id), {"name": name}, format="json", **bearer(keyed.tokens["access"])
    )
    assert_field_error(response, "name", error_code)


def test_challenges_are_random_and_long(keyed, api):
    token = pending(api)
    seen = {post(api, AUTHENTICATE_OPTIONS, token).json()["challenge"] for _ in range(5)}
    assert len(seen) == 5
    assert all(len(c) >= 22 for c in seen)  # >= 16 bytes in base64url
    assert WebAuthnChallenge.objects.filter(user=keyed.user).count() == 5


def test_client_data_nested_too_deep_is_a_counted_refusal_not_a_500(keyed, api):
    """Valid base64url of JSON that ``json.loads`` cannot nest: refused like any bad answer."""
    token = pending(api)
    credential = assertion(api, token, keyed.authenticator)
    credential["response"]["clientDataJSON"] = (
        base64.urlsafe_b64encode(b"[" * 100_000).rstrip(b"=").decode()
    )
    for url in (AUTHENTICATE, VERIFY):
        auth = token if url == AUTHENTICATE else keyed.tokens["access"]
        response = post(api, url, auth, {"credential": credential})
        assert response.status_code == 400, response.content
    assert failures(keyed.user) == 2


def test_turn_on_takes_a_code_of_the_app_only(keyed, api):
    """A key user adding an app: a key's answer cannot stand in for the app's first code."""
    access = keyed.tokens["access"]
    assert post(api, GENERATE, access).status_code == 200
    credential = assertion(api, access, keyed.authenticator)
    with only_counter_changes(keyed.user, by=0):
        response = post(api, TURN_ON, access, {"credential": credential})
    assert_field_error(response, "code", "required")
