"""Recovery codes in the database: salted derivations found by their lookup.

NIST SP 800-63B §5.1.2.2: a look-up secret under 112 bits is stored salted and
hashed with a key-derivation function that has a cost. These tests pin what a
row holds, that checking a code costs one derivation however many codes the
user has, the production cost, key rotation, and the migration that converts
the keyed hashes earlier versions stored without breaking a single code.
"""

from __future__ import annotations

import importlib
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from django_twofactor import attempts, crypto, exceptions, services
from django_twofactor.codes import RECOVERY, SubmittedCode
from django_twofactor.methods.recovery import codes as recovery
from django_twofactor.models import RecoveryCode
from django_twofactor.tokens import MULTI_FACTOR
from tests.conftest import make_user

KEYED = "0f" + "a" * 62
STORED = re.compile(r"twofactor_pbkdf2_sha256\$1\$[A-Za-z0-9]{22}\$[A-Za-z0-9+/]{43}=")
NEW_KEY = "a-new-secret-key-that-is-long-enough-for-hkdf-0123456789abcdef"


@pytest.fixture
def derivations(monkeypatch) -> list[str]:
    """Every PBKDF2 derivation of a recovery code, by its input."""
    calls: list[str] = []
    encode = recovery.RecoveryCodeHasher.encode

    def counting(self, password, salt, iterations=None):
        calls.append(password)
        return encode(self, password, salt, iterations)

    monkeypatch.setattr(recovery.RecoveryCodeHasher, "encode", counting)
    return calls


def rec(code: str) -> SubmittedCode:
    return SubmittedCode(RECOVERY, recovery.canonical(code))


def lookups_of(user) -> set[str]:
    return set(RecoveryCode.objects.filter(user=user).values_list("lookup", flat=True))


def another_code(*, lookup_taken: bool, lookups: set[str]) -> str:
    """A code that is none of the user's, whose lookup is (or is not) one of theirs."""
    while True:
        code = recovery.new_code()
        lookup = recovery.lookup(crypto.keyed_hash(recovery.canonical(code)))
        if (lookup in lookups) is lookup_taken:
            return code


# The cost ---------------------------------------------------------------------


def test_production_cost_is_pinned(monkeypatch):
    """The suite derives with one iteration (``conftest``); production with
    100,000: about 24 ms a check on the benchmark's machine, a tenth of what
    Django's default hasher spends on a password."""
    monkeypatch.undo()  # the conftest fixture's patch
    assert recovery.RecoveryCodeHasher.iterations == recovery.ITERATIONS == 100_000
    stored = recovery.store(KEYED)
    assert stored.code_hash.startswith("twofactor_pbkdf2_sha256$100000$")
    assert recovery.verify(KEYED, stored.code_hash)


def test_right_code_costs_one_derivation(enabled, derivations):
    assert services.verify(enabled.user, rec(enabled.recovery_codes[4])) == (MULTI_FACTOR,)
    assert len(derivations) == 1


def test_a_set_costs_one_derivation_a_code(enabled, derivations):
    with transaction.atomic():
        codes = services.replace_recovery_codes(enabled.user)
    assert len(derivations) == len(codes) == 10


def test_wrong_code_costs_a_derivation_only_when_its_lookup_is_taken(enabled, derivations):
    lookups = lookups_of(enabled.user)
    with pytest.raises(exceptions.InvalidCode):
        services.verify(enabled.user, rec(another_code(lookup_taken=False, lookups=lookups)))
    assert derivations == []
    with pytest.raises(exceptions.InvalidCode):
        services.verify(enabled.user, rec(another_code(lookup_taken=True, lookups=lookups)))
    assert len(derivations) == 1
    assert enabled.refresh().two_factor_failed_attempts == 2


def test_spent_code_is_refused_without_a_derivation(enabled, derivations):
    code = enabled.recovery_codes[0]
    services.verify(enabled.user, rec(code))
    with pytest.raises(exceptions.InvalidCode):
        services.verify(enabled.user, rec(code))
    assert len(derivations) == 1


