"""Encryption at rest for TOTP secrets and keyed hashes for recovery codes.

Keys are derived with HKDF from the configured master secrets: by default
``SECRET_KEY`` followed by ``SECRET_KEY_FALLBACKS``, so rotating Django's key
the documented way keeps existing secrets readable. The first master secret
encrypts; all of them decrypt and verify.
"""

from __future__ import annotations

import hashlib
import hmac
from base64 import urlsafe_b64encode
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from .conf import twofactor_settings

_SALT = b"django_twofactor"
_ENCRYPTION_PURPOSE = b"totp-secret-encryption"
_HASH_PURPOSE = b"recovery-code-hash"
_STATE_PURPOSE = b"account-state-stamp"


class SecretUnreadable(Exception):
    """The stored secret was encrypted under a key that is no longer configured."""


def master_secrets() -> tuple[str, ...]:
    explicit = twofactor_settings.ENCRYPTION_KEYS
    if explicit:
        return tuple(explicit)
    fallbacks = getattr(settings, "SECRET_KEY_FALLBACKS", None) or []
    return (settings.SECRET_KEY, *fallbacks)


def _derive(master: str, purpose: bytes) -> bytes:
    kdf = HKDF(algorithm=SHA256(), length=32, salt=_SALT, info=purpose)
    return kdf.derive(master.encode("utf-8"))


@lru_cache(maxsize=16)
def _fernet(masters: tuple[str, ...]) -> MultiFernet:
    return MultiFernet(
        [Fernet(urlsafe_b64encode(_derive(m, _ENCRYPTION_PURPOSE))) for m in masters]
    )


@lru_cache(maxsize=16)
def _hash_keys(masters: tuple[str, ...]) -> tuple[bytes, ...]:
    return tuple(_derive(m, _HASH_PURPOSE) for m in masters)


@lru_cache(maxsize=16)
def _state_macs(masters: tuple[str, ...]) -> tuple[hmac.HMAC, ...]:
    """Keyed HMAC objects to copy: the key schedule is done once, not per request."""
    return tuple(hmac.new(_derive(m, _STATE_PURPOSE), digestmod=hashlib.sha256) for m in masters)


def encrypt(plaintext: str) -> str:
    return _fernet(master_secrets()).encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet(master_secrets()).decrypt(ciphertext.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise SecretUnreadable from exc


def reencrypt(ciphertext: str) -> str:
    """Return ``ciphertext`` encrypted under the current (first) key."""
    try:
        return _fernet(master_secrets()).rotate(ciphertext.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError) as exc:
        raise SecretUnreadable from exc


def keyed_hashes(value: str) -> list[str]:
    """HMAC-SHA256 of ``value`` under every configured key, current key first."""
    message = value.encode("utf-8")
    return [
        hmac.new(key, message, hashlib.sha256).hexdigest() for key in _hash_keys(master_secrets())
    ]


def keyed_hash(value: str) -> str:
    return keyed_hashes(value)[0]


def state_stamps(value: str) -> list[str]:
    """Truncated HMAC-SHA256 of ``value`` under every configured key, current first.

    128 bits: a stamp is compared, never searched for, so it needs no more.
    """
    message = value.encode("utf-8")
    stamps = []
    for keyed in _state_macs(master_secrets()):  # runs on every authenticated request
        mac = keyed.copy()
        mac.update(message)
        stamps.append(mac.digest()[:16].hex())
    return stamps
