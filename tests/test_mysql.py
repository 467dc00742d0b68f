"""Where MySQL/MariaDB's semantics differ from PostgreSQL's and SQLite's, shown.

The first tests hold on every database and matter on MySQL: its default
collations fold case, so the one column where case is part of the value (the
WebAuthn challenge, base64url) compares byte for byte there
(``fields.CaseSensitiveCharField``), and the hash columns hold lower-case hex
that the server computes, on which folding case changes nothing. The others
run on MySQL/MariaDB only (``DATABASE_URL=mysql://…``, ``make test-mysql``):
the isolation level Django sets, what a conditional ``UPDATE`` blocked by
another transaction's row lock counts once that one commits, the row count
of an ``UPDATE`` that changes nothing, the time precision, and the column
types of long text, binary data and JSON.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timezone
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, connection, connections
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from django_twofactor.fields import MYSQL_BINARY_COLLATION
from django_twofactor.methods.webauthn import challenges
from django_twofactor.methods.webauthn.models import AUTHENTICATION
from django_twofactor.models import (
    RecoveryCode,
    TrustedDevice,
    WebAuthnChallenge,
    WebAuthnCredential,
)
from django_twofactor.trusted_devices import flows
from tests.api_helpers import AUTHENTICATE, LOGIN, field_error
from tests.conftest import PASSWORD, make_user
from tests.webauthn_helpers import AUTHENTICATE_OPTIONS, post

ON_MYSQL = django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.mysql"


def mysql_only(test: Any) -> Any:
    skip = pytest.mark.skipif(
        not ON_MYSQL, reason="needs MySQL/MariaDB: set DATABASE_URL=mysql://…"
    )
    return pytest.mark.mysql(skip(test))


INVALID = field_error(
    "credential",
    "invalid_credential",
    "The security key's answer is not valid, expired or was already used.",
)
HEX = re.compile(r"[0-9a-f]+")


def case_variant(text: str) -> str:
    """Another base64url value of the same length that folds to ``text``: every
    letter's case swapped but the last one's, whose low bits may be padding that
    decoding drops (it would then re-encode to another letter)."""
    variant = text[:-1].swapcase() + text[-1]
    assert variant != text
    assert variant.lower() == text.lower()
    assert bytes_to_base64url(base64url_to_bytes(variant)) == variant
    return variant


def pending(api: Any) -> str:
    response = api.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return str(response.json()["pending_token"])


# -- on every database ----------------------------------------------------------


def test_a_challenge_differing_only_in_case_is_not_spent(db):
    alice = make_user()
    issued = challenges.issue(alice, AUTHENTICATION)
    variant = base64url_to_bytes(case_variant(bytes_to_base64url(issued)))
    assert not challenges.spend(alice, AUTHENTICATION, variant)
    assert WebAuthnChallenge.objects.filter(user=alice).count() == 1
    assert challenges.spend(alice, AUTHENTICATION, issued)


def test_an_answer_signed_over_a_case_variant_of_the_challenge_is_refused(keyed, api):
    """A key signs whatever challenge the page hands it: the server must find
    exactly the one it issued, not one that folds to it."""
    token = pending(api)
    options = post(api, AUTHENTICATE_OPTIONS, token).json()
    forged = keyed.authenticator.authenticate(options, challenge=case_variant(options["challenge"]))
    response = post(api, AUTHENTICATE, token, {"credential": forged})
    assert response.status_code == 400
    assert response.json() == INVALID
    assert WebAuthnChallenge.objects.filter(challenge=options["challenge"]).exists()
    right = keyed.authenticator.authenticate(options)
    assert post(api, AUTHENTICATE, token, {"credential": right}).status_code == 200


def test_hash_columns_hold_lower_case_hex_computed_by_the_server(keyed, api):
    """Recovery-code lookups, trusted-device token hashes and credential-ID
    hashes are hex digests the server computes from what is submitted, and
    compares with ``=``: folding case cannot make two of them equal."""
    flows.trust(keyed.user, "laptop")
    values = [
        *RecoveryCode.objects.values_list("lookup", flat=True),
        *TrustedDevice.objects.values_list("token_hash", flat=True),
        *WebAuthnCredential.objects.values_list("credential_id_hash", flat=True),
    ]
    assert len(values) == len(keyed.recovery_codes) + 1 + 1 > 2
    assert all(HEX.fullmatch(value) for value in values), values


# -- on MySQL/MariaDB only ------------------------------------------------------


def column(model: Any, field: str) -> dict[str, Any]:
    """The column's row in information_schema.COLUMNS."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DATA_TYPE, COLLATION_NAME, DATETIME_PRECISION, CHARACTER_MAXIMUM_LENGTH"
            " FROM information_schema.COLUMNS"
            " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s AND COLUMN_NAME = %s",
            [model._meta.db_table, model._meta.get_field(field).column],
        )
        (row,) = cursor.fetchall()
    return dict(zip(["type", "collation", "precision", "length"], row, strict=True))


