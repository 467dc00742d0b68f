"""A software WebAuthn authenticator, so the suite can register and use security keys.

A browser and a real key cannot run in CI, yet the server side of WebAuthn is only
worth testing against responses built the way a browser builds them. This module
plays both parts: it takes the options JSON a server sends, and returns exactly what
``PublicKeyCredential.toJSON()`` gives the page (WebAuthn Level 3
``RegistrationResponseJSON`` / ``AuthenticationResponseJSON``), with every binary value
in base64url without padding.

Only ES256 (ECDSA P-256 with SHA-256, COSE alg -7) and attestation "none" are made:
that is what every authenticator supports and what the server needs to check
signatures and counters. Keyword overrides let a test sign the wrong origin, RP ID,
challenge or counter, so each server-side check can be shown to refuse.

``cbor2`` is used to ENCODE the attestation object and the COSE key only; the bytes
are laid out here by hand (WebAuthn L3 §6.1, §6.5) so that the test of this module
can compare them to literal vectors.

Importing this module skips the importing test module when ``cbor2`` (which comes
with the ``webauthn`` extra) is missing.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

cbor2 = pytest.importorskip("cbor2", reason="the webauthn extra is not installed")

__all__ = [
    "COSE_ALG_ES256",
    "FLAG_AT",
    "FLAG_BE",
    "FLAG_BS",
    "FLAG_UP",
    "FLAG_UV",
    "InvalidStateError",
    "NotAllowedError",
    "NotSupportedError",
    "SoftAuthenticator",
    "SoftCredential",
    "b64url_decode",
    "b64url_encode",
    "client_data_json",
    "cose_ec2_public_key",
]

# Authenticator data flags (WebAuthn L3 §6.1).
FLAG_UP = 0x01  # user present
FLAG_UV = 0x04  # user verified
FLAG_BE = 0x08  # backup eligible
FLAG_BS = 0x10  # backed up
FLAG_AT = 0x40  # attested credential data included

COSE_ALG_ES256 = -7
ZERO_AAGUID = bytes(16)  # attestation "none" reports no authenticator model


class InvalidStateError(Exception):
    """A credential in ``excludeCredentials`` lives on this authenticator.

    Named after the DOMException a browser throws then, so that a test reads like
    the page code it stands in for.
    """


class NotAllowedError(Exception):
    """No credential on this authenticator may answer the request.

    The browser throws a DOMException of this name when no allowed credential is
    present (it does not say which, for privacy).
    """


class NotSupportedError(Exception):
    """The server offered no public key algorithm this authenticator can make (ES256)."""


def b64url_encode(data: bytes) -> str:
    """Base64url without padding, as every binary member of the WebAuthn JSON is sent."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url_encode`; padding is restored because the JSON omits it."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def client_data_json(kind: str, challenge: str, origin: str) -> bytes:
    """Serialize CollectedClientData as a browser does (WebAuthn L3 §5.8.1.1).

    Member order and the compact form matter only for byte-exact vectors: the server
    hashes and parses whatever bytes it gets. ``challenge`` stays the base64url
    string from the options, which is what the browser puts here.
    """
    data = {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


def cose_ec2_public_key(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """The credential public key in COSE_Key form, as it appears in attested data.

    Keys are inserted in CTAP2 canonical order (1, 3, -1, -2, -3), which cbor2
    keeps, so the bytes equal what a hardware key emits.
    """
    numbers = public_key.public_numbers()
    encoded: bytes = cbor2.dumps(
        {
            1: 2,  # kty: EC2
            3: COSE_ALG_ES256,  # alg: ES256
            -1: 1,  # crv: P-256
            -2: numbers.x.to_bytes(32, "big"),
            -3: numbers.y.to_bytes(32, "big"),
        }
    )
    return encoded


@dataclass
class SoftCredential:
    """One key pair held by the authenticator, bound to one RP ID and user handle."""

    credential_id: bytes  # 32 random bytes
    private_key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0

    @property
    def id_b64(self) -> str:
        """The credential ID as the JSON (and a server's allow list) carries it."""
        return b64url_encode(self.credential_id)

    @property
    def cose_public_key(self) -> bytes:
        """What a server stores at registration to verify later assertions."""
        return cose_ec2_public_key(self.private_key.public_key())


def _rp_id_hash(rp_id: str) -> bytes:
    return hashlib.sha256(rp_id.encode("utf-8")).digest()


def _counter(value: int) -> bytes:
    if not 0 <= value < 2**32:
        raise ValueError(f"signature counter {value} does not fit in 4 bytes")
    return value.to_bytes(4, "big")


def _effective_rp_id(declared: str | None, origin: str) -> str:
    """The RP ID the browser uses: the one in the options, else the origin's host."""
    if declared:
        return declared
    host = urlsplit(origin).hostname
    if not host:
        raise ValueError(f"origin {origin!r} has no host to take an RP ID from")
    return host


class SoftAuthenticator:
    """A roaming authenticator (think USB security key) that lives in memory.

    The flag options apply to every response: ``backup_eligible``/``backed_up`` set
    BE/BS (a passkey synced by a platform sets both), ``user_verified`` sets UV (a key
    with PIN or biometrics). ``counter_step`` is how much the signature counter grows
    per assertion; 0 makes a counterless authenticator that always reports 0, as
    many synced passkeys do. BS without BE is allowed so that a test can show the
    server refuses it, though no honest authenticator sends it.
    """

    def __init__(
        self,
        *,
        origin: str = "http://localhost:8000",
        backup_eligible: bool = False,
        backed_up: bool = False,
        user_verified: bool = True,
        counter_step: int = 1,
        attachment: str = "cross-platform",
        transports: tuple[str, ...] = ("usb",),
    ) -> None:
        if counter_step < 0:
            raise ValueError("a signature counter never goes backwards")
        self.origin = origin
        self.backup_eligible = backup_eligible
        self.backed_up = backed_up
        self.user_verified = user_verified
        self.counter_step = counter_step
        self.attachment = attachment
        self.transports = tuple(transports)
        self.credentials: list[SoftCredential] = []

    # -- registration (navigator.credentials.create) ---------------------------------

    def register(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        challenge: str | None = None,
        user_present: bool = True,
        user_verified: bool | None = None,
        sign_count: int = 0,
        private_key: ec.EllipticCurvePrivateKey | None = None,
        credential_id: bytes | None = None,
    ) -> dict[str, Any]:
        """Create a credential for PublicKeyCredentialCreationOptionsJSON ``options``.

        Returns RegistrationResponseJSON with attestation "none". Besides the members
        every toJSON() gives (``clientDataJSON``, ``attestationObject``,
        ``transports``), the response carries the Level 3 conveniences
        ``authenticatorData``, ``publicKey`` (SubjectPublicKeyInfo DER) and
        ``publicKeyAlgorithm``, as current browsers send them.

        ``origin``, ``rp_id`` and ``challenge`` replace what goes into the signed data,
        for negative tests; ``private_key`` and ``credential_id`` fix what is normally
        random, for byte-exact vectors. The new credential is kept even if the server
        will refuse it: the authenticator cannot know.

        Raises :class:`InvalidStateError` if ``excludeCredentials`` names a credential
        this authenticator holds for the RP, and :class:`NotSupportedError` if
        ``pubKeyCredParams`` does not offer ES256.
        """
        origin = self.origin if origin is None else origin
        declared_rp_id = _effective_rp_id(options.get("rp", {}).get("id"), self.origin)
        params = options.get("pubKeyCredParams") or []
        if params and not any(p.get("alg") == COSE_ALG_ES256 for p in params):
            raise NotSupportedError("only ES256 (-7) is supported")
        excluded = {b64url_decode(d["id"]) for d in options.get("excludeCredentials") or []}
        for cred in self.credentials:
            if cred.rp_id == declared_rp_id and cred.credential_id in excluded:
                raise InvalidStateError("this authenticator already holds an excluded credential")

        counter = _counter(sign_count)
        signed_rp_id = declared_rp_id if rp_id is None else rp_id
        credential = SoftCredential(
            credential_id=os.urandom(32) if credential_id is None else credential_id,
            private_key=(
                ec.generate_private_key(ec.SECP256R1()) if private_key is None else private_key
            ),
            rp_id=signed_rp_id,
            user_handle=b64url_decode(options["user"]["id"]),
            sign_count=sign_count,
        )
        self.credentials.append(credential)

        client_data = client_data_json(
            "webauthn.create", options["challenge"] if challenge is None else challenge, origin
        )
        cose_key = credential.cose_public_key
        attested_credential_data = (
            ZERO_AAGUID
            + len(credential.credential_id).to_bytes(2, "big")
            + credential.credential_id
            + cose_key
        )
        auth_data = (
            _rp_id_hash(signed_rp_id)
            + bytes([self._flags(user_present, user_verified) | FLAG_AT])
            + counter
            + attested_credential_data
        )
        # CTAP2 canonical key order: "fmt", "attStmt", "authData" (shorter keys first).
        attestation_object = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        spki = credential.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return {
            "id": credential.id_b64,
            "rawId": credential.id_b64,
            "type": "public-key",
            "authenticatorAttachment": self.attachment,
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url_encode(client_data),
                "attestationObject": b64url_encode(attestation_object),
                "transports": list(self.transports),
                "authenticatorData": b64url_encode(auth_data),
                "publicKey": b64url_encode(spki),
                "publicKeyAlgorithm": COSE_ALG_ES256,
            },
        }

    # -- authentication (navigator.credentials.get) ----------------------------------

    def authenticate(
        self,
        options: dict[str, Any],
        *,
        credential: SoftCredential | None = None,
        origin: str | None = None,
        rp_id: str | None = None,
        challenge: str | None = None,
        sign_count: int | None = None,
        user_present: bool = True,
        user_verified: bool | None = None,
        tamper_signature: bool = False,
        include_user_handle: bool = True,
    ) -> dict[str, Any]:
        """Answer PublicKeyCredentialRequestOptionsJSON ``options`` with an assertion.

        Uses ``credential`` if given, else the first own credential for the RP that
        ``allowCredentials`` lists (any of the RP's, if the list is empty: a
        discoverable login). The counter grows by ``counter_step``, or is set to
        ``sign_count``, and is stored either way, as the device's counter is.

        The signature is DER ECDSA-SHA256 over authenticatorData ||
        SHA-256(clientDataJSON). ``tamper_signature`` flips the last bit of it,
        which keeps the DER well formed so only the signature check can catch it.
        ``include_user_handle=False`` leaves ``userHandle`` out, as a
        non-discoverable credential may.

        Raises :class:`NotAllowedError` if no credential can answer.
        """
        origin = self.origin if origin is None else origin
        declared_rp_id = _effective_rp_id(options.get("rpId"), self.origin)
        if credential is None:
            credential = self._select(options, declared_rp_id)

        if sign_count is None:
            sign_count = credential.sign_count + self.counter_step
        counter = _counter(sign_count)
        credential.sign_count = sign_count

        client_data = client_data_json(
            "webauthn.get", options["challenge"] if challenge is None else challenge, origin
        )
        auth_data = (
            _rp_id_hash(declared_rp_id if rp_id is None else rp_id)
            + bytes([self._flags(user_present, user_verified)])
            + counter
        )
        signature = credential.private_key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        if tamper_signature:
            signature = signature[:-1] + bytes([signature[-1] ^ 0x01])

        response: dict[str, Any] = {
            "clientDataJSON": b64url_encode(client_data),
            "authenticatorData": b64url_encode(auth_data),
            "signature": b64url_encode(signature),
        }
        if include_user_handle:
            response["userHandle"] = b64url_encode(credential.user_handle)
        return {
            "id": credential.id_b64,
            "rawId": credential.id_b64,
            "type": "public-key",
            "authenticatorAttachment": self.attachment,
            "clientExtensionResults": {},
            "response": response,
        }

    def clone(self) -> SoftAuthenticator:
        """A second device with the same keys and counters: a cloned security key.

        The copies' counters then move independently, so the original and the clone
        report the same counter values, which is what a server's counter check exists
        to notice.
        """
        twin = SoftAuthenticator(
            origin=self.origin,
            backup_eligible=self.backup_eligible,
            backed_up=self.backed_up,
            user_verified=self.user_verified,
            counter_step=self.counter_step,
            attachment=self.attachment,
            transports=self.transports,
        )
        twin.credentials = [dataclasses.replace(cred) for cred in self.credentials]
        return twin

    # -- internals -------------------------------------------------------------------

    def _flags(self, user_present: bool, user_verified: bool | None) -> int:
        if user_verified is None:
            user_verified = self.user_verified
        flags = 0
        if user_present:
            flags |= FLAG_UP
        if user_verified:
            flags |= FLAG_UV
        if self.backup_eligible:
            flags |= FLAG_BE
        if self.backed_up:
            flags |= FLAG_BS
        return flags

    def _select(self, options: dict[str, Any], rp_id: str) -> SoftCredential:
        mine = [cred for cred in self.credentials if cred.rp_id == rp_id]
        allowed = [b64url_decode(d["id"]) for d in options.get("allowCredentials") or []]
        if not allowed:
            if mine:
                return mine[0]
        else:
            for wanted in allowed:
                for cred in mine:
                    if cred.credential_id == wanted:
                        return cred
        raise NotAllowedError("no credential on this authenticator may answer")
