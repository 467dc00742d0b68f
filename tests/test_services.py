"""``django_twofactor.services``: replay, lockout, reset and what lands in the database."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from django_twofactor import attempts, crypto, exceptions, services
from django_twofactor.codes import RECOVERY, TOTP, SubmittedCode
from django_twofactor.methods.recovery import codes as recovery
from django_twofactor.models import RecoveryCode
from django_twofactor.tokens import MULTI_FACTOR, ONE_TIME_PASSWORD
from tests.conftest import START, code_at, wrong_code

STEP0 = START // 30  # the step of the turn-on code in the ``enabled`` fixture


def totp_code(secret: str, at: float | None = None) -> SubmittedCode:
    return SubmittedCode(TOTP, code_at(secret, time.time() if at is None else at))


def rec(code: str) -> SubmittedCode:
    return SubmittedCode(RECOVERY, recovery.canonical(code))


def fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def raw_row(user, *columns: str) -> tuple:
    table = connection.ops.quote_name(get_user_model()._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {names} FROM {table} WHERE id = %s", [user.pk])
        return cursor.fetchone()


# Replay ---------------------------------------------------------------------


def test_turn_on_step_is_stored_and_counts_as_used(enabled):
    assert fresh(enabled.user).two_factor_last_step == STEP0
    with pytest.raises(exceptions.InvalidCode):
        services.verify(enabled.user, totp_code(enabled.secret, START))


def test_accepted_step_is_stored_and_cannot_be_replayed(enabled):
    code = totp_code(enabled.secret)
    assert services.verify(enabled.user, code) == (MULTI_FACTOR, ONE_TIME_PASSWORD)
    assert fresh(enabled.user).two_factor_last_step == STEP0 + 1
    with pytest.raises(exceptions.InvalidCode):
        services.verify(enabled.user, code)


def test_earlier_steps_refused_after_a_later_one(enabled, clock):
    """A code from the next step (clock drift) spends the current one too."""
    services.verify(enabled.user, totp_code(enabled.secret, START + 60))
    assert fresh(enabled.user).two_factor_last_step == STEP0 + 2
    with pytest.raises(exceptions.InvalidCode):
        services.verify(enabled.user, totp_code(enabled.secret, START + 30))


def test_replay_refused_even_with_a_stale_user_object(enabled):
    """Two requests that loaded the row before either wrote: the database decides."""
    first, second = fresh(enabled.user), fresh(enabled.user)
    code = totp_code(enabled.secret)
    services.verify(first, code)
    assert second.two_factor_last_step == STEP0  # it has not seen the first request
    with pytest.raises(exceptions.InvalidCode):
        services.verify(second, code)
    assert fresh(enabled.user).two_factor_failed_attempts == 1


def test_enable_fails_against_a_secret_replaced_meanwhile(set_up):
    """Generate ran again after this request read the row: its code belongs to a dead secret."""
    stale = fresh(set_up.user)
    services.begin_setup(fresh(set_up.user))
    with pytest.raises(exceptions.InvalidCode):
        services.enable(stale, totp_code(set_up.secret), ["pwd"])
    row = fresh(set_up.user)
    assert row.two_factor_enabled is False
    assert row.two_factor_secret != stale.two_factor_secret
    assert not RecoveryCode.objects.filter(user=set_up.user).exists()


def test_enable_state_errors(set_up):
    with pytest.raises(exceptions.SetupNotStarted):
        services.enable(
            get_user_model().objects.create_user("bob", password="x"), totp_code("A" * 32), []
        )
    result = services.enable(set_up.user, totp_code(set_up.secret), ["pwd"])
    assert len(result["recovery_codes"]) == 10
    with pytest.raises(exceptions.AlreadyEnabled):
        services.enable(set_up.user, totp_code(set_up.secret), ["pwd"])
    with pytest.raises(exceptions.AlreadyEnabled):
        services.begin_setup(set_up.user)


def test_verify_needs_2fa_on(set_up):
    with pytest.raises(exceptions.NotEnabled):
        services.verify(set_up.user, totp_code(set_up.secret))


def test_unreadable_secret_is_a_409_not_a_500(enabled):
    with (
        override_settings(
            SECRET_KEY="another-key-entirely-0123456789abcdef0123456789", SECRET_KEY_FALLBACKS=[]
        ),
        pytest.raises(exceptions.SecretUnreadable),
    ):
        services.verify(enabled.user, totp_code(enabled.secret))


def test_recovery_code_is_spent_once(enabled, clock):
    code = enabled.recovery_codes[0]
    assert services.verify(enabled.user, rec(code.upper())) == (MULTI_FACTOR,)
    row = RecoveryCode.objects.matching(enabled.user, recovery.canonical(code))
    assert row is not None
    assert row.used_at == timezone.now()
    with pytest.raises(exceptions.InvalidCode):
        services.verify(fresh(enabled.user), rec(code))


# Lockout ----------------------------------------------------------------------

DEFAULT_SCHEDULE = [0, 0, 0, 0, 60, 120, 240, 480, 960, 1920, 3600, 3600]


@pytest.mark.parametrize(("failures", "seconds"), list(enumerate(DEFAULT_SCHEDULE, start=1)))
def test_lockout_delay_defaults(failures, seconds):
    assert attempts.lockout_delay(failures) == timedelta(seconds=seconds)


CUSTOM = {
    "MAX_FAILED_ATTEMPTS": 3,
    "LOCKOUT_BASE_DELAY": timedelta(seconds=10),
    "LOCKOUT_MAX_DELAY": timedelta(seconds=100),
}
CUSTOM_SCHEDULE = [0, 0, 10, 20, 40, 80, 100, 100, 100, 100, 100, 100]


@pytest.mark.parametrize(("failures", "seconds"), list(enumerate(CUSTOM_SCHEDULE, start=1)))
def test_lockout_delay_custom(failures, seconds):
    with override_settings(TWO_FACTOR=CUSTOM):
        assert attempts.lockout_delay(failures) == timedelta(seconds=seconds)


@pytest.mark.parametrize("failures", [40, 1000, 10**9])
def test_lockout_delay_cap_holds_for_huge_counts(failures):
    assert attempts.lockout_delay(failures) == timedelta(hours=1)


def test_record_failure_locks_at_the_limit(enabled, clock):
    user = enabled.user
    for n in range(1, 5):
        services._record_failure(user)
        assert raw_row(user, "two_factor_failed_attempts", "two_factor_locked_until")[0] == n
        assert fresh(user).two_factor_locked_until is None
    services._record_failure(user)
    assert fresh(user).two_factor_locked_until == timezone.now() + timedelta(seconds=60)
    assert user.two_factor_locked_until == timezone.now() + timedelta(seconds=60)
    with pytest.raises(exceptions.LockedOut):
        services._record_failure(user)  # while locked, attempts are refused, not counted
    assert fresh(user).two_factor_failed_attempts == 5
    clock.shift(60)
    services._record_failure(user)
    assert fresh(user).two_factor_locked_until == timezone.now() + timedelta(seconds=120)
    assert fresh(user).two_factor_failed_attempts == 6


def test_record_failure_counts_nothing_once_two_factor_is_off(enabled):
    """A wrong code racing with turn-off must not lock a user who has 2FA off."""
    stale = fresh(enabled.user)
    services.reset(enabled.user)
    with pytest.raises(exceptions.NotEnabled):
        services._record_failure(stale)
    assert raw_row(enabled.user, "two_factor_failed_attempts", "two_factor_locked_until") == (
        0,
        None,
    )


def test_record_failure_counts_from_the_database_not_the_object(enabled):
    """Failures recorded through another object of the same user are not lost."""
    services._record_failure(fresh(enabled.user))
    services._record_failure(fresh(enabled.user))
    services._record_failure(enabled.user)
    assert enabled.user.two_factor_failed_attempts == 3


def wrong(secret: str) -> SubmittedCode:
    return SubmittedCode(TOTP, wrong_code(secret))


def test_lockout_then_wait_then_success_resets(enabled, clock):
    user = enabled.user
    for _ in range(5):
        with pytest.raises(exceptions.InvalidCode):
            services.verify(user, wrong(enabled.secret))
    with pytest.raises(exceptions.LockedOut) as locked:
        services.verify(user, totp_code(enabled.secret))  # right code, still refused
    assert locked.value.wait == 60
    assert fresh(user).two_factor_failed_attempts == 5  # a 429 is not counted
    clock.shift(59)
    with pytest.raises(exceptions.LockedOut) as locked:
        services.verify(user, totp_code(enabled.secret))
    assert locked.value.wait == 1
    clock.shift(31)  # 90 s later: a fresh step, lock over
    assert services.verify(user, totp_code(enabled.secret)) == (MULTI_FACTOR, ONE_TIME_PASSWORD)
    assert raw_row(user, "two_factor_failed_attempts", "two_factor_locked_until") == (0, None)


def test_success_resets_the_count(enabled):
    for _ in range(3):
        with pytest.raises(exceptions.InvalidCode):
            services.verify(enabled.user, wrong(enabled.secret))
    services.verify(enabled.user, rec(enabled.recovery_codes[1]))
    assert fresh(enabled.user).two_factor_failed_attempts == 0


def test_locked_enable_is_refused(set_up, clock):
    for _ in range(5):
        with pytest.raises(exceptions.InvalidCode):
            services.enable(set_up.user, wrong(set_up.secret), ["pwd"])
    with pytest.raises(exceptions.LockedOut):
        services.enable(set_up.user, totp_code(set_up.secret), ["pwd"])
    assert fresh(set_up.user).two_factor_enabled is False


# Reset and status -------------------------------------------------------------


def test_reset_clears_everything(enabled):
    services._record_failure(enabled.user)
    services.reset(enabled.user)
    for user in (enabled.user, fresh(enabled.user)):
        assert user.two_factor_enabled is False
        assert user.two_factor_secret == ""
        assert user.two_factor_last_step is None
        assert user.two_factor_failed_attempts == 0
        assert user.two_factor_locked_until is None
    assert not RecoveryCode.objects.filter(user=enabled.user).exists()


def test_status(enabled):
    assert services.status(enabled.user) == {
        "enabled": True,
        "recovery_codes_remaining": 10,
        "methods": ["totp"],
    }
    services.verify(enabled.user, rec(enabled.recovery_codes[0]))
    assert services.status(enabled.user) == {
        "enabled": True,
        "recovery_codes_remaining": 9,
        "methods": ["totp"],
    }
    services.reset(enabled.user)
    assert services.status(enabled.user) == {
        "enabled": False,
        "recovery_codes_remaining": 0,
        "methods": [],
    }


def test_status_of_a_user_who_never_set_up(db):
    user = get_user_model().objects.create_user("carol", password="x")
    assert services.status(user) == {
        "enabled": False,
        "recovery_codes_remaining": 0,
        "methods": [],
    }


# At rest ----------------------------------------------------------------------


def test_raw_row_holds_no_base32_secret(enabled):
    columns = [f.column for f in get_user_model()._meta.concrete_fields]
    row = raw_row(enabled.user, *columns)
    stored = dict(zip(columns, row, strict=True))["two_factor_secret"]
    assert stored
    assert crypto.decrypt(stored) == enabled.secret
    for value in row:
        assert enabled.secret not in str(value)
        assert enabled.secret.lower() not in str(value).lower()


def test_recovery_codes_stored_as_hashes_only(enabled):
    table = connection.ops.quote_name(RecoveryCode._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE user_id = %s", [enabled.user.pk])
        rows = cursor.fetchall()
        names = [c[0] for c in cursor.description]
    hashes = [dict(zip(names, r, strict=True))["code_hash"] for r in rows]
    assert len(hashes) == 10
    # salted PBKDF2 of the keyed hash (test_recovery_storage pins the format)
    assert all(h.startswith("twofactor_pbkdf2_sha256$") for h in hashes)
    for code in enabled.recovery_codes:
        assert RecoveryCode.objects.matching(enabled.user, recovery.canonical(code))
    dump = repr(rows).lower()
    for code in enabled.recovery_codes:
        assert code not in dump
        assert recovery.canonical(code) not in dump


def test_generate_refused_when_turned_on_after_the_request_loaded_the_user(set_up):
    stale = fresh(set_up.user)
    # what a concurrent turn-on writes: 2FA on, and the step of its code
    attempts.user_row(set_up.user).update(two_factor_enabled=True, two_factor_last_step=1)
    before = raw_row(set_up.user, "two_factor_secret")
    with pytest.raises(exceptions.AlreadyEnabled):
        services.begin_setup(stale)
    assert raw_row(set_up.user, "two_factor_secret") == before


def test_last_login_follows_the_second_factor_when_simplejwt_updates_it(enabled, api, clock):
    """With UPDATE_LAST_LOGIN, a password alone does not count as a login
    for a user with 2FA on; the second factor does."""
    from tests.conftest import bearer, log_in, make_user

    plain = make_user("bob")
    with override_settings(SIMPLE_JWT={"UPDATE_LAST_LOGIN": True}):
        log_in(api, "bob")
        assert fresh(plain).last_login == timezone.now()

        pending = log_in(api)["pending_token"]
        assert fresh(enabled.user).last_login is None
        response = api.post(
            "/api/auth/2fa/authenticate/",
            {"code": code_at(enabled.secret, time.time())},
            format="json",
            **bearer(pending),
        )
        assert response.status_code == 200
        assert fresh(enabled.user).last_login == timezone.now()


def test_recovery_code_label_names_no_code(enabled):
    row = RecoveryCode.objects.filter(user=enabled.user).first()
    assert str(row) == f"recovery code #{row.pk} of user {enabled.user.pk}"
    assert row.code_hash not in str(row)
