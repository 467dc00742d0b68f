"""A recovery code as a second factor: spent once, whatever method it stands in for."""

from __future__ import annotations

from typing import Any

from ... import attempts
from ...codes import RECOVERY
from ...tokens import MULTI_FACTOR

KIND = RECOVERY
AMR = (MULTI_FACTOR,)


def verify(user: Any, value: str) -> bool:
    """``value`` is the canonical code (``codes.normalize``)."""
    return attempts.spend_recovery_code(user, value)
