"""``methods.webauthn``: the relying party's origins, the challenges' life, the method's shape."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings

from django_twofactor import attempts, exceptions, methods, serializers
from django_twofactor.codes import WEBAUTHN
from django_twofactor.methods.webauthn import challenges
from django_twofactor.methods.webauthn import method as webauthn_method
from django_twofactor.methods.webauthn.models import (
    AUTHENTICATION,
    REGISTRATION,
    WebAuthnChallenge,
    WebAuthnCredential,
)
from django_twofactor.methods.webauthn.relying_party import Origin, RelyingParty, host_within
from django_twofactor.models import RecoveryCode
from django_twofactor.tokens import HARDWARE_KEY, MULTI_FACTOR, SOFTWARE_KEY, USER_PRESENCE
from tests.conftest import make_user

pytest.importorskip("webauthn", reason="the webauthn extra is not installed")

from django_twofactor.methods.webauthn import ceremonies, keys


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("https://example.com", Origin("https", "example.com", 443)),
        ("http://localhost", Origin("http", "localhost", 80)),
        ("http://localhost:8000", Origin("http", "localhost", 8000)),
        ("http://localhost:*", Origin("http", "localhost", None)),
        ("https://EXAMPLE.com", Origin("https", "example.com", 443)),
    ],
)
def test_origins_parse(value, parsed):
    assert Origin.parse(value) == parsed


@pytest.mark.parametrize(
    "value",
    [
        "example.com",
        "ftp://example.com",
        "https://example.com/",
        "https://u@example.com",
        "https://example.com?x",
        "https://example.com:0x1",
        "https://",
        "http://localhost:65536",
    ],
)
def test_what_is_no_origin(value):
    with pytest.raises(ValueError, match=r"origin|[Pp]ort"):
        Origin.parse(value)


def test_host_within():
    assert host_within("example.com", "example.com")
    assert host_within("login.example.com", "example.com")
    assert not host_within("badexample.com", "example.com")
    assert not host_within("example.com", "login.example.com")


RP = RelyingParty(
    "localhost", "Demo", (Origin.parse("http://localhost:*"), Origin.parse("https://localhost"))
)


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        ("http://localhost:8000", True),
        ("http://localhost:1", True),
        ("http://localhost", True),
        ("https://localhost", True),
        ("https://localhost:8443", False),
        ("http://evil.localhost:8000", False),
        ("http://localhost.evil.com:8000", False),
        ("http://127.0.0.1:8000", False),
        ("http://localhost:*", False),  # a pattern, never what a browser reports
        ("null", False),
        ("", False),
    ],
)
def test_the_relying_party_accepts_its_origins_only(origin, accepted):
    assert RP.accepts(origin) is accepted


def test_an_origin_must_lie_within_the_rp_id():
    rp = RelyingParty("example.com", "x", (Origin.parse("https://example.org"),))
    assert not rp.accepts("https://example.org")


def test_unset_settings_take_the_request(rf):
    request = rf.get("/", HTTP_HOST="app.example.com:8443", secure=True)
    with override_settings(TWO_FACTOR={}, ALLOWED_HOSTS=["app.example.com"]):
        rp = RelyingParty.for_request(request)
    assert (rp.id, rp.name) == ("app.example.com", "My Site")
    assert rp.accepts("https://app.example.com:8443")
    assert not rp.accepts("https://app.example.com")


def test_the_example_settings(rf):
    rp = RelyingParty.for_request(rf.get("/", HTTP_HOST="localhost:8000"))
    assert (rp.id, rp.name) == ("localhost", "django-twofactor demo")


def test_a_challenge_is_spent_once_by_its_user_and_ceremony(db, clock):
    alice, bob = make_user("alice"), make_user("bob")
    challenge = challenges.issue(alice, AUTHENTICATION)
    assert len(challenge) == challenges.CHALLENGE_BYTES >= 16
    assert not challenges.spend(bob, AUTHENTICATION, challenge)
    assert not challenges.spend(alice, REGISTRATION, challenge)
    assert challenges.spend(alice, AUTHENTICATION, challenge)
    assert not challenges.spend(alice, AUTHENTICATION, challenge)


def test_a_challenge_expires_with_the_pending_token(db, clock):
    alice = make_user()
    challenge = challenges.issue(alice, AUTHENTICATION)
    clock.shift(timedelta(minutes=5).total_seconds())
    assert not challenges.spend(alice, AUTHENTICATION, challenge)


def test_expired_and_surplus_challenges_are_dropped(db, clock):
    alice = make_user()
    challenges.issue(alice, REGISTRATION)
    clock.shift(301)
    issued = [challenges.issue(alice, AUTHENTICATION) for _ in range(7)]
    rows = WebAuthnChallenge.objects.filter(user=alice)
    assert rows.count() == challenges.LIVE_PER_CEREMONY
    assert not rows.filter(ceremony=REGISTRATION).exists()
    assert challenges.spend(alice, AUTHENTICATION, issued[-1])
    assert not challenges.spend(alice, AUTHENTICATION, issued[0])


def test_the_method_has_the_shape_of_the_others():
    method = methods.for_kind(WEBAUTHN)
    assert (method.KIND, method.FIELD, method.AMR) == (
        WEBAUTHN,
        "credential",
        (MULTI_FACTOR, USER_PRESENCE),
    )
    assert method.amr(backed_up=False) == (MULTI_FACTOR, HARDWARE_KEY, USER_PRESENCE)
    assert method.amr(backed_up=True) == (MULTI_FACTOR, SOFTWARE_KEY, USER_PRESENCE)


# Ceremonies and state changes, below the HTTP layer ---------------------------------


def keyed_user(api, plain):
    from tests.webauthn_authenticator import SoftAuthenticator
    from tests.webauthn_helpers import register

    authenticator = SoftAuthenticator()
    assert register(api, plain.tokens["access"], authenticator).status_code == 201
    plain.user.refresh_from_db()
    return plain.user, authenticator


def test_a_counter_already_recorded_is_refused_and_the_reset_undone(plain, api):
    """What a concurrent request that recorded the same counter first leaves behind."""
    user, _ = keyed_user(api, plain)
    key = WebAuthnCredential.objects.get(user=user)
    WebAuthnCredential.objects.filter(pk=key.pk).update(sign_count=7)
    attempts.user_row(user).update(two_factor_failed_attempts=3)
    user.refresh_from_db()
    assert not attempts.accept_assertion(user, key.pk, 7, backed_up=False)
    assert not attempts.accept_assertion(user, key.pk, 6, backed_up=False)
    user.refresh_from_db()
    assert user.two_factor_failed_attempts == 3
    assert attempts.accept_assertion(user, key.pk, 8, backed_up=False)
    user.refresh_from_db()
    assert user.two_factor_failed_attempts == 0


def test_keys_without_a_counter_report_zero_each_time(plain, api):
    user, _ = keyed_user(api, plain)
    key = WebAuthnCredential.objects.get(user=user)
    assert attempts.accept_assertion(user, key.pk, 0, backed_up=False)
    assert attempts.accept_assertion(user, key.pk, 0, backed_up=True)
    assert WebAuthnCredential.objects.get(pk=key.pk).backed_up is True


def test_the_first_key_of_an_account_turned_on_meanwhile_is_refused(plain, api, rf):
    """Loaded with 2FA off, the row says on: the key is not stored, no codes are made."""
    from tests.webauthn_authenticator import SoftAuthenticator
    from tests.webauthn_helpers import register_options

    options = register_options(api, plain.tokens["access"])
    credential = ceremonies.parse_registration(SoftAuthenticator().register(options))
    attempts.user_row(plain.user).update(two_factor_enabled=True)
    request = rf.post("/", HTTP_HOST="localhost:8000")
    with pytest.raises(exceptions.AlreadyEnabled):
        keys.register(plain.user, credential, "Key", ["pwd"], request)
    assert not WebAuthnCredential.objects.exists()
    assert not RecoveryCode.objects.exists()


def test_transports_a_library_does_not_know_are_left_out(plain, api, rf):
    user, authenticator = keyed_user(api, plain)
    WebAuthnCredential.objects.filter(user=user).update(transports=["usb", "smoke-signal"])
    options = webauthn_method.begin(user, rf.post("/", HTTP_HOST="localhost:8000"))
    assert options["allowCredentials"] == [
        {"type": "public-key", "id": authenticator.credentials[0].id_b64, "transports": ["usb"]}
    ]


def test_malformed_client_data_is_refused(plain, api, rf):
    user, authenticator = keyed_user(api, plain)
    options = webauthn_method.begin(user, rf.post("/", HTTP_HOST="localhost:8000"))
    answer = authenticator.authenticate(options)
    answer["response"]["clientDataJSON"] = "bm90IGpzb24"  # "not json"
    rp = RelyingParty.for_request(rf.post("/", HTTP_HOST="localhost:8000"))
    with pytest.raises(ceremonies.Refused, match="clientDataJSON"):
        ceremonies.verify_assertion(user, rp, ceremonies.parse_authentication(answer))


def test_an_attestation_py_webauthn_cannot_read_is_refused(plain, api, rf):
    from tests.webauthn_authenticator import SoftAuthenticator
    from tests.webauthn_helpers import register_options

    answer = SoftAuthenticator().register(register_options(api, plain.tokens["access"]))
    answer["response"]["attestationObject"] = "oA"  # an empty CBOR map
    rp = RelyingParty.for_request(rf.post("/", HTTP_HOST="localhost:8000"))
    with pytest.raises(ceremonies.Refused):
        ceremonies.verify_registration(plain.user, rp, ceremonies.parse_registration(answer))


def test_without_py_webauthn_a_credential_is_a_400(keyed, api, monkeypatch):
    from tests.api_helpers import AUTHENTICATE, assert_field_error, pending_login
    from tests.webauthn_helpers import post

    monkeypatch.setattr(serializers, "webauthn_available", lambda: False)
    response = post(api, AUTHENTICATE, pending_login(api), {"credential": {"id": "x"}})
    assert_field_error(response, "credential", "unavailable")


def test_models_name_themselves_without_key_material(keyed):
    key = WebAuthnCredential.objects.get(pk=keyed.key_id)
    assert str(key) == f"security key YubiKey of user {keyed.user.pk}"
    challenge = WebAuthnChallenge(user=keyed.user, ceremony=AUTHENTICATION, challenge="abc")
    assert str(challenge) == f"authentication challenge of user {keyed.user.pk}"
