"""The pending token type and minting of full tokens with the RFC 8176 claim."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from rest_framework_simplejwt.tokens import RefreshToken, Token

from .conf import twofactor_settings
from .lifecycle import STATE_CLAIM, stamp

#: RFC 9470 / OpenID Connect: when the user last authenticated interactively.
AUTH_TIME = "auth_time"

PASSWORD = "pwd"  # noqa: S105  # RFC 8176 method names, not secrets
MULTI_FACTOR = "mfa"
ONE_TIME_PASSWORD = "otp"  # noqa: S105
HARDWARE_KEY = "hwk"  # proof of possession of a hardware-bound key
SOFTWARE_KEY = "swk"  # ... of a key that leaves the device (a synced passkey)
USER_PRESENCE = "user"  # the authenticator's test that a person is there
#: Not RFC 8176's: a trusted device (CONTRACT §15) stood in for the second step.
TRUSTED_DEVICE = "trusted_device"


class _PendingLifetime:
    """Reads ``PENDING_TOKEN_LIFETIME`` each time, so settings overrides apply."""

    def __get__(self, instance: object, owner: type | None = None) -> timedelta:
        return twofactor_settings.PENDING_TOKEN_LIFETIME


class PendingToken(Token):
    """Proof of a correct password, good only for ``2fa/authenticate/``.

    Its own ``token_type`` makes SimpleJWT's ``AccessToken`` (and so plain
    ``JWTAuthentication``) and ``RefreshToken`` reject it.
    """

    token_type = "2fa_pending"  # noqa: S105  # a type name, not a secret
    lifetime = _PendingLifetime()


def methods_of(token: object) -> list[str]:
    """The authentication methods a token's claim records; ``[]`` if malformed.

    ``token`` is ``request.auth``: a SimpleJWT token, a claims mapping, or
    whatever another authentication class put there (which has no claim).
    """
    get = getattr(token, "get", None)
    value = get(twofactor_settings.CLAIM) if callable(get) else None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return []


def has_second_factor(token: object) -> bool:
    return MULTI_FACTOR in methods_of(token)


def merge_methods(previous: Iterable[str], added: Iterable[str]) -> list[str]:
    merged = list(dict.fromkeys([*previous, *added]))
    return merged or [PASSWORD]


def auth_time_of(token: object) -> int | None:
    """The token's ``auth_time`` (NumericDate), or ``None`` if missing or malformed."""
    get = getattr(token, "get", None)
    value = get(AUTH_TIME) if callable(get) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def full_tokens(user: Any, methods: list[str], *, auth_time: int | None = None) -> dict[str, str]:
    """Access and refresh tokens; ``auth_time`` defaults to now: every caller
    issues them right after an interactive step (a password or a second factor).
    ``refresh/`` copies the claim, so it never advances."""
    refresh = RefreshToken.for_user(user)
    refresh[twofactor_settings.CLAIM] = methods
    refresh[STATE_CLAIM] = stamp(user)
    refresh[AUTH_TIME] = int(time.time()) if auth_time is None else auth_time
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def pending_token(user: Any) -> str:
    token = PendingToken.for_user(user)
    token[twofactor_settings.CLAIM] = [PASSWORD]
    token[STATE_CLAIM] = stamp(user)
    return str(token)
