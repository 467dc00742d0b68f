"""The exactly-once promises of security keys under real concurrency, on a database server.

As in ``tests/test_concurrency.py``: sixteen threads, each with its own
client and database connection, released together by a barrier, and held
again after they loaded the user row. Here a second barrier also holds them
at the statement whose row count must pick the single winner (the challenge's
``DELETE``, the counter's conditional ``UPDATE``, the failure increment): only
when all sixteen have done everything before it do they go on, so the
database alone decides, whatever order the threads are scheduled in. A
barrier that not every request reaches would break after its timeout and
fail the test with that error, never pass it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from django_twofactor import attempts
from django_twofactor.methods.recovery import codes as recovery
from django_twofactor.methods.webauthn import challenges
from django_twofactor.models import RecoveryCode, WebAuthnChallenge, WebAuthnCredential
from tests import test_concurrency
from tests.api_helpers import AUTHENTICATE, field_error
from tests.conftest import bearer, log_in, make_user
from tests.test_concurrency import ROUNDS, THREADS, Holder, Send, burst, pending_tokens, tally
from tests.webauthn_authenticator import SoftAuthenticator
from tests.webauthn_helpers import (
    AUTHENTICATE_OPTIONS,
    REGISTER,
    key_url,
    post,
    register,
    register_options,
)

pytestmark = test_concurrency.pytestmark  # PostgreSQL or MySQL, committed rows
gate = test_concurrency.gate  # each request held after it loaded the user row

INVALID = ["The security key's answer is not valid, expired or was already used."]


@pytest.fixture
def hold(monkeypatch) -> Callable[[Any, str], Holder]:
    """``hold(module, name)``: while a burst runs, every call of ``module.name``
    waits until all the burst's requests have reached it."""

    def install(module: Any, name: str) -> Holder:
        holder: Holder = {"barrier": None}
        original = getattr(module, name)

        def held(*args: Any, **kwargs: Any) -> Any:
            barrier = holder["barrier"]
            if barrier is not None:
                barrier.wait()
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, held)
        return holder

    return install


def refused_as_invalid(responses: list[Any], status: int = 400) -> None:
    for response in responses:
        if response.status_code == status:
            assert response.json() == field_error("credential", "invalid_credential", *INVALID), (
                response.content
            )


def key_user(username: str) -> tuple[Any, SoftAuthenticator, str]:
    """A user whose only method is one security key, registered over the API; the
    full access token that registration gave."""
    user = make_user(username)
    authenticator = SoftAuthenticator()
    response = register(APIClient(), log_in(APIClient(), username)["access"], authenticator)
    assert response.status_code == 201, response.content
    user.refresh_from_db()
    return user, authenticator, str(response.json()["access"])


def options_for(token: str) -> dict[str, Any]:
    response = post(APIClient(), AUTHENTICATE_OPTIONS, token)
    assert response.status_code == 200, response.content
    return dict(response.json())


def asserting(credentials: Sequence[dict[str, Any]], tokens: Sequence[str]) -> Send:
    """A ``send``: thread ``i`` posts ``credentials[i]`` to authenticate/ with ``tokens[i]``."""

    def send(i: int, client: APIClient) -> Any:
        return post(client, AUTHENTICATE, tokens[i], {"credential": credentials[i]})

    return send


def stored_key(user: Any) -> WebAuthnCredential:
    key: WebAuthnCredential = WebAuthnCredential.objects.get(user=user)
    return key


def high_limit(settings: Any) -> None:
    """The losers of a race count as failures: they must not lock the user. The
    rest of ``TWO_FACTOR`` (the relying party) stays."""
    settings.TWO_FACTOR = {**settings.TWO_FACTOR, "MAX_FAILED_ATTEMPTS": 1000}


@pytest.fixture
def live_challenges(monkeypatch) -> None:
    """Room for one live challenge per thread (the service keeps 5 per user and
    ceremony), so sixteen requests can each answer a challenge of their own."""
    monkeypatch.setattr(challenges, "LIVE_PER_CEREMONY", THREADS)


# Authentication ----------------------------------------------------------------


@pytest.mark.parametrize("counter_step", [1, 0], ids=["counter", "counterless"])
@pytest.mark.parametrize("tokens", ["one pending token", "sixteen pending tokens"])
def test_one_assertion_is_accepted_once(clock, gate, hold, settings, tokens, counter_step):
    """Sixteen clients send the same answer at once: exactly one is accepted;
    the others are refused as a used answer.

    All sixteen are held just before the challenge's ``DELETE``. With a key
    that counts, the counter's ``UPDATE`` would stop a second winner too; a
    counterless key (counter always 0, as many synced passkeys) leaves the
    ``DELETE`` as the only guard, so that case shows it alone suffices.
    """
    high_limit(settings)
    user, authenticator, _ = key_user("alice")
    authenticator.counter_step = counter_step
    spend = hold(challenges, "spend")
    for round_ in range(1, ROUNDS + 1):
        clock.shift(30)
        sent = pending_tokens("alice")
        if tokens == "one pending token":
            sent = [sent[0]] * THREADS
        credential = authenticator.authenticate(options_for(sent[0]))
        asserted = authenticator.credentials[0].sign_count
        responses = burst([gate, spend], asserting([credential] * THREADS, sent))
        label = f"(a) one assertion, {tokens}, counter step {counter_step}"
        counts = tally(label, round_, responses)
        assert counts == Counter({200: 1, 400: THREADS - 1}), f"round {round_}: {dict(counts)}"
        refused_as_invalid(responses)
        assert not WebAuthnChallenge.objects.filter(user=user).exists()
        key = stored_key(user)
        assert key.sign_count == asserted == round_ * counter_step
        assert key.last_used_at == timezone.now()


