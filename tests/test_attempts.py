"""The conditional UPDATEs of attempts.py when the row changed under a request.

The PostgreSQL tests in test_concurrency.py race real threads; these make the
same situations deterministic with a stale user object, on any database.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from django_twofactor import attempts, exceptions
from django_twofactor.methods.recovery import codes as recovery
from django_twofactor.models import RecoveryCode


def stale_copy(user):
    return get_user_model().objects.get(pk=user.pk)


def lock(user, seconds: int = 60) -> None:
    attempts.user_row(user).update(
        two_factor_failed_attempts=5,
        two_factor_locked_until=timezone.now() + timedelta(seconds=seconds),
    )


def test_recovery_code_refused_when_locked_after_the_request_loaded_the_user(enabled):
    stale = stale_copy(enabled.user)
    lock(enabled.user)
    with pytest.raises(exceptions.LockedOut):
        attempts.spend_recovery_code(stale, recovery.canonical(enabled.recovery_codes[0]))
    assert not RecoveryCode.objects.filter(user=enabled.user, used_at__isnull=False).exists()
    assert attempts.user_row(enabled.user).get().two_factor_failed_attempts == 5


def test_recovery_code_refused_when_turned_off_meanwhile(enabled):
    stale = stale_copy(enabled.user)
    attempts.user_row(enabled.user).update(two_factor_enabled=False)
    with pytest.raises(exceptions.NotEnabled):
        attempts.spend_recovery_code(stale, recovery.canonical(enabled.recovery_codes[0]))


def test_wrong_recovery_code_keeps_the_count(enabled):
    attempts.user_row(enabled.user).update(two_factor_failed_attempts=3)
    assert attempts.spend_recovery_code(enabled.user, "a" * 10) is False
    assert attempts.user_row(enabled.user).get().two_factor_failed_attempts == 3


def test_failure_is_not_counted_for_a_deleted_user(enabled):
    stale = stale_copy(enabled.user)
    enabled.user.delete()
    with pytest.raises(exceptions.NotEnabled):
        attempts.record_failure(stale)


def test_turn_on_refused_when_already_turned_on_meanwhile(set_up):
    stale = stale_copy(set_up.user)
    attempts.user_row(set_up.user).update(two_factor_enabled=True)
    with pytest.raises(exceptions.AlreadyEnabled):
        attempts.record_failure(stale, enabled=False)


def test_a_lock_that_expired_in_between_still_refuses_the_code(enabled):
    """Nothing in the row explains the refusal: the code stays wrong, uncounted."""
    with pytest.raises(exceptions.InvalidCode):
        attempts.refuse_by_current_state(enabled.user, enabled=True)
    assert attempts.user_row(enabled.user).get().two_factor_failed_attempts == 0
