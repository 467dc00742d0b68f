"""Challenges: random, bound to a user and a ceremony, expiring, spent once."""

from __future__ import annotations

import secrets
from typing import Any

from django.utils import timezone

from ...conf import twofactor_settings
from .models import WebAuthnChallenge

#: 256 bits; WebAuthn §13.4.3 asks for at least 16 bytes.
CHALLENGE_BYTES = 32
#: Live challenges kept per user and ceremony (a few tabs); older ones are dropped,
#: so a pending token cannot fill the table.
LIVE_PER_CEREMONY = 5


def issue(user: Any, ceremony: str) -> bytes:
    """A new challenge for ``user``'s ``ceremony``, good for ``PENDING_TOKEN_LIFETIME``.

    The user's expired challenges go at the same time, and all but the
    newest ``LIVE_PER_CEREMONY`` of this ceremony, so the table stays small.
    """
    from webauthn.helpers import bytes_to_base64url

    now = timezone.now()
    mine = WebAuthnChallenge.objects.filter(user=user)
    mine.filter(expires_at__lte=now).delete()
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    WebAuthnChallenge.objects.create(
        user=user,
        ceremony=ceremony,
        challenge=bytes_to_base64url(challenge),
        expires_at=now + twofactor_settings.PENDING_TOKEN_LIFETIME,
    )
    older = mine.filter(ceremony=ceremony).order_by("-expires_at", "-pk")[LIVE_PER_CEREMONY:]
    mine.filter(pk__in=list(older.values_list("pk", flat=True))).delete()
    return challenge


def spend(user: Any, ceremony: str, challenge: bytes) -> bool:
    """Whether ``challenge`` was live for ``user``'s ``ceremony``; it is not any more.

    One ``DELETE``: of concurrent requests with the same challenge, in any
    number of processes, the one whose statement removes the row wins.
    """
    from webauthn.helpers import bytes_to_base64url

    deleted: int
    deleted, _ = WebAuthnChallenge.objects.filter(
        user=user,
        ceremony=ceremony,
        challenge=bytes_to_base64url(challenge),
        expires_at__gt=timezone.now(),
    ).delete()
    return deleted == 1
