"""The software authenticator is only worth testing with if a real verifier accepts it.

Every response the helper makes is checked here with py_webauthn's own
``verify_registration_response`` / ``verify_authentication_response``, and every
override meant for negative tests is shown to make py_webauthn refuse, so a server
test that uses the helper fails because of the server, not the helper. A fixed
vector pins the signed bytes to a construction checked by hand against the spec.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest

pytest.importorskip("webauthn", reason="the webauthn extra is not installed")

import webauthn
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.authentication.verify_authentication_response import VerifiedAuthentication
from webauthn.helpers import parse_attestation_object, parse_authenticator_data
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidBackupFlags,
    InvalidRegistrationResponse,
)
from webauthn.helpers.structs import (
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
)
from webauthn.registration.verify_registration_response import VerifiedRegistration

from tests.webauthn_authenticator import (
    InvalidStateError,
    NotAllowedError,
    NotSupportedError,
    SoftAuthenticator,
    SoftCredential,
    b64url_decode,
    b64url_encode,
)

RP_ID = "localhost"
ORIGIN = "http://localhost:8000"
USER_ID = b"user-0001"
B64URL = re.compile(r"^[A-Za-z0-9_-]*$")  # no padding, no +/


# -- server side, played by py_webauthn -----------------------------------------------


def creation_options(
    *, challenge: bytes | None = None, exclude: list[bytes] | None = None, **kwargs: Any
) -> tuple[dict[str, Any], bytes]:
    """What a server sends to navigator.credentials.create(), as parsed JSON."""
    options = webauthn.generate_registration_options(
        rp_id=RP_ID,
        rp_name="django-twofactor tests",
        user_name="alice",
        user_id=USER_ID,
        challenge=challenge,
        exclude_credentials=[PublicKeyCredentialDescriptor(id=c) for c in exclude or []],
        **kwargs,
    )
    return json.loads(webauthn.options_to_json(options)), options.challenge


def request_options(
    *, challenge: bytes | None = None, allow: list[bytes] | None = None
) -> tuple[dict[str, Any], bytes]:
    """What a server sends to navigator.credentials.get(), as parsed JSON."""
    options = webauthn.generate_authentication_options(
        rp_id=RP_ID,
        challenge=challenge,
        allow_credentials=[PublicKeyCredentialDescriptor(id=c) for c in allow or []],
    )
    return json.loads(webauthn.options_to_json(options)), options.challenge


def verify_registration(
    response: dict[str, Any], challenge: bytes, **kwargs: Any
) -> VerifiedRegistration:
    return webauthn.verify_registration_response(
        credential=response,
        expected_challenge=challenge,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        **kwargs,
    )


def verify_assertion(
    response: dict[str, Any],
    challenge: bytes,
    public_key: bytes,
    stored_count: int,
    **kwargs: Any,
) -> VerifiedAuthentication:
    return webauthn.verify_authentication_response(
        credential=response,
        expected_challenge=challenge,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        credential_public_key=public_key,
        credential_current_sign_count=stored_count,
        **kwargs,
    )


def enrolled(authenticator: SoftAuthenticator) -> tuple[SoftCredential, bytes]:
    """Register one credential and return it with the public key the server stored."""
    options, challenge = creation_options()
    verified = verify_registration(authenticator.register(options), challenge)
    return authenticator.credentials[-1], verified.credential_public_key


def sign_in(
    authenticator: SoftAuthenticator, credential: SoftCredential, **kwargs: Any
) -> tuple[dict[str, Any], bytes]:
    options, challenge = request_options(allow=[credential.credential_id])
    return authenticator.authenticate(options, **kwargs), challenge


# -- registration ---------------------------------------------------------------------


def test_registration_is_accepted_by_py_webauthn() -> None:
    authenticator = SoftAuthenticator()
    options, challenge = creation_options()

    response = authenticator.register(options)
    verified = verify_registration(response, challenge, require_user_verification=True)

    (credential,) = authenticator.credentials
    assert verified.credential_id == credential.credential_id
    assert len(credential.credential_id) == 32
    assert verified.credential_public_key == credential.cose_public_key
    assert verified.sign_count == 0
    assert verified.fmt == "none"
    assert verified.aaguid == "00000000-0000-0000-0000-000000000000"
    assert verified.user_verified is True
    assert credential.user_handle == USER_ID
    assert credential.rp_id == RP_ID


def test_registration_json_has_the_browser_shape() -> None:
    """Servers parse what toJSON() gives; base64url must come without padding."""
    authenticator = SoftAuthenticator()
    response = authenticator.register(creation_options()[0])

    assert json.loads(json.dumps(response)) == response
    assert set(response) == {
        "id",
        "rawId",
        "type",
        "authenticatorAttachment",
        "clientExtensionResults",
        "response",
    }
    assert response["id"] == response["rawId"]
    assert response["type"] == "public-key"
    assert response["authenticatorAttachment"] == "cross-platform"
    assert response["clientExtensionResults"] == {}
    inner = response["response"]
    assert inner["transports"] == ["usb"]
    assert inner["publicKeyAlgorithm"] == -7
    for key in ("clientDataJSON", "attestationObject", "authenticatorData", "publicKey"):
        assert B64URL.match(inner[key]), key
    # The Level 3 conveniences agree with the attestation object.
    attestation = parse_attestation_object(b64url_decode(inner["attestationObject"]))
    assert attestation.att_stmt.sig is None
    assert parse_authenticator_data(b64url_decode(inner["authenticatorData"])) == (
        attestation.auth_data
    )
    spki = serialization.load_der_public_key(b64url_decode(inner["publicKey"]))
    assert spki == authenticator.credentials[0].private_key.public_key()


def test_registration_client_data_is_compact_json_in_spec_order() -> None:
    options, _ = creation_options()
    response = SoftAuthenticator().register(options)

    client_data = b64url_decode(response["response"]["clientDataJSON"]).decode()
    challenge = options["challenge"]
    expected = f'{{"type":"webauthn.create","challenge":"{challenge}","origin":"{ORIGIN}"'
    assert client_data == expected + ',"crossOrigin":false}'


@pytest.mark.parametrize(
    ("backup_eligible", "backed_up", "device_type"),
    [
        (False, False, CredentialDeviceType.SINGLE_DEVICE),
        (True, False, CredentialDeviceType.MULTI_DEVICE),
        (True, True, CredentialDeviceType.MULTI_DEVICE),
    ],
)
def test_registration_backup_flags_follow_the_options(
    backup_eligible: bool, backed_up: bool, device_type: CredentialDeviceType
) -> None:
    authenticator = SoftAuthenticator(backup_eligible=backup_eligible, backed_up=backed_up)
    options, challenge = creation_options()

    verified = verify_registration(authenticator.register(options), challenge)

    assert verified.credential_device_type == device_type
    assert verified.credential_backed_up is backed_up


@pytest.mark.parametrize("user_verified", [True, False])
def test_registration_user_verified_follows_the_option(user_verified: bool) -> None:
    authenticator = SoftAuthenticator(user_verified=user_verified)
    options, challenge = creation_options()

    verified = verify_registration(authenticator.register(options), challenge)

    assert verified.user_verified is user_verified


def test_registration_without_user_verification_is_refused_when_required() -> None:
    authenticator = SoftAuthenticator(user_verified=False)
    options, challenge = creation_options()
    response = authenticator.register(options)

    with pytest.raises(InvalidRegistrationResponse, match="verification"):
        verify_registration(response, challenge, require_user_verification=True)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"origin": "https://evil.example"}, "origin"),
        ({"rp_id": "evil.example"}, "RP ID"),
        ({"challenge": b64url_encode(b"another challenge")}, "challenge"),
        ({"user_present": False}, "present"),
    ],
)
def test_registration_overrides_are_refused(override: dict[str, Any], message: str) -> None:
    options, challenge = creation_options()
    response = SoftAuthenticator().register(options, **override)

    with pytest.raises(InvalidRegistrationResponse, match=message):
        verify_registration(response, challenge)


def test_backed_up_without_backup_eligible_is_refused() -> None:
    """No honest authenticator sends BS without BE; the helper can, for negative tests."""
    options, challenge = creation_options()
    response = SoftAuthenticator(backed_up=True).register(options)

    with pytest.raises(InvalidBackupFlags):
        verify_registration(response, challenge)


def test_exclude_credentials_makes_register_raise() -> None:
    authenticator = SoftAuthenticator()
    credential, _ = enrolled(authenticator)
    options, _ = creation_options(exclude=[b"someone else's key", credential.credential_id])

    with pytest.raises(InvalidStateError):
        authenticator.register(options)
    assert authenticator.credentials == [credential]


def test_exclude_credentials_of_other_authenticators_do_not_matter() -> None:
    other = SoftAuthenticator()
    other_credential, _ = enrolled(other)
    authenticator = SoftAuthenticator()
    options, challenge = creation_options(exclude=[other_credential.credential_id])

    verify_registration(authenticator.register(options), challenge)


def test_register_refuses_when_es256_is_not_offered() -> None:
    options, _ = creation_options(
        supported_pub_key_algs=[webauthn.helpers.cose.COSEAlgorithmIdentifier.EDDSA]
    )

    with pytest.raises(NotSupportedError):
        SoftAuthenticator().register(options)


def test_rp_id_defaults_to_the_origin_host() -> None:
    """A server may leave rp.id out; the browser then uses the origin's host."""
    options, challenge = creation_options()
    del options["rp"]["id"]

    verify_registration(SoftAuthenticator().register(options), challenge)


