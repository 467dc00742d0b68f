"""Recovery codes: generation, the canonical form, and how a code is stored.

A code is a look-up secret of 50 bits, under NIST SP 800-63B's 112, so it is
stored salted and hashed with a key-derivation function that has a cost
(§5.1.2.2), after a keyed hash under the server's key (the pepper):

- ``peppered`` = HMAC-SHA256 of the canonical code under a key derived from
  ``SECRET_KEY`` (``crypto.keyed_hashes``: one per configured key, so Django's
  key rotation keeps codes working). Earlier versions stored just this.
- ``lookup`` = the first ``LOOKUP_LENGTH`` hex digits of ``peppered``: 8 bits,
  enough to tell the user's few codes apart (a new set never repeats one), so
  checking a code costs one derivation, not one per code.
- ``code_hash`` = PBKDF2-SHA256 of ``peppered`` with a salt of its own.

Without the pepper, neither column says anything about the code. Whoever has
the pepper too still needs ``2 ** (50 - 8)`` derivations to search one row:
each lookup bit halves that work, which is why the lookup is as short as
telling a set of ``RECOVERY_CODES_COUNT`` (at most 100) codes apart allows.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.hashers import PBKDF2PasswordHasher

from ... import crypto

# RFC 4648 base32 in lower case: no 0, 1, 8 or 9 to confuse with o, l, b or g.
ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
GROUP = 5
GROUPS = 2
LENGTH = GROUP * GROUPS  # 10 characters of 5 bits: 50 bits per code

LOOKUP_LENGTH = 2  # hex digits of the peppered code: 8 bits, 256 values
LOOKUPS = 16**LOOKUP_LENGTH

# About 24 ms a check on the 2-core machine ``make bench`` ran on, a tenth of
# what Django spends on a password. A stored hash keeps its own count, so
# changing this breaks no code.
ITERATIONS = 100_000


class RecoveryCodeHasher(PBKDF2PasswordHasher):
    """Django's PBKDF2 with a name and cost of its own.

    Used directly, never through ``PASSWORD_HASHERS``: a project's password
    hashing settings do not change how recovery codes are stored.
    """

    algorithm = "twofactor_pbkdf2_sha256"
    iterations = ITERATIONS


_hasher = RecoveryCodeHasher()


@dataclass(frozen=True)
class StoredCode:
    """What the database holds for one code: never the code."""

    lookup: str
    code_hash: str


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def new_codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(new_code())
    return sorted(codes)


def normalize(value: str) -> str | None:
    """The canonical form of a recovery code, or ``None`` if it is not one.

    Case does not matter, and dashes and spaces are ignored, so that codes
    copied from anywhere or typed by hand still match.
    """
    if not value.isascii():
        return None
    candidate = value.replace("-", "").replace(" ", "").lower()
    if len(candidate) == LENGTH and all(c in ALPHABET for c in candidate):
        return candidate
    return None


def canonical(code: str) -> str:
    """The canonical form of a code this module generated."""
    normalized = normalize(code)
    if normalized is None:
        raise ValueError("not a recovery code")
    return normalized


def peppered(canonical_code: str) -> list[str]:
    """The keyed hash of a canonical code under every configured key, current first."""
    return crypto.keyed_hashes(canonical_code)


def lookup(peppered_code: str) -> str:
    return peppered_code[:LOOKUP_LENGTH]


def store(peppered_code: str) -> StoredCode:
    """Salt and derive: the one costly step of making a code."""
    return StoredCode(lookup(peppered_code), _hasher.encode(peppered_code, _hasher.salt()))


def verify(peppered_code: str, code_hash: str) -> bool:
    """Whether ``code_hash`` stores ``peppered_code``: one derivation, compared in
    constant time. A hash of another format (there is none yet) never matches."""
    if not code_hash.startswith(f"{RecoveryCodeHasher.algorithm}$"):
        return False
    return _hasher.verify(peppered_code, code_hash)


def new_set(count: int) -> list[tuple[str, StoredCode]]:
    """``count`` new codes, sorted, each with what to store for it.

    No two codes of the set share a lookup under the current key, so a right
    code finds exactly its own row. Drawing again on a taken lookup costs one
    HMAC; a set of 100 needs about 130 draws.
    """
    if not 0 <= count <= LOOKUPS // 2:
        raise ValueError(f"a set holds at most {LOOKUPS // 2} recovery codes")
    chosen: dict[str, tuple[str, str]] = {}
    while len(chosen) < count:
        code = new_code()
        keyed = crypto.keyed_hash(canonical(code))
        chosen.setdefault(lookup(keyed), (code, keyed))
    return sorted((code, store(keyed)) for code, keyed in chosen.values())