def scalar(cursor: Any, sql: str, params: Any = None) -> Any:
    cursor.execute(sql, params)
    return cursor.fetchone()[0]


@mysql_only
def test_the_challenge_column_is_binary_while_the_database_folds_case(db):
    with connection.cursor() as cursor:
        default = scalar(cursor, "SELECT @@collation_database")
        folds = scalar(cursor, "SELECT 'aB' = 'Ab' COLLATE " + default) == 1
    print(f"\ndatabase collation {default}: folds case {folds}")
    assert column(WebAuthnChallenge, "challenge")["collation"] == MYSQL_BINARY_COLLATION
    alice = make_user()
    issued = bytes_to_base64url(challenges.issue(alice, AUTHENTICATION))
    assert not WebAuthnChallenge.objects.filter(challenge=case_variant(issued)).exists()
    # The names of people and keys keep the database's collation.
    assert column(WebAuthnCredential, "name")["collation"] == default


@mysql_only
def test_django_runs_read_committed(db):
    """Django's MySQL default; the package sets nothing of its own."""
    assert connection.isolation_level == "read committed"
    with connection.cursor() as cursor:
        try:
            level = scalar(cursor, "SELECT @@SESSION.transaction_isolation")
        except OperationalError:  # MariaDB before 11.1 names it tx_isolation only
            level = scalar(cursor, "SELECT @@SESSION.tx_isolation")
    assert level == "READ-COMMITTED"


@mysql_only
def test_an_update_that_changes_nothing_counts_its_row(db):
    """MySQL reports rows changed unless the client asks for rows matched
    (CLIENT.FOUND_ROWS, which Django sets): the package's conditional
    ``UPDATE``\\ s count matches, as on PostgreSQL and SQLite."""
    alice = make_user()
    model = type(alice)
    assert model.objects.filter(pk=alice.pk).update(two_factor_last_step=7) == 1
    assert model.objects.filter(pk=alice.pk).update(two_factor_last_step=7) == 1


def lock_waits(cursor: Any) -> int:
    return int(
        scalar(
            cursor,
            "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'",
        )
    )