# -- authentication -------------------------------------------------------------------


def test_assertion_is_accepted_and_the_counter_increases() -> None:
    authenticator = SoftAuthenticator()
    credential, public_key = enrolled(authenticator)

    stored = 0
    for expected in (1, 2, 3):
        response, challenge = sign_in(authenticator, credential)
        verified = verify_assertion(response, challenge, public_key, stored)
        assert verified.credential_id == credential.credential_id
        assert verified.new_sign_count == expected > stored
        stored = verified.new_sign_count
    assert credential.sign_count == 3
    assert b64url_decode(response["response"]["userHandle"]) == USER_ID


def test_assertion_json_has_the_browser_shape() -> None:
    authenticator = SoftAuthenticator()
    credential, _ = enrolled(authenticator)
    response, _ = sign_in(authenticator, credential)

    assert json.loads(json.dumps(response)) == response
    assert response["id"] == response["rawId"] == credential.id_b64
    assert response["type"] == "public-key"
    assert response["authenticatorAttachment"] == "cross-platform"
    assert response["clientExtensionResults"] == {}
    inner = response["response"]
    assert set(inner) == {"clientDataJSON", "authenticatorData", "signature", "userHandle"}
    for value in inner.values():
        assert B64URL.match(value)
    client_data = json.loads(b64url_decode(inner["clientDataJSON"]))
    assert list(client_data) == ["type", "challenge", "origin", "crossOrigin"]
    assert client_data["type"] == "webauthn.get"
    assert client_data["crossOrigin"] is False


