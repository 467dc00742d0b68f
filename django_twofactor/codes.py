"""A submitted second factor, classified: what the serializers hand to the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .methods.recovery import codes as recovery
from .methods.totp import algorithm as totp

TOTP = "totp"
RECOVERY = "recovery"
WEBAUTHN = "webauthn"


@dataclass(frozen=True)
class SubmittedCode:
    """Its ``repr`` names the kind only: the value is a live credential."""

    kind: str  # TOTP, RECOVERY or WEBAUTHN
    # The digits of a TOTP code, the canonical recovery code, or a WebAuthn
    # assertion (``methods.webauthn.method.Assertion``).
    value: Any = field(repr=False)


def classify(value: str, digits: int, *, allow_recovery: bool) -> SubmittedCode | None:
    """A TOTP code of ``digits`` digits, else (if allowed) a recovery code, else ``None``."""
    parsed = totp.parse_code(value, digits)
    if parsed is not None:
        return SubmittedCode(TOTP, parsed)
    canonical = recovery.normalize(value) if allow_recovery else None
    return SubmittedCode(RECOVERY, canonical) if canonical is not None else None
