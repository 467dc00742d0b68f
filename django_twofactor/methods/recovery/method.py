"""A recovery code as a second factor: spent once, whatever method it stands in for."""

from __future__ import annotations

from typing import Any

from ... import attempts
from ...codes import RECOVERY
from ...tokens import MULTI_FACTOR

KIND = RECOVERY
FIELD = "code"
AMR = (MULTI_FACTOR,)


def begin(user: Any, request: Any) -> None:
    """Nothing to send first: the user has the code on paper."""
    return None


def verify(user: Any, value: str) -> tuple[str, ...] | None:
    """``value`` is the canonical code (``codes.normalize``)."""
    return AMR if attempts.spend_recovery_code(user, value) else None