def test_user_handle_can_be_left_out() -> None:
    authenticator = SoftAuthenticator()
    credential, public_key = enrolled(authenticator)
    response, challenge = sign_in(authenticator, credential, include_user_handle=False)

    assert "userHandle" not in response["response"]
    verify_assertion(response, challenge, public_key, 0)


@pytest.mark.parametrize("user_verified", [True, False])
@pytest.mark.parametrize("backed_up", [True, False])
def test_assertion_flags_appear_as_set(user_verified: bool, backed_up: bool) -> None:
    authenticator = SoftAuthenticator(
        backup_eligible=True, backed_up=backed_up, user_verified=user_verified
    )
    credential, public_key = enrolled(authenticator)
    response, challenge = sign_in(authenticator, credential)

    flags = parse_authenticator_data(b64url_decode(response["response"]["authenticatorData"])).flags
    assert (flags.up, flags.uv, flags.be, flags.bs, flags.at) == (
        True,
        user_verified,
        True,
        backed_up,
        False,
    )
    verified = verify_assertion(response, challenge, public_key, 0)
    assert verified.user_verified is user_verified
    assert verified.credential_backed_up is backed_up
    assert verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE


def test_user_verified_can_be_overridden_per_assertion() -> None:
    authenticator = SoftAuthenticator(user_verified=True)
    credential, public_key = enrolled(authenticator)
    response, challenge = sign_in(authenticator, credential, user_verified=False)

    with pytest.raises(InvalidAuthenticationResponse, match="verification"):
        verify_assertion(response, challenge, public_key, 0, require_user_verification=True)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"origin": "https://evil.example"}, "origin"),
        ({"rp_id": "evil.example"}, "RP ID"),
        ({"challenge": b64url_encode(b"another challenge")}, "challenge"),
        ({"tamper_signature": True}, "signature"),
        ({"user_present": False}, "not present"),
    ],
)
def test_assertion_overrides_are_refused(override: dict[str, Any], message: str) -> None:
    authenticator = SoftAuthenticator()
    credential, public_key = enrolled(authenticator)
    response, challenge = sign_in(authenticator, credential, **override)

    with pytest.raises(InvalidAuthenticationResponse, match=message):
        verify_assertion(response, challenge, public_key, 0)


