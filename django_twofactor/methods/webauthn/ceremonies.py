"""The two WebAuthn ceremonies, through py_webauthn: options out, answers checked.

Every byte of CBOR, COSE and attestation is py_webauthn's to parse; this
module adds what a library cannot know: which origins are ours (``Origin``,
any port where configured), which challenge was issued to whom and for what
(``challenges``), and which credential a user holds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url, parse_client_data_json
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    RegistrationCredential,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ... import crypto
from . import challenges
from .models import AUTHENTICATION, REGISTRATION, WebAuthnCredential
from .relying_party import RelyingParty

#: How long the browser may wait for the user's touch, in milliseconds.
TIMEOUT_MS = 120_000


class Refused(Exception):
    """The answer is not a valid, fresh signature by one of the user's keys."""


@contextmanager
def _refusing(what: str) -> Iterator[None]:
    """py_webauthn parses attacker-chosen bytes: whatever it raises on them (bad
    base64, JSON nested too deep, a CBOR type it did not expect) is a refusal,
    never a 500."""
    try:
        yield
    except Refused:
        raise
    except Exception as exc:
        raise Refused(f"{what}: {exc}") from exc


def parse_registration(data: Any) -> RegistrationCredential:
    """``RegistrationResponseJSON`` (a mapping) parsed; ``Refused`` if it is not one."""
    from webauthn.helpers import parse_registration_credential_json

    parsed: RegistrationCredential = _parsed(parse_registration_credential_json, data)
    return parsed


def parse_authentication(data: Any) -> AuthenticationCredential:
    """``AuthenticationResponseJSON`` (a mapping) parsed; ``Refused`` if it is not one."""
    from webauthn.helpers import parse_authentication_credential_json

    parsed: AuthenticationCredential = _parsed(parse_authentication_credential_json, data)
    return parsed


def _parsed(parse: Any, data: Any) -> Any:
    if not isinstance(data, dict):
        raise Refused("not a JSON object")
    with _refusing("malformed"):
        parsed = parse(data)
    # base64url decoding skips stray characters: "id" must be "rawId", exactly.
    if not parsed.raw_id or bytes_to_base64url(parsed.raw_id) != parsed.id:
        raise Refused("id and rawId differ")
    return parsed


def credential_id_hash(credential_id: bytes) -> str:
    return hashlib.sha256(credential_id).hexdigest()


def user_handle(user: Any) -> bytes:
    """A stable, opaque user handle (WebAuthn §14.6.1: no personal data in it)."""
    return bytes.fromhex(crypto.keyed_hash(f"webauthn-user-handle:{user.pk}"))


def _descriptors(credentials: list[WebAuthnCredential]) -> list[PublicKeyCredentialDescriptor]:
    descriptors = []
    for stored in credentials:
        transports = []
        for name in stored.transports or []:
            try:
                transports.append(AuthenticatorTransport(name))
            except ValueError:  # one a newer browser knows and this library does not
                continue
        descriptors.append(
            PublicKeyCredentialDescriptor(
                id=_bytes(stored.credential_id), transports=transports or None
            )
        )
    return descriptors


def _bytes(base64url: str) -> bytes:
    from webauthn.helpers import base64url_to_bytes

    return base64url_to_bytes(base64url)


def registration_options(
    user: Any, rp: RelyingParty, existing: list[WebAuthnCredential]
) -> dict[str, Any]:
    """``PublicKeyCredentialCreationOptionsJSON``; the user's keys in ``excludeCredentials``."""
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=user_handle(user),
        user_name=user.get_username(),
        user_display_name=user.get_username(),
        challenge=challenges.issue(user, REGISTRATION),
        timeout=TIMEOUT_MS,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(existing),
    )
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


def authentication_options(
    user: Any, rp: RelyingParty, credentials: list[WebAuthnCredential]
) -> dict[str, Any]:
    """``PublicKeyCredentialRequestOptionsJSON`` listing the user's keys."""
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=challenges.issue(user, AUTHENTICATION),
        timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(credentials),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    result: dict[str, Any] = json.loads(options_to_json(options))
    return result


def _spend_challenge(
    user: Any, rp: RelyingParty, credential: Any, ceremony: str
) -> tuple[bytes, str]:
    """The challenge and origin the browser signed, once they are checked as ours.

    The challenge is spent before the signature is checked: an answer that
    fails has used it up all the same, so no challenge is ever tried twice.
    """
    with _refusing("clientDataJSON is malformed"):
        client_data = parse_client_data_json(credential.response.client_data_json)
    if not rp.accepts(client_data.origin):
        raise Refused(f"origin {client_data.origin[:100]!r} is not accepted")
    if not challenges.spend(user, ceremony, client_data.challenge):
        raise Refused("the challenge is unknown, expired or already used")
    return client_data.challenge, client_data.origin


@dataclass(frozen=True)
class Registered:
    credential_id: str  # base64url
    public_key: bytes
    sign_count: int
    backed_up: bool
    transports: list[str]


def verify_registration(
    user: Any, rp: RelyingParty, credential: RegistrationCredential
) -> Registered:
    challenge, origin = _spend_challenge(user, rp, credential, REGISTRATION)
    with _refusing("registration"):
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=origin,
            require_user_verification=False,
        )
    transports = [str(getattr(t, "value", t)) for t in credential.response.transports or []]
    return Registered(
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        backed_up=verified.credential_backed_up,
        transports=transports,
    )


@dataclass(frozen=True)
class Asserted:
    stored: WebAuthnCredential
    sign_count: int
    backed_up: bool


def verify_assertion(user: Any, rp: RelyingParty, credential: AuthenticationCredential) -> Asserted:
    stored = WebAuthnCredential.objects.filter(
        user=user, credential_id_hash=credential_id_hash(credential.raw_id)
    ).first()
    if stored is None:
        raise Refused("not a credential of this user")
    challenge, origin = _spend_challenge(user, rp, credential, AUTHENTICATION)
    with _refusing("assertion"):
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=origin,
            credential_public_key=bytes(stored.public_key),
            credential_current_sign_count=stored.sign_count,
            require_user_verification=False,
        )
    return Asserted(
        stored=stored,
        sign_count=verified.new_sign_count,
        backed_up=verified.credential_backed_up,
    )
