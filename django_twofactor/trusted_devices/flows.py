"""Trusting a device, logging in with it, listing and forgetting devices.

A device token is 256 random bits, shown once; the database holds its keyed
hash (HMAC-SHA256 under a key derived from ``SECRET_KEY``, every configured
key tried, so Django's key rotation keeps devices working). A token that is
unknown, expired, another user's, or outlived by an account event is
ignored: ``login/`` answers as if none had been sent.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from .. import attempts, crypto, lifecycle, signals
from ..conf import twofactor_settings
from .models import NAME_MAX_LENGTH, TrustedDevice

TOKEN_BYTES = 32  # 256 bits; CONTRACT §15 asks for at least 128
_PURPOSE = "trusted-device:"


def enabled() -> bool:
    return twofactor_settings.TRUSTED_DEVICE_LIFETIME is not None


def _hashes(token: str) -> list[str]:
    return crypto.keyed_hashes(_PURPOSE + token)


def device_name(requested: str | None, request: Any) -> str:
    """The name the client gave, else its User-Agent, cut to fit."""
    agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    name = (requested or agent or "").strip() or "Unknown device"
    return name[:NAME_MAX_LENGTH]


def trust(user: Any, name: str, request: Any = None) -> str:
    """Remember the device that just passed the second factor; its token, once."""
    lifetime = twofactor_settings.TRUSTED_DEVICE_LIFETIME
    if lifetime is None:
        raise ValueError("trusted devices are off (TRUSTED_DEVICE_LIFETIME is None)")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    device = TrustedDevice.objects.create(
        user=user,
        name=name,
        token_hash=_hashes(token)[0],
        state=lifecycle.stamp(user),
        verified_at=now,
        expires_at=now + lifetime,
    )
    signals.send_on_commit(signals.trusted_device_added, user, request, device=device)
    return token


def vouching(user: Any, token: str) -> TrustedDevice | None:
    """The live device of ``user`` whose token is ``token``, now marked used; else ``None``.

    The mark is a conditional ``UPDATE`` of a row that must still exist and
    be unexpired, so a device forgotten by a concurrent request (its row
    deleted) vouches for nothing once the forget has committed. A locked or
    blocked account gets no help from a device: its codes are under attack.
    """
    if not enabled() or not user.two_factor_enabled:
        return None
    now = timezone.now()
    locked_until = user.two_factor_locked_until
    if attempts.is_blocked(user) or (locked_until is not None and locked_until > now):
        return None
    device: TrustedDevice | None = TrustedDevice.objects.filter(
        user=user, token_hash__in=_hashes(token), expires_at__gt=now
    ).first()
    if device is None or not lifecycle.is_current(device.state, user):
        return None
    used = TrustedDevice.objects.filter(pk=device.pk, expires_at__gt=now).update(last_used_at=now)
    if used != 1:
        return None
    device.last_used_at = now
    return device


def live(user: Any) -> list[TrustedDevice]:
    """The user's devices that can still vouch: unexpired, and trusted in the account's
    current state."""
    devices = TrustedDevice.objects.filter(user=user, expires_at__gt=timezone.now())
    return [d for d in devices if lifecycle.is_current(d.state, user)]


def describe(device: TrustedDevice) -> dict[str, Any]:
    """What the API and the admin show of a device: never its token or hash."""
    return {
        "id": device.pk,
        "name": device.name,
        "created_at": device.created_at,
        "last_used_at": device.last_used_at,
        "expires_at": device.expires_at,
    }


def forget(user: Any, pk: int) -> None:
    """``TrustedDevice.DoesNotExist`` for a device that is not the user's."""
    deleted, _ = of(user).filter(pk=pk).delete()
    if not deleted:
        raise TrustedDevice.DoesNotExist


def forget_all(user: Any) -> None:
    """Every device of the user: an account event (turn-off, reset, password change,
    logout everywhere) has outlived them. Their state stamp already stops them
    vouching; this removes the rows too."""
    of(user).delete()


def of(user: Any) -> QuerySet[TrustedDevice]:
    devices: QuerySet[TrustedDevice] = TrustedDevice.objects.filter(user=user)
    return devices


def auth_time(device: TrustedDevice) -> int:
    """The tokens' ``auth_time``: the real verification, never the device's use."""
    stamp: datetime = device.verified_at
    return int(stamp.timestamp())