@pytest.mark.parametrize("reported", [4, 5])
def test_a_counter_not_above_the_stored_one_is_refused(reported: int) -> None:
    authenticator = SoftAuthenticator()
    credential, public_key = enrolled(authenticator)
    response, challenge = sign_in(authenticator, credential, sign_count=reported)

    assert credential.sign_count == reported
    with pytest.raises(InvalidAuthenticationResponse, match="sign count"):
        verify_assertion(response, challenge, public_key, 5)


def test_counter_step_controls_the_reported_counter() -> None:
    authenticator = SoftAuthenticator(counter_step=7)
    credential, public_key = enrolled(authenticator)

    response, challenge = sign_in(authenticator, credential)

    assert verify_assertion(response, challenge, public_key, 0).new_sign_count == 7


def test_a_counterless_authenticator_always_reports_zero() -> None:
    """Synced passkeys often keep no counter; py_webauthn then skips the check."""
    authenticator = SoftAuthenticator(counter_step=0, backup_eligible=True, backed_up=True)
    credential, public_key = enrolled(authenticator)

    for _ in range(2):
        response, challenge = sign_in(authenticator, credential)
        assert verify_assertion(response, challenge, public_key, 0).new_sign_count == 0


def test_a_clone_reports_the_same_counter_sequence() -> None:
    """Each copy of a cloned key counts on its own, so both report 1, 2, 3..."""
    original = SoftAuthenticator()
    credential, public_key = enrolled(original)
    clone = original.clone()
    (cloned,) = clone.credentials
    assert cloned is not credential
    assert cloned.credential_id == credential.credential_id
    assert cloned.private_key is credential.private_key

    sequences: dict[str, list[int]] = {"original": [], "clone": []}
    for name, device in (("original", original), ("clone", clone)):
        stored = 0
        for _ in range(3):
            response, challenge = sign_in(device, credential)
            stored = verify_assertion(response, challenge, public_key, stored).new_sign_count
            sequences[name].append(stored)
    assert sequences == {"original": [1, 2, 3], "clone": [1, 2, 3]}
    assert (credential.sign_count, cloned.sign_count) == (3, 3)


