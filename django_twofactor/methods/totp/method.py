"""A TOTP code as a second factor: accepted once, by its time step (RFC 6238 §5.2)."""

from __future__ import annotations

import logging
from typing import Any

from ... import attempts, crypto
from ...codes import TOTP
from ...exceptions import SecretUnreadable
from ...tokens import MULTI_FACTOR, ONE_TIME_PASSWORD
from . import algorithm

logger = logging.getLogger(__name__)

KIND = TOTP
FIELD = "code"
AMR = (MULTI_FACTOR, ONE_TIME_PASSWORD)


def is_on(user: Any) -> bool:
    """TOTP is one of the user's methods: turn-on accepted a code of this secret.

    Turn-on records the code's step and generate clears it, so a secret whose
    set-up is still open (a WebAuthn user adding an app) has no step yet.
    """
    return bool(user.two_factor_enabled and user.two_factor_last_step is not None)


def begin(user: Any, request: Any) -> None:
    """Nothing to send first: the app shows the code."""
    return None


def matching_step(user: Any, value: str) -> int | None:
    """The unused time step the code ``value`` belongs to, if any."""
    try:
        secret = crypto.decrypt(user.two_factor_secret)
    except crypto.SecretUnreadable as exc:
        logger.error("Two-factor secret of user %s cannot be decrypted", user.pk)
        raise SecretUnreadable from exc
    params = algorithm.TotpParameters.from_settings()
    return algorithm.matching_step(secret, value, params, after_step=user.two_factor_last_step)


def verify(user: Any, value: str) -> tuple[str, ...] | None:
    if not is_on(user):
        return None
    return AMR if attempts.accept_step(user, matching_step(user, value)) else None
