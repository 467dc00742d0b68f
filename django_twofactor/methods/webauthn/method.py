"""A WebAuthn assertion as a second factor: a fresh signature by one of the user's keys.

``begin`` sends the challenge (``PublicKeyCredentialRequestOptionsJSON``);
``verify`` checks the answer through py_webauthn and spends the challenge
once, then records the key's signature counter with a conditional
``UPDATE``. The ``amr`` values follow the authenticator's flags: ``"swk"``
for a backed-up (synced) passkey, ``"hwk"`` for a key bound to its device,
and ``"user"`` for the user-presence test py_webauthn insists on.

py_webauthn (the ``webauthn`` extra) is imported only when a ceremony runs,
so the package works without it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from ... import attempts
from ...codes import WEBAUTHN
from ...exceptions import NoSecurityKey, NotEnabled
from ...tokens import HARDWARE_KEY, MULTI_FACTOR, SOFTWARE_KEY, USER_PRESENCE
from .models import WebAuthnCredential
from .relying_party import RelyingParty

logger = logging.getLogger(__name__)

KIND = WEBAUTHN
FIELD = "credential"
#: What every accepted assertion adds; ``verify`` adds ``"hwk"`` or ``"swk"``.
AMR = (MULTI_FACTOR, USER_PRESENCE)


@dataclass(frozen=True)
class Assertion:
    """A parsed ``AuthenticationResponseJSON`` and the relying party it must be for."""

    credential: Any = field(repr=False)  # py_webauthn's AuthenticationCredential
    rp: RelyingParty


def begin(user: Any, request: Any) -> dict[str, Any]:
    """``NotEnabled`` with 2FA off, ``NoSecurityKey`` without a key: no challenge is stored."""
    from . import ceremonies

    if not user.two_factor_enabled:
        raise NotEnabled
    credentials = list(WebAuthnCredential.objects.filter(user=user))
    if not credentials:
        raise NoSecurityKey
    return ceremonies.authentication_options(user, RelyingParty.for_request(request), credentials)


def verify(user: Any, value: Assertion) -> tuple[str, ...] | None:
    from . import ceremonies

    try:
        asserted = ceremonies.verify_assertion(user, value.rp, value.credential)
    except ceremonies.Refused as exc:
        logger.info("Security key answer of user %s refused: %s", user.pk, exc)
        return None
    if not attempts.accept_assertion(
        user, asserted.stored.pk, asserted.sign_count, backed_up=asserted.backed_up
    ):
        return None
    return amr(backed_up=asserted.backed_up)


def amr(*, backed_up: bool) -> tuple[str, ...]:
    """RFC 8176: a synced passkey is a software-secured key, any other a hardware one."""
    return (MULTI_FACTOR, SOFTWARE_KEY if backed_up else HARDWARE_KEY, USER_PRESENCE)