def test_a_clone_behind_the_stored_counter_is_refused() -> None:
    """...so the server, which keeps the highest count it saw, catches the lagging copy."""
    original = SoftAuthenticator()
    credential, public_key = enrolled(original)
    clone = original.clone()
    stored = 0
    for _ in range(3):
        response, challenge = sign_in(original, credential)
        stored = verify_assertion(response, challenge, public_key, stored).new_sign_count

    response, challenge = sign_in(clone, credential)  # reports 1, the server has 3

    with pytest.raises(InvalidAuthenticationResponse, match="sign count"):
        verify_assertion(response, challenge, public_key, stored)


def test_equal_counter_from_a_clone_is_refused() -> None:
    original = SoftAuthenticator()
    credential, public_key = enrolled(original)
    clone = original.clone()

    response, challenge = sign_in(original, credential)
    stored = verify_assertion(response, challenge, public_key, 0).new_sign_count
    response, challenge = sign_in(clone, credential)

    with pytest.raises(InvalidAuthenticationResponse, match="sign count"):
        verify_assertion(response, challenge, public_key, stored)


def test_the_first_allowed_own_credential_answers() -> None:
    authenticator = SoftAuthenticator()
    first, _ = enrolled(authenticator)
    second, second_key = enrolled(authenticator)
    options, challenge = request_options(
        allow=[b"not mine", second.credential_id, first.credential_id]
    )

    response = authenticator.authenticate(options)

    assert response["id"] == second.id_b64
    verify_assertion(response, challenge, second_key, 0)
    assert (first.sign_count, second.sign_count) == (0, 1)


def test_an_empty_allow_list_is_a_discoverable_login() -> None:
    authenticator = SoftAuthenticator()
    credential, public_key = enrolled(authenticator)
    options, challenge = request_options()

    response = authenticator.authenticate(options)

    assert response["id"] == credential.id_b64
    verify_assertion(response, challenge, public_key, 0)


def test_no_allowed_credential_raises() -> None:
    authenticator = SoftAuthenticator()
    enrolled(authenticator)
    options, _ = request_options(allow=[b"not mine"])

    with pytest.raises(NotAllowedError):
        authenticator.authenticate(options)
    with pytest.raises(NotAllowedError):
        SoftAuthenticator().authenticate(request_options()[0])


def test_an_explicit_credential_bypasses_the_allow_list() -> None:
    authenticator = SoftAuthenticator()
    credential, public_key = enrolled(authenticator)
    options, challenge = request_options(allow=[b"not mine"])

    response = authenticator.authenticate(options, credential=credential)

    verify_assertion(response, challenge, public_key, 0)


# -- a fixed vector -------------------------------------------------------------------

# d = 1 makes the public key the P-256 base point G, whose coordinates are printed in
# SEC 2 v2 §2.4.2 (and FIPS 186-4 D.1.2.3), so the COSE key below is checkable by eye.
FIXED_KEY = ec.derive_private_key(1, ec.SECP256R1())
FIXED_CREDENTIAL_ID = bytes(range(32))
FIXED_REGISTRATION_CHALLENGE = b"django-twofactor fixed challenge"
FIXED_ASSERTION_CHALLENGE = b"django-twofactor assert challenge"

