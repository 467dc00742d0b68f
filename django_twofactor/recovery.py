"""Recovery codes: generation and the canonical form that is hashed."""

from __future__ import annotations

import secrets

# RFC 4648 base32 in lower case: no 0, 1, 8 or 9 to confuse with o, l, b or g.
ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
GROUP = 5
GROUPS = 2
LENGTH = GROUP * GROUPS  # 10 characters of 5 bits: 50 bits per code


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