def test_one_counter_value_is_accepted_once(clock, gate, hold, settings, live_challenges):
    """Sixteen clones of one key answer sixteen challenges with the same counter.

    Each challenge is spent by its own answer and each signature is good, so
    all sixteen reach the counter's conditional ``UPDATE`` (held there until
    all have passed py_webauthn's check against the same stored counter):
    it alone accepts exactly one.
    """
    high_limit(settings)
    user, authenticator, _ = key_user("alice")
    accept = hold(attempts, "accept_assertion")
    for round_ in range(1, ROUNDS + 1):
        clock.shift(30)
        sent = pending_tokens("alice")
        clones = [authenticator.clone() for _ in range(THREADS)]
        credentials = [
            clone.authenticate(options_for(t)) for clone, t in zip(clones, sent, strict=True)
        ]
        counter = clones[0].credentials[0].sign_count
        assert {clone.credentials[0].sign_count for clone in clones} == {counter}
        assert len({c["response"]["clientDataJSON"] for c in credentials}) == THREADS
        authenticator.credentials[0].sign_count = counter
        assert WebAuthnChallenge.objects.filter(user=user).count() == THREADS

        responses = burst([gate, accept], asserting(credentials, sent))
        counts = tally("(b) one counter value, sixteen challenges", round_, responses)
        assert counts == Counter({200: 1, 400: THREADS - 1}), f"round {round_}: {dict(counts)}"
        refused_as_invalid(responses)
        assert not WebAuthnChallenge.objects.filter(user=user).exists()
        assert stored_key(user).sign_count == counter == round_


def wrong_assertions(username: str) -> tuple[Any, SoftAuthenticator, list[str], list[Any]]:
    """A key user, sixteen pending tokens, each with a challenge of its own
    answered with a broken signature."""
    user, authenticator, _ = key_user(username)
    sent = pending_tokens(username)
    credentials = [
        authenticator.authenticate(options_for(token), tamper_signature=True) for token in sent
    ]
    return user, authenticator, sent, credentials


def test_concurrent_wrong_assertions_are_all_counted(clock, gate, hold, settings, live_challenges):
    """No lost increment: sixteen bad signatures at once count sixteen."""
    high_limit(settings)
    failure = hold(attempts, "record_failure")
    for round_ in range(1, ROUNDS + 1):
        clock.shift(30)
        user, _, sent, credentials = wrong_assertions(f"carol{round_}")
        responses = burst([gate, failure], asserting(credentials, sent))
        counts = tally("(c) wrong assertions, high limit", round_, responses)
        assert counts == Counter({400: THREADS}), f"round {round_}: {dict(counts)}"
        refused_as_invalid(responses)
        user.refresh_from_db()
        failures = user.two_factor_failed_attempts
        assert failures == THREADS, f"round {round_}: counter {failures}, expected {THREADS}"
        assert user.two_factor_locked_until is None
        assert not WebAuthnChallenge.objects.filter(user=user).exists()
        assert stored_key(user).sign_count == 0


def test_concurrent_wrong_assertions_lock_the_user(clock, gate, hold, live_challenges):
    """With the default limit, exactly MAX_FAILED_ATTEMPTS bad signatures are
    counted, as for codes; every one after the lock is a 429, not counted, and
    a good answer after them is refused too."""
    failure = hold(attempts, "record_failure")
    limit = 5
    for round_ in range(1, ROUNDS + 1):
        clock.shift(30)
        user, authenticator, sent, credentials = wrong_assertions(f"dave{round_}")
        responses = burst([gate, failure], asserting(credentials, sent))
        counts = tally("(d) wrong assertions, default limit", round_, responses)
        assert counts == Counter({400: limit, 429: THREADS - limit}), f"round {round_}"
        refused_as_invalid(responses)
        for response in responses:
            if response.status_code == 429:
                assert response.json()["code"] == "two_factor_locked"
        user.refresh_from_db()
        failures = user.two_factor_failed_attempts
        assert failures == limit, f"round {round_}: counter {failures}, expected {limit}"
        assert user.two_factor_locked_until == timezone.now() + attempts.lockout_delay(limit)

        good = authenticator.authenticate(options_for(sent[0]))
        right = post(APIClient(), AUTHENTICATE, sent[0], {"credential": good})
        assert right.status_code == 429, right.content
        assert right["Retry-After"] == str(int(attempts.lockout_delay(limit).total_seconds()))
        assert stored_key(user).sign_count == 0  # the good answer was not judged
        user.refresh_from_db()
        assert user.two_factor_failed_attempts == limit


