"""Signals for audit logs and alerts.

Every signal is sent with ``sender`` (the user model), ``user`` and
``request`` (the ``HttpRequest``, or ``None`` outside a request), and only
after the database change it reports has been committed: a receiver never
hears of something that was rolled back.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import Signal

two_factor_enabled = Signal()
two_factor_disabled = Signal()
#: Also ``by``: the user who reset, or ``None`` (a management command);
#: ``was_enabled``: whether 2FA was on (a reset also ends every token either way).
two_factor_reset = Signal()
#: Also ``method``: ``"totp"``, ``"recovery"`` or ``"webauthn"``.
code_verified = Signal()
#: Also ``failures``: wrong codes in a row, this one included.
code_failed = Signal()
#: Also ``until``: when codes are accepted again; ``failures``: wrong codes in a row.
user_locked_out = Signal()
#: Also ``failures``: ``FAILURE_LIMIT`` was reached; no code is accepted until
#: the password is changed or an administrator resets the user.
user_blocked = Signal()
#: "Log out everywhere": every token of the user was revoked.
logged_out_everywhere = Signal()
#: Also ``remaining``: unused recovery codes left.
recovery_code_used = Signal()
recovery_codes_regenerated = Signal()
#: Also ``name``: a security key was added while 2FA was on already (the
#: first key sends ``two_factor_enabled`` instead).
security_key_added = Signal()
#: Also ``name``: a security key was removed and 2FA stays on (removing the
#: last method sends ``two_factor_disabled`` instead).
security_key_removed = Signal()
#: Also ``device``: the ``TrustedDevice`` whose token was just handed out.
trusted_device_added = Signal()


def send_on_commit(signal: Signal, user: Any, request: Any = None, **extra: Any) -> None:
    transaction.on_commit(
        lambda: signal.send(sender=type(user), user=user, request=request, **extra)
    )