@pytest.mark.parametrize("isolation", ["READ COMMITTED", "REPEATABLE READ"])
@mysql_only
@pytest.mark.django_db(transaction=True)
def test_a_blocked_conditional_update_rechecks_the_committed_row(isolation):
    """The single-use rule is one ``UPDATE … WHERE last_step < n``: of two, the
    second waits on the first's row lock and then evaluates its ``WHERE``
    against the committed row, so it counts 0, whatever the isolation level
    (InnoDB's ``UPDATE`` reads the latest version, not its snapshot; MariaDB
    11.6+ with ``innodb_snapshot_isolation`` refuses it under REPEATABLE READ
    instead, error 1020). It never counts 1.
    """
    alice = make_user()
    type(alice).objects.filter(pk=alice.pk).update(two_factor_last_step=10)
    table = connection.ops.quote_name(type(alice)._meta.db_table)
    spend = (
        f"UPDATE {table} SET two_factor_last_step = 11 WHERE id = %s AND two_factor_last_step < 11"
    )
    outcome: dict[str, Any] = {}

    def second() -> None:
        second_connection = connections.create_connection("default")
        try:
            with second_connection.cursor() as cursor:
                cursor.execute(f"SET SESSION TRANSACTION ISOLATION LEVEL {isolation}")
                cursor.execute("START TRANSACTION")
                # A snapshot from before the first commits (REPEATABLE READ keeps it).
                outcome["seen"] = scalar(
                    cursor, f"SELECT two_factor_last_step FROM {table} WHERE id = %s", [alice.pk]
                )
                started.set()
                cursor.execute(spend, [alice.pk])
                outcome["count"] = cursor.rowcount
                cursor.execute("COMMIT")
        except OperationalError as exc:
            outcome["error"] = exc.args[0]
        finally:
            started.set()
            second_connection.close()

    started = threading.Event()
    with connection.cursor() as cursor:
        cursor.execute("START TRANSACTION")
        cursor.execute(spend, [alice.pk])
        assert cursor.rowcount == 1
        thread = threading.Thread(target=second)
        thread.start()
        assert started.wait(10)
        with connections.create_connection("default").cursor() as watcher:
            deadline = time.monotonic() + 10
            while not lock_waits(watcher) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert lock_waits(watcher) == 1, "the second UPDATE did not wait for the row lock"
            watcher.connection.close()
        cursor.execute("COMMIT")
    thread.join(30)
    assert not thread.is_alive()
    print(f"\n{isolation}: {outcome}")
    assert outcome["seen"] == 10
    if isolation == "READ COMMITTED":
        assert outcome == {"seen": 10, "count": 0}
    else:
        assert outcome.get("count") == 0 or outcome.get("error") == 1020, outcome
    alice.refresh_from_db()
    assert alice.two_factor_last_step == 11


@mysql_only
def test_times_keep_their_microseconds(db):
    """Django creates DATETIME(6): the replay and lockout times compare exactly."""
    for model, field in [
        (RecoveryCode, "used_at"),
        (WebAuthnChallenge, "expires_at"),
        (TrustedDevice, "expires_at"),
        (WebAuthnCredential, "last_used_at"),
        (django_settings.AUTH_USER_MODEL, "two_factor_locked_until"),
    ]:
        if isinstance(model, str):
            from django.apps import apps

            model = apps.get_model(model)
        assert column(model, field)["precision"] == 6, (model, field)
    alice = make_user()
    moment = datetime(2030, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc)
    type(alice).objects.filter(pk=alice.pk).update(two_factor_locked_until=moment)
    alice.refresh_from_db()
    assert alice.two_factor_locked_until == moment


@mysql_only
def test_long_text_binary_and_json_columns(db):
    """No 64 KiB ``TEXT``/``BLOB`` limit: Django makes them LONGTEXT and LONGBLOB;
    JSON is LONGTEXT with a JSON_VALID check on MariaDB, a JSON column on MySQL."""
    assert column(WebAuthnCredential, "public_key")["type"] == "longblob"
    assert column(WebAuthnCredential, "credential_id")["type"] == "longtext"
    assert column(WebAuthnCredential, "transports")["type"] in {"longtext", "json"}
    user_model = django_settings.AUTH_USER_MODEL
    from django.apps import apps

    assert column(apps.get_model(user_model), "two_factor_secret")["type"] == "longtext"
    alice = make_user()
    key = bytes(range(256)) * 257  # 65 792 bytes, past a BLOB's 65 535
    credential_id = bytes_to_base64url(bytes(range(256)) * 4)[:1365]  # 1023 bytes, the most
    stored = WebAuthnCredential.objects.create(
        user=alice,
        name="🔑 key",
        credential_id=credential_id,
        credential_id_hash="0" * 64,
        public_key=key,
        transports=["usb", "nfc", "hybrid"],
    )
    again = WebAuthnCredential.objects.get(pk=stored.pk)
    assert bytes(again.public_key) == key
    assert again.credential_id == credential_id
    assert again.transports == ["usb", "nfc", "hybrid"]
    assert again.name == "🔑 key"