RP_ID_HASH = "49960de5880e8c687434170f6476605b8fe4aeb9a28632c7995cf3ba831d9763"  # localhost
G_X = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
G_Y = "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"
EXPECTED_COSE_KEY = (
    "a5"  # map, 5 pairs (CTAP2 canonical order)
    "0102"  # 1 (kty): 2 (EC2)
    "0326"  # 3 (alg): -7 (ES256)
    "2001"  # -1 (crv): 1 (P-256)
    "215820"  # -2 (x): 32-byte string
    + G_X
    + "225820"  # -3 (y): 32-byte string
    + G_Y
)
EXPECTED_REGISTRATION_AUTH_DATA = (
    RP_ID_HASH
    + "45"  # flags: UP 0x01 | UV 0x04 | AT 0x40
    + "00000000"  # signCount 0
    + "00" * 16  # aaguid
    + "0020"  # credentialIdLength 32
    + "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    + EXPECTED_COSE_KEY
)
EXPECTED_ATTESTATION_OBJECT = (
    "a3"  # map, 3 pairs
    "63666d74646e6f6e65"  # "fmt": "none"
    "6761747453746d74a0"  # "attStmt": {}
    "68617574684461746158a4"  # "authData": 164-byte string (0x58 0xa4)
    + EXPECTED_REGISTRATION_AUTH_DATA
)
EXPECTED_REGISTRATION_CLIENT_DATA = (
    b'{"type":"webauthn.create",'
    b'"challenge":"ZGphbmdvLXR3b2ZhY3RvciBmaXhlZCBjaGFsbGVuZ2U",'
    b'"origin":"http://localhost:8000","crossOrigin":false}'
)
EXPECTED_ASSERTION_AUTH_DATA = RP_ID_HASH + "05" + "00000001"  # UP | UV, signCount 1
EXPECTED_ASSERTION_CLIENT_DATA = (
    b'{"type":"webauthn.get",'
    b'"challenge":"ZGphbmdvLXR3b2ZhY3RvciBhc3NlcnQgY2hhbGxlbmdl",'
    b'"origin":"http://localhost:8000","crossOrigin":false}'
)


def test_fixed_vector_matches_the_hand_built_bytes_and_verifies() -> None:
    assert hashlib.sha256(RP_ID.encode()).hexdigest() == RP_ID_HASH
    assert len(bytes.fromhex(EXPECTED_REGISTRATION_AUTH_DATA)) == 0xA4
    authenticator = SoftAuthenticator()

    options, challenge = creation_options(challenge=FIXED_REGISTRATION_CHALLENGE)
    registration = authenticator.register(
        options, private_key=FIXED_KEY, credential_id=FIXED_CREDENTIAL_ID
    )

    assert registration["id"] == "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
    inner = registration["response"]
    assert b64url_decode(inner["clientDataJSON"]) == EXPECTED_REGISTRATION_CLIENT_DATA
    assert b64url_decode(inner["authenticatorData"]).hex() == EXPECTED_REGISTRATION_AUTH_DATA
    assert b64url_decode(inner["attestationObject"]).hex() == EXPECTED_ATTESTATION_OBJECT
    verified = verify_registration(registration, challenge, require_user_verification=True)
    assert verified.credential_public_key.hex() == EXPECTED_COSE_KEY

    (credential,) = authenticator.credentials
    options, challenge = request_options(
        challenge=FIXED_ASSERTION_CHALLENGE, allow=[FIXED_CREDENTIAL_ID]
    )
    assertion = authenticator.authenticate(options)

    inner = assertion["response"]
    assert b64url_decode(inner["clientDataJSON"]) == EXPECTED_ASSERTION_CLIENT_DATA
    assert b64url_decode(inner["authenticatorData"]).hex() == EXPECTED_ASSERTION_AUTH_DATA
    assert inner["userHandle"] == "dXNlci0wMDAx"  # b"user-0001"
    # ECDSA signatures are randomized: check the signature, not its bytes.
    FIXED_KEY.public_key().verify(
        b64url_decode(inner["signature"]),
        bytes.fromhex(EXPECTED_ASSERTION_AUTH_DATA)
        + hashlib.sha256(EXPECTED_ASSERTION_CLIENT_DATA).digest(),
        ec.ECDSA(hashes.SHA256()),
    )
    verified_assertion = verify_assertion(assertion, challenge, verified.credential_public_key, 0)
    assert verified_assertion.new_sign_count == credential.sign_count == 1
