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
AMR = (MULTI_FACTOR, ONE_TIME_PASSWORD)


def matching_step(user: Any, value: str) -> int | None:
    """The unused time step the code ``value`` belongs to, if any."""
    try:
        secret = crypto.decrypt(user.two_factor_secret)
    except crypto.SecretUnreadable as exc:
        logger.error("Two-factor secret of user %s cannot be decrypted", user.pk)
        raise SecretUnreadable from exc
    params = algorithm.TotpParameters.from_settings()
    return algorithm.matching_step(secret, value, params, after_step=user.two_factor_last_step)


def verify(user: Any, value: str) -> bool:
    return attempts.accept_step(user, matching_step(user, value))
