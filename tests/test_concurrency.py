"""The exactly-once promises under real concurrency, on PostgreSQL and MySQL/MariaDB.

Sixteen threads, each with its own client and database connection, are
released together by a barrier. SQLite serialises every writer, so it could
not tell a race-free service from a racy one; these tests need a database
server: PostgreSQL, or MySQL/MariaDB (InnoDB row locks, READ COMMITTED as
Django sets it; see ``tests/test_mysql.py``). Each burst is repeated for a
few rounds, the clock a step further each time.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.authentication import JWTAuthentication

from django_twofactor import attempts, services
from django_twofactor.codes import TOTP, SubmittedCode
from django_twofactor.methods.recovery import codes as recovery
from django_twofactor.methods.totp import algorithm as totp
from django_twofactor.models import RecoveryCode
from tests.api_helpers import AUTHENTICATE, TURN_ON
from tests.conftest import bearer, code_at, log_in, make_user, wrong_code

THREADS = 16
ROUNDS = 5

#: The database servers whose concurrent writers these tests can race.
SERVER_ENGINES = ("django.db.backends.postgresql", "django.db.backends.mysql")
ON_SERVER_DATABASE = django_settings.DATABASES["default"]["ENGINE"] in SERVER_ENGINES

pytestmark = [
    pytest.mark.server_db,
    pytest.mark.skipif(
        not ON_SERVER_DATABASE,
        reason="needs PostgreSQL or MySQL/MariaDB: set DATABASE_URL=postgres://… or mysql://…",
    ),
    pytest.mark.django_db(transaction=True),
]

Holder = dict[str, threading.Barrier | None]  # a point where a burst's threads wait for each other
Send = Callable[[int, APIClient], Any]


@pytest.fixture
def gate(monkeypatch) -> dict[str, threading.Barrier | None]:
    """While a burst runs, hold each request after it loaded the user row.

    Only when all sixteen have read the same (soon stale) row do they go on,
    so every one passes the lock check and reaches the state-changing
    ``UPDATE`` at once: the database alone must pick the single winner,
    whatever order the threads happen to be scheduled in.
    """
    holder: dict[str, threading.Barrier | None] = {"barrier": None}
    original = JWTAuthentication.get_user

    def get_user(self: JWTAuthentication, validated_token: Any) -> Any:
        user = original(self, validated_token)
        barrier = holder["barrier"]
        if barrier is not None:
            barrier.wait()
        return user

    monkeypatch.setattr(JWTAuthentication, "get_user", get_user)
    return holder


def burst(holders: Sequence[Holder], send: Send, count: int = THREADS) -> list[Any]:
    """Run ``send(i, client)`` in ``count`` threads at once, each held at every
    point of ``holders`` until all have reached it; return the responses."""
    start = threading.Barrier(count, timeout=30)
    for holder in holders:
        holder["barrier"] = threading.Barrier(count, timeout=30)
    responses: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        client = APIClient()
        try:
            start.wait()
            response = send(i, client)
            with lock:
                responses.append(response)
        except BaseException as exc:  # reported below, in the test's thread
            with lock:
                errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)
    finally:
        for holder in holders:
            holder["barrier"] = None
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    assert not errors, errors
    return responses


def posting(url: str, codes: Sequence[str], tokens: Sequence[str]) -> Send:
    """A ``send`` for ``burst``: thread ``i`` posts ``codes[i]`` to ``url`` with ``tokens[i]``."""

    def send(i: int, client: APIClient) -> Any:
        return client.post(url, {"code": codes[i]}, format="json", **bearer(tokens[i]))

    return send


def tally(label: str, round_: int, responses: list[Any]) -> Counter[int]:
    counts = Counter(response.status_code for response in responses)
    print(f"\n{label} round {round_}: {dict(sorted(counts.items()))}")  # status: count
    return counts


def two_factor_user(username: str) -> tuple[Any, str, list[str]]:
    """A user with 2FA on: set-up and turn-on through the services; that step is used."""
    user = make_user(username)
    secret = services.begin_setup(user).secret
    code = SubmittedCode(TOTP, code_at(secret, time.time()))
    body = services.enable(user, code, ["pwd"])
    return user, secret, body["recovery_codes"]


def pending_tokens(username: str) -> list[str]:
    return [log_in(APIClient(), username)["pending_token"] for _ in range(THREADS)]


def current_step() -> int:
    return totp.time_step(totp.TotpParameters.from_settings())


def test_one_totp_code_is_accepted_once(clock, gate, settings):
    """RFC 6238 §5.2 under a race: of sixteen identical submissions one wins."""
    settings.TWO_FACTOR = {"MAX_FAILED_ATTEMPTS": 1000}  # the losers must not lock the user
    user, secret, _ = two_factor_user("alice")
    for round_ in range(1, ROUNDS + 1):
        clock.shift(30)
        tokens = pending_tokens("alice")
        code = code_at(secret, time.time())
        responses = burst([gate], posting(AUTHENTICATE, [code] * THREADS, tokens))
        counts = tally("(a) TOTP code", round_, responses)
        assert counts == Counter({200: 1, 400: THREADS - 1}), f"round {round_}: {dict(counts)}"
        user.refresh_from_db()
        assert user.two_factor_last_step == current_step()


def test_one_recovery_code_is_spent_once(clock, gate, settings):
    """A recovery code is single-use even when sixteen requests spend it at once."""
    settings.TWO_FACTOR = {"MAX_FAILED_ATTEMPTS": 1000}
    user, _, codes = two_factor_user("alice")
    for round_ in range(1, ROUNDS + 1):
        clock.shift(30)
        tokens = pending_tokens("alice")
        code = codes[round_]
        responses = burst([gate], posting(AUTHENTICATE, [code] * THREADS, tokens))
        counts = tally("(b) recovery code", round_, responses)
        assert counts == Counter({200: 1, 400: THREADS - 1}), f"round {round_}: {dict(counts)}"
        row = RecoveryCode.objects.matching(user, recovery.canonical(code))
        assert row is not None
        assert row.used_at == timezone.now()
        spent = RecoveryCode.objects.filter(user=user, used_at__isnull=False).count()
        assert spent == round_, f"round {round_}: {spent} codes spent"


def test_concurrent_wrong_codes_are_all_counted(clock, gate, settings):
    """No lost increment: sixteen wrong codes at once count sixteen."""
    settings.TWO_FACTOR = {"MAX_FAILED_ATTEMPTS": 1000}
    for round_ in range(1, ROUNDS + 1):
        clock.shift(30)
        user, secret, _ = two_factor_user(f"carol{round_}")
        tokens, code = pending_tokens(user.username), wrong_code(secret)
        responses = burst([gate], posting(AUTHENTICATE, [code] * THREADS, tokens))
        counts = tally("(c) wrong codes, high limit", round_, responses)
        user.refresh_from_db()
        failures = user.two_factor_failed_attempts
        assert counts == Counter({400: THREADS}), f"round {round_}: {dict(counts)}"
        assert failures == THREADS, f"round {round_}: counter {failures}, expected {THREADS}"
        assert user.two_factor_locked_until is None


def test_concurrent_wrong_codes_lock_the_user(clock, gate):
    """With the default limit, exactly MAX_FAILED_ATTEMPTS wrong codes are judged;
    every attempt after the lock is refused with 429 and not counted."""
    for round_ in range(1, ROUNDS + 1):
        clock.shift(30)
        user, secret, _ = two_factor_user(f"dave{round_}")
        tokens, code = pending_tokens(user.username), wrong_code(secret)
        responses = burst([gate], posting(AUTHENTICATE, [code] * THREADS, tokens))
        counts = tally("(d) wrong codes, default limit", round_, responses)
        user.refresh_from_db()
        failures = user.two_factor_failed_attempts
        limit = 5
        expected = Counter({400: limit, 429: THREADS - limit})
        assert counts == expected, f"round {round_}: {dict(counts)}"
        assert failures == limit, f"round {round_}: counter {failures}, expected {limit}"
        assert user.two_factor_locked_until == timezone.now() + attempts.lockout_delay(limit)

        right = APIClient().post(
            AUTHENTICATE,
            {"code": code_at(secret, time.time() + 30)},
            format="json",
            **bearer(tokens[0]),
        )
        assert right.status_code == 429
        assert right["Retry-After"] == str(int(attempts.lockout_delay(limit).total_seconds()))


def test_turn_on_accepts_one_code_once(clock, gate):
    """Sixteen turn-ons with one code: one wins, the others learn 2FA is already
    on (409), and exactly one set of recovery codes exists."""
    for round_ in range(1, ROUNDS + 1):
        clock.shift(30)
        user = make_user(f"erin{round_}")
        access = log_in(APIClient(), user.username)["access"]
        secret = services.begin_setup(user).secret
        code = code_at(secret, time.time())
        responses = burst([gate], posting(TURN_ON, [code] * THREADS, [access] * THREADS))
        counts = tally("(e) turn-on", round_, responses)
        assert counts == Counter({200: 1, 409: THREADS - 1}), f"round {round_}: {dict(counts)}"
        user.refresh_from_db()
        assert user.two_factor_enabled
        assert user.two_factor_last_step == current_step()
        (winner,) = [r for r in responses if r.status_code == 200]
        shown = winner.json()["recovery_codes"]
        assert len(shown) == 10
        assert RecoveryCode.objects.filter(user=user).count() == 10
        assert all(RecoveryCode.objects.matching(user, recovery.canonical(c)) for c in shown)


def test_recovery_code_never_accepted_while_locked(clock, gate):
    """One right recovery code among fifteen wrong guesses, default limit.

    Either it is judged before the lock (200, and the reset lets at most five
    more wrong codes be judged), or after it (429, and the code stays unused);
    it is never spent while the user is locked.
    """
    for round_ in range(1, ROUNDS + 1):
        clock.shift(30)
        user, secret, codes = two_factor_user(f"fay{round_}")
        tokens, wrong = pending_tokens(user.username), wrong_code(secret)
        right = codes[0]
        codes_sent = [right] + [wrong] * (THREADS - 1)  # thread 0 sends the right one
        responses = burst([gate], posting(AUTHENTICATE, codes_sent, tokens))
        counts = tally("(f) recovery code amid wrong codes", round_, responses)
        row = RecoveryCode.objects.matching(user, recovery.canonical(right))
        assert row is not None
        spent = row.used_at is not None
        user.refresh_from_db()
        assert counts[200] == int(spent), f"round {round_}: {dict(counts)}"
        assert counts[400] <= 5 * (1 + int(spent)), f"round {round_}: {dict(counts)}"
        assert counts[400] + counts[200] + counts[429] == THREADS
        assert user.two_factor_failed_attempts == 5, f"round {round_}: counter"
        assert user.two_factor_locked_until is not None
