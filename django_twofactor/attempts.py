"""Replay and lockout state on the user row, changed only by conditional UPDATEs.

Each function states in its ``WHERE`` clause what the row must still look
like (2FA on or off, not locked, step not used), and the row count says
whether this request won. On PostgreSQL an ``UPDATE`` that waits for another
transaction's row lock re-checks its ``WHERE`` against the committed row, so
the rules hold for any number of concurrent requests and server processes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NoReturn

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from .conf import twofactor_settings
from .exceptions import AlreadyEnabled, Blocked, InvalidCode, LockedOut, NotEnabled
from .methods.webauthn.models import WebAuthnCredential
from .models import RecoveryCode


def user_row(user: Any) -> QuerySet[Any]:
    row: QuerySet[Any] = get_user_model()._default_manager.filter(pk=user.pk)
    return row


def _usable(now: datetime, *, enabled: bool) -> Q:
    not_locked = Q(two_factor_locked_until__isnull=True) | Q(two_factor_locked_until__lte=now)
    not_blocked = Q(two_factor_failed_attempts__lt=twofactor_settings.FAILURE_LIMIT)
    return Q(two_factor_enabled=enabled) & not_locked & not_blocked


def is_blocked(user: Any) -> bool:
    return bool(user.two_factor_failed_attempts >= twofactor_settings.FAILURE_LIMIT)


def ensure_not_locked(user: Any) -> None:
    """Raise ``Blocked`` past ``FAILURE_LIMIT``, ``LockedOut`` while a lock runs."""
    if is_blocked(user):
        raise Blocked
    locked_until = user.two_factor_locked_until
    if locked_until is not None and locked_until > timezone.now():
        raise LockedOut(locked_until)


def refuse_by_current_state(user: Any, *, enabled: bool) -> NoReturn:
    """The row changed under this request: report its state, count nothing."""
    fields = ("two_factor_enabled", "two_factor_locked_until", "two_factor_failed_attempts")
    row = user_row(user).values(*fields).first()
    if row is None:
        raise NotEnabled
    for name in fields:
        setattr(user, name, row[name])
    ensure_not_locked(user)
    if user.two_factor_enabled != enabled:
        raise AlreadyEnabled if user.two_factor_enabled else NotEnabled
    raise InvalidCode  # a lock expired in between: the code was still wrong


def accept_step(user: Any, step: int | None, *, enabling: bool = False) -> bool:
    """Record ``step`` as used, only if no equal or later step was used before.

    ``enabling``: this is turn-on's first code, which makes TOTP one of the
    user's methods, and only against the very secret the code was checked
    with (a concurrent generate replaces it). Where it is the first method it
    switches 2FA on and raises the epoch: tokens issued before are void.
    Otherwise (a WebAuthn user adding an app) the step may not be set yet:
    a secret with no accepted step is not a method.
    """
    if step is None:
        return False
    first_method = enabling and not user.two_factor_enabled
    condition = _usable(timezone.now(), enabled=not first_method)
    changes: dict[str, Any] = {
        "two_factor_last_step": step,
        "two_factor_failed_attempts": 0,
        "two_factor_locked_until": None,
    }
    if enabling:
        condition &= Q(two_factor_secret=user.two_factor_secret, two_factor_last_step__isnull=True)
    else:
        condition &= Q(two_factor_last_step__lt=step)
    if first_method:
        changes["two_factor_enabled"] = True
    epoch = {"two_factor_epoch": F("two_factor_epoch") + 1} if first_method else {}
    if user_row(user).filter(condition).update(**changes, **epoch) != 1:
        return False
    for name, value in changes.items():
        setattr(user, name, value)
    if first_method:
        user.two_factor_epoch += 1
    return True


def switch_on(user: Any) -> bool:
    """2FA on with a first method other than TOTP (a new security key): the epoch rises.

    Call inside the transaction that stores the method, so both or neither
    happen; ``False`` if 2FA was switched on meanwhile, or a lock holds.
    """
    updated = (
        user_row(user)
        .filter(_usable(timezone.now(), enabled=False))
        .update(
            two_factor_enabled=True,
            two_factor_failed_attempts=0,
            two_factor_locked_until=None,
            two_factor_epoch=F("two_factor_epoch") + 1,
        )
    )
    if updated != 1:
        return False
    user.two_factor_enabled = True
    user.two_factor_failed_attempts = 0
    user.two_factor_locked_until = None
    user.two_factor_epoch += 1
    return True


class _Lost(Exception):
    """A concurrent request spent the credential first: roll back the reset."""


def _spend_with_reset(user: Any, spend: Callable[[], int]) -> bool:
    """Reset the failure count and run ``spend`` (a conditional ``UPDATE``) together.

    The user row is updated first: that takes its lock and checks that 2FA
    is on and not locked in the same statement, so a credential is refused
    while a concurrent wrong guess locks the user. ``spend`` returns its row
    count; anything but 1 means another request won, and the reset is undone.
    """
    try:
        with transaction.atomic():
            reset = user_row(user).filter(_usable(timezone.now(), enabled=True))
            if not reset.update(two_factor_failed_attempts=0, two_factor_locked_until=None):
                refuse_by_current_state(user, enabled=True)
            if spend() != 1:
                raise _Lost
    except _Lost:
        return False
    user.two_factor_failed_attempts = 0
    user.two_factor_locked_until = None
    return True


def spend_recovery_code(user: Any, canonical: str) -> bool:
    """Mark the code used if it is the user's and unused; reset the count.

    The code's row is found first, outside the transaction, so the one key
    derivation that costs holds no lock. The code is then spent by primary
    key only while still unused, so of concurrent requests with one code
    exactly one spends it.
    """
    row = RecoveryCode.objects.unused().matching(user, canonical)
    if row is None:
        return False
    return _spend_with_reset(
        user,
        lambda: RecoveryCode.objects.filter(pk=row.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        ),
    )


def accept_assertion(user: Any, credential_pk: Any, sign_count: int, *, backed_up: bool) -> bool:
    """Record a WebAuthn key's new signature counter; reset the count.

    Only while the stored counter is still below the new one (or both are
    0: keys without a counter report 0 each time), so of two assertions with
    the same counter only one is accepted, and a key that reports a counter
    going backwards (a clone) is refused even against a concurrent request.
    """
    counter = Q(sign_count__lt=sign_count) if sign_count else Q(sign_count=0)
    return _spend_with_reset(
        user,
        lambda: WebAuthnCredential.objects.filter(counter, pk=credential_pk, user=user).update(
            sign_count=sign_count, backed_up=backed_up, last_used_at=timezone.now()
        ),
    )


def lockout_delay(failures: int) -> timedelta:
    """Delay after the ``failures``-th wrong code in a row: nothing before the
    limit, then the base delay doubling with each further failure, capped."""
    limit = twofactor_settings.MAX_FAILED_ATTEMPTS
    if failures < limit:
        return timedelta(0)
    base = twofactor_settings.LOCKOUT_BASE_DELAY
    cap = twofactor_settings.LOCKOUT_MAX_DELAY
    doublings = min(failures - limit, 32)  # 2**32 times any base exceeds any sane cap
    return min(base * (1 << doublings), cap)


def record_failure(user: Any, *, enabled: bool = True) -> datetime | None:
    """Count a wrong code and lock once the limit is reached; return the lock.

    Counts only while the row is still in the state the request expected
    (``enabled``) and not locked: attempts refused with 429 are not counted,
    and nothing is counted once 2FA was turned off. The increment takes the
    row lock, so the read that follows sees this transaction's own value and
    no concurrent increment is lost.
    """
    now = timezone.now()
    row = user_row(user)
    with transaction.atomic():
        counted = row.filter(_usable(now, enabled=enabled)).update(
            two_factor_failed_attempts=F("two_factor_failed_attempts") + 1
        )
        if counted:
            failures = row.values_list("two_factor_failed_attempts", flat=True).get()
            delay = lockout_delay(failures)
            locked_until = now + delay if delay else None
            if locked_until is not None:
                row.update(two_factor_locked_until=locked_until)
    if not counted:
        refuse_by_current_state(user, enabled=enabled)
    user.two_factor_failed_attempts = failures
    user.two_factor_locked_until = locked_until
    return locked_until