# Registration ------------------------------------------------------------------


def registering(body: dict[str, Any], token: str) -> Send:
    def send(i: int, client: APIClient) -> Any:
        return post(client, REGISTER, token, body)

    return send


def test_one_registration_turns_two_factor_on_once(clock, gate, hold):
    """Sixteen posts of one RegistrationResponseJSON by a user with 2FA off:
    one key, one set of recovery codes, the epoch raised once."""
    spend = hold(challenges, "spend")
    for round_ in range(1, ROUNDS + 1):
        clock.shift(30)
        user = make_user(f"erin{round_}")
        access = log_in(APIClient(), user.username)["access"]
        epoch = user.two_factor_epoch
        credential = SoftAuthenticator().register(register_options(APIClient(), access))
        body = {"credential": credential, "name": "YubiKey"}
        responses = burst([gate, spend], registering(body, access))
        counts = tally("(e) one registration, 2FA off", round_, responses)
        assert counts == Counter({201: 1, 400: THREADS - 1}), f"round {round_}: {dict(counts)}"
        refused_as_invalid(responses)
        user.refresh_from_db()
        assert user.two_factor_enabled
        assert user.two_factor_epoch == epoch + 1
        (winner,) = [r for r in responses if r.status_code == 201]
        assert WebAuthnCredential.objects.filter(user=user).count() == 1
        assert winner.json()["id"] == stored_key(user).pk
        shown = winner.json()["recovery_codes"]
        assert len(shown) == 10
        assert RecoveryCode.objects.filter(user=user).count() == 10
        assert all(RecoveryCode.objects.matching(user, recovery.canonical(c)) for c in shown)
        assert not WebAuthnChallenge.objects.filter(user=user).exists()


def test_one_registration_adds_one_key(clock, gate, hold):
    """The same race for a second key: one row more, no new codes, same epoch."""
    spend = hold(challenges, "spend")
    user, _, full = key_user("frank")  # the token stays recent: five rounds are 150 s
    codes = set(RecoveryCode.objects.filter(user=user).values_list("pk", flat=True))
    for round_ in range(1, ROUNDS + 1):
        clock.shift(30)
        epoch = user.two_factor_epoch
        credential = SoftAuthenticator().register(register_options(APIClient(), full))
        body = {"credential": credential, "name": f"Key {round_}"}
        responses = burst([gate, spend], registering(body, full))
        counts = tally("(f) one registration, second key", round_, responses)
        assert counts == Counter({201: 1, 400: THREADS - 1}), f"round {round_}: {dict(counts)}"
        refused_as_invalid(responses)
        (winner,) = [r for r in responses if r.status_code == 201]
        assert set(winner.json()) == {"id", "name", "created_at", "last_used_at"}
        assert WebAuthnCredential.objects.filter(user=user).count() == 1 + round_
        user.refresh_from_db()
        assert user.two_factor_epoch == epoch
        assert set(RecoveryCode.objects.filter(user=user).values_list("pk", flat=True)) == codes


# Deleting keys -----------------------------------------------------------------


def two_key_user(username: str) -> tuple[Any, str, list[int]]:
    """A user whose only methods are two keys; a fresh full token; the keys' ids."""
    make_user(username)
    first = register(APIClient(), log_in(APIClient(), username)["access"], SoftAuthenticator())
    assert first.status_code == 201, first.content
    access = first.json()["access"]
    second = register(APIClient(), access, SoftAuthenticator())
    assert second.status_code == 201, second.content
    user = WebAuthnCredential.objects.get(pk=first.json()["id"]).user
    return user, access, [first.json()["id"], second.json()["id"]]


@pytest.mark.parametrize("count", [2, THREADS])
def test_deleting_both_keys_at_once_turns_two_factor_off(clock, gate, count):
    """Two deletions at once, each of one of the user's two keys (with ``count``
    16, eight of each): the user row lock makes the second see it removes the
    last method, so 2FA ends off, with nothing left and no error."""
    for round_ in range(1, ROUNDS + 1):
        clock.shift(30)
        user, access, ids = two_key_user(f"hank{count}-{round_}")
        epoch = user.two_factor_epoch

        def send(i: int, client: APIClient, ids: list[int] = ids, access: str = access) -> Any:
            return client.delete(key_url(ids[i % 2]), **bearer(access))

        responses = burst([gate], send, count)
        counts = tally(f"(g) {count} deletions of two keys", round_, responses)
        assert counts == Counter({204: 2, 404: count - 2}), f"round {round_}: {dict(counts)}"
        user.refresh_from_db()
        assert not user.two_factor_enabled
        assert user.two_factor_epoch == epoch + 1
        assert not WebAuthnCredential.objects.filter(user=user).exists()
        assert not RecoveryCode.objects.filter(user=user).exists()
        assert not WebAuthnChallenge.objects.filter(user=user).exists()
