"""RFC 6238 TOTP through pyotp, behind the few calls the services need."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyotp

from ...conf import twofactor_settings

DIGESTS: dict[str, Callable[..., Any]] = {
    "SHA1": hashlib.sha1,
    "SHA256": hashlib.sha256,
    "SHA512": hashlib.sha512,
}

SECRET_BYTES = 20  # 160 bits, the length RFC 4226 recommends for HMAC-SHA1


@dataclass(frozen=True)
class TotpParameters:
    digits: int
    period: int
    algorithm: str
    valid_window: int
    issuer: str

    @classmethod
    def from_settings(cls) -> TotpParameters:
        s = twofactor_settings
        return cls(
            digits=s.DIGITS,
            period=s.PERIOD,
            algorithm=s.ALGORITHM,
            valid_window=s.VALID_WINDOW,
            issuer=s.ISSUER_NAME,
        )


def new_secret() -> str:
    """A base32 secret of 160 random bits (32 characters, no padding)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _totp(secret: str, params: TotpParameters) -> pyotp.TOTP:
    return pyotp.TOTP(
        secret,
        digits=params.digits,
        digest=DIGESTS[params.algorithm],
        interval=params.period,
        issuer=params.issuer,
    )


def otpauth_url(secret: str, account_name: str, params: TotpParameters) -> str:
    """Key Uri Format: ``otpauth://totp/Issuer:account?secret=…&issuer=…``.

    ``digits``, ``period`` and ``algorithm`` appear only where they differ from
    the defaults that every authenticator assumes.
    """
    return _totp(secret, params).provisioning_uri(name=account_name, issuer_name=params.issuer)


def time_step(params: TotpParameters, for_time: float | None = None) -> int:
    moment = time.time() if for_time is None else for_time
    return int(moment // params.period)


def code_for_step(secret: str, step: int, params: TotpParameters) -> str:
    return _totp(secret, params).generate_otp(step)


def code_at(secret: str, params: TotpParameters, for_time: float | None = None) -> str:
    return code_for_step(secret, time_step(params, for_time), params)


def matching_step(
    secret: str,
    code: str,
    params: TotpParameters,
    *,
    after_step: int | None = None,
    for_time: float | None = None,
) -> int | None:
    """The latest time step inside the window whose code equals ``code``.

    Steps at or before ``after_step`` (the last accepted one) are skipped so a
    code is never accepted twice. Every candidate is compared in constant time
    and the loop does not stop early.
    """
    now = time_step(params, for_time)
    matched: int | None = None
    for step in range(now - params.valid_window, now + params.valid_window + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(code_for_step(secret, step, params), code):
            matched = step
    return matched


def parse_code(value: str, digits: int) -> str | None:
    """The code's digits, or ``None`` unless it is exactly ``digits`` ASCII digits.

    Spaces inside the code (``"123 456"``) are ignored; nothing else is.
    """
    candidate = value.replace(" ", "")
    if len(candidate) == digits and candidate.isascii() and candidate.isdigit():
        return candidate
    return None