# What a row holds ---------------------------------------------------------------


def test_rows_hold_a_lookup_and_a_salted_derivation_only(enabled):
    table = connection.ops.quote_name(RecoveryCode._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE user_id = %s", [enabled.user.pk])
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    assert len(rows) == 10
    keyed = [crypto.keyed_hash(recovery.canonical(c)) for c in enabled.recovery_codes]
    assert {r["lookup"] for r in rows} == {k[:2] for k in keyed}  # ten different lookups
    assert all(STORED.fullmatch(r["code_hash"]) for r in rows)
    assert len({r["code_hash"].split("$")[2] for r in rows}) == 10  # a salt each
    dump = repr(rows).lower()
    for code, k in zip(enabled.recovery_codes, keyed, strict=True):
        assert code not in dump
        assert recovery.canonical(code) not in dump
        assert k[2:8] not in dump  # nothing of the keyed hash beyond the lookup


def test_matching_finds_spent_rows_only_when_asked(enabled):
    canonical = recovery.canonical(enabled.recovery_codes[0])
    row = RecoveryCode.objects.matching(enabled.user, canonical)
    assert row is not None
    assert row.used_at is None
    services.verify(enabled.user, rec(enabled.recovery_codes[0]))
    spent = RecoveryCode.objects.matching(enabled.user, canonical)
    assert spent is not None
    assert spent.pk == row.pk
    assert spent.used_at is not None
    assert RecoveryCode.objects.unused().matching(enabled.user, canonical) is None


def test_a_code_is_only_its_owners(enabled):
    bob = make_user("bob")
    with transaction.atomic():
        services.replace_recovery_codes(bob)
    for code in enabled.recovery_codes:
        assert RecoveryCode.objects.matching(bob, recovery.canonical(code)) is None
        assert RecoveryCode.objects.matching(enabled.user, recovery.canonical(code)) is not None


def two_codes_of_one_lookup() -> tuple[str, str]:
    seen: dict[str, str] = {}
    while True:
        code = recovery.new_code()
        lookup = recovery.lookup(crypto.keyed_hash(recovery.canonical(code)))
        if lookup in seen and seen[lookup] != code:
            return seen[lookup], code
        seen[lookup] = code


def test_a_lookup_shared_by_chance_still_finds_the_right_row(enabled, derivations):
    """Sets made before this version may hold two codes of one lookup: a code
    then costs a derivation for each row of its lookup, and finds its own."""
    first, second = two_codes_of_one_lookup()
    RecoveryCode.objects.filter(user=enabled.user).delete()
    rows = [
        RecoveryCode.objects.create(
            user=enabled.user,
            **vars(recovery.store(crypto.keyed_hash(recovery.canonical(code)))),
        )
        for code in (first, second)
    ]
    derivations.clear()
    assert RecoveryCode.objects.matching(enabled.user, recovery.canonical(second)) == rows[1]
    assert len(derivations) == 2  # the first row, then its own
    assert services.verify(enabled.user, rec(first)) == (MULTI_FACTOR,)
    assert services.verify(enabled.user, rec(second)) == (MULTI_FACTOR,)


# Key rotation and races ---------------------------------------------------------


def test_codes_made_under_a_fallback_key_keep_working(enabled, settings, derivations):
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = NEW_KEY
    assert services.verify(enabled.user, rec(enabled.recovery_codes[0])) == (MULTI_FACTOR,)
    # its lookup under the new key may hit another row by chance: 9 in 256
    assert 1 <= len(derivations) <= 2
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(exceptions.InvalidCode):
        services.verify(enabled.user, rec(enabled.recovery_codes[1]))


def test_new_sets_use_the_current_key(enabled, settings):
    old = settings.SECRET_KEY
    settings.SECRET_KEY_FALLBACKS = [old]
    settings.SECRET_KEY = NEW_KEY
    with transaction.atomic():
        codes = services.replace_recovery_codes(enabled.user)
    settings.SECRET_KEY_FALLBACKS = []
    assert services.verify(enabled.user, rec(codes[0])) == (MULTI_FACTOR,)


def test_a_code_spent_between_finding_and_spending_is_refused(enabled, monkeypatch):
    """What a concurrent request with the same code does (test_concurrency races
    it for real): the conditional UPDATE spends nothing and the counter reset
    is rolled back."""
    attempts.user_row(enabled.user).update(two_factor_failed_attempts=3)
    verify = recovery.verify

    def verify_then_lose_the_race(keyed, code_hash):
        matched = verify(keyed, code_hash)
        RecoveryCode.objects.filter(user=enabled.user).update(used_at=timezone.now())
        return matched

    monkeypatch.setattr(recovery, "verify", verify_then_lose_the_race)
    canonical = recovery.canonical(enabled.recovery_codes[0])
    assert attempts.spend_recovery_code(enabled.user, canonical) is False
    assert attempts.user_row(enabled.user).get().two_factor_failed_attempts == 3


def test_counts_of_codes_left_follow_spending(enabled):
    """``2fa/`` status and the admin's "recovery codes left" count unused rows."""
    from django.contrib import admin

    user_admin = admin.site._registry[get_user_model()]
    assert services.status(enabled.user)["recovery_codes_remaining"] == 10
    services.verify(enabled.user, rec(enabled.recovery_codes[0]))
    assert services.status(enabled.user)["recovery_codes_remaining"] == 9
    assert user_admin.two_factor_recovery_codes_left(enabled.user) == 9


# The migration from keyed hashes ----------------------------------------------

BEFORE = [("django_twofactor", "0001_initial")]
CONVERSION = importlib.import_module("django_twofactor.migrations.0002_recovery_code_kdf")


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes("django_twofactor")


@pytest.fixture
def before_conversion(transactional_db):
    """The schema of 0001 for the test; the latest again afterwards."""
    after = latest()
    migrate(BEFORE)
    try:
        yield MigrationExecutor(connection).loader.project_state(BEFORE).apps
    finally:
        migrate(after)


def test_migration_keeps_existing_codes_working(before_conversion, monkeypatch):
    monkeypatch.setattr(CONVERSION, "BATCH", 2)  # three batches for five rows
    user = make_user()
    get_user_model().objects.filter(pk=user.pk).update(two_factor_enabled=True)
    user.refresh_from_db()
    codes = recovery.new_codes(5)
    spent = codes[0]
    old_model = before_conversion.get_model("django_twofactor", "RecoveryCode")
    for code in codes:
        old_model.objects.create(
            user_id=user.pk,
            code_hash=crypto.keyed_hash(recovery.canonical(code)),  # what 0001 stored
            used_at=timezone.now() if code == spent else None,
        )

    migrate(latest())

    rows = list(RecoveryCode.objects.filter(user=user).order_by("pk"))
    assert len(rows) == 5
    for code, row in zip(codes, rows, strict=True):
        keyed = crypto.keyed_hash(recovery.canonical(code))
        assert row.lookup == keyed[:2]
        assert STORED.fullmatch(row.code_hash)
        assert keyed not in row.code_hash
        assert (row.used_at is not None) is (code == spent)
    for code in codes[1:]:
        assert services.verify(user, rec(code)) == (MULTI_FACTOR,)
    with pytest.raises(exceptions.InvalidCode):
        services.verify(user, rec(spent))


def test_migrating_back_deletes_the_codes(transactional_db):
    user = make_user()
    with transaction.atomic():
        services.replace_recovery_codes(user)
    after = latest()
    try:
        migrate(BEFORE)
        old_apps = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        assert not old_apps.get_model("django_twofactor", "RecoveryCode").objects.exists()
    finally:
        migrate(after)
    assert not RecoveryCode.objects.exists()
