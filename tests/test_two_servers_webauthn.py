"""Security keys across server processes that share one database server.

A WebAuthn challenge is a row, spent by one ``DELETE``; a key's signature
counter is a column, moved by one conditional ``UPDATE``. So a challenge one
server issued may be answered on the other, and an answer accepted by one is
refused by both. Two gunicorn processes of the example project serve the
test database (see ``tests/test_two_servers.py``), reached at 127.0.0.1 over
real HTTP. The software authenticator signs the origin
``http://localhost:8000``: the relying party checks what clientDataJSON says
against its settings (RP ID ``localhost``, origins ``http://localhost:*``),
not against the address the request came in on.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import jwt
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password

from django_twofactor.models import WebAuthnChallenge, WebAuthnCredential
from tests import test_two_servers
from tests.api_helpers import AUTHENTICATE, field_error
from tests.conftest import PASSWORD, make_user
from tests.servers import Reply, Server
from tests.test_two_servers import log_in
from tests.webauthn_authenticator import SoftAuthenticator
from tests.webauthn_helpers import AUTHENTICATE_OPTIONS, REGISTER, REGISTER_OPTIONS

pytestmark = test_two_servers.pytestmark  # PostgreSQL or MySQL, committed rows
servers = test_two_servers.servers  # two gunicorn processes on the test database

INVALID = ["The security key's answer is not valid, expired or was already used."]
KEY_AMR = ["pwd", "mfa", "hwk", "user"]


def amr(token: str) -> Any:
    return jwt.decode(token, options={"verify_signature": False})["amr"]


def password_user(username: str) -> Any:
    """A user with 2FA off whose password the servers can check (their hashers
    are Django's defaults, without the fast one of the test settings)."""
    user = make_user(username)
    user.password = make_password(PASSWORD, hasher=PBKDF2PasswordHasher())
    user.save(update_fields=["password"])
    return user


def register_on(
    issuer: Server, answerer: Server, username: str, authenticator: SoftAuthenticator
) -> tuple[Reply, dict[str, Any], str]:
    """Log in on ``issuer`` (2FA off: full tokens), fetch creation options there,
    and send the authenticator's answer to ``answerer``: the reply, the body
    sent, and the access token used."""
    login = issuer.post("/api/auth/login/", {"username": username, "password": PASSWORD})
    assert login.status == 200, login.data
    assert login.data["two_factor_required"] is False
    access = str(login.data["access"])
    options = issuer.post(REGISTER_OPTIONS, {}, token=access)
    assert options.status == 200, options.data
    body = {"credential": authenticator.register(options.data), "name": "YubiKey"}
    return answerer.post(REGISTER, body, token=access), body, access


def key_user(server: Server, username: str) -> tuple[Any, SoftAuthenticator]:
    """A user whose only method is one security key, registered on ``server``."""
    user = password_user(username)
    authenticator = SoftAuthenticator()
    reply, _, _ = register_on(server, server, username, authenticator)
    assert reply.status == 201, reply.data
    user.refresh_from_db()
    return user, authenticator


def options_on(server: Server, token: str) -> dict[str, Any]:
    reply = server.post(AUTHENTICATE_OPTIONS, {}, token=token)
    assert reply.status == 200, reply.data
    return dict(reply.data)


def test_a_challenge_of_one_server_is_spent_on_the_other(servers):
    """A issues the challenge, B accepts the answer, A refuses it replayed."""
    a, b = servers
    user, authenticator = key_user(a, "alice")
    pending_a, pending_b = log_in(a, "alice"), log_in(b, "alice")
    credential = authenticator.authenticate(options_on(a, pending_a))
    assert WebAuthnChallenge.objects.filter(user=user).count() == 1

    accepted = b.post(AUTHENTICATE, {"credential": credential}, token=pending_b)
    assert accepted.status == 200, accepted.data
    assert amr(accepted.data["access"]) == KEY_AMR
    assert not WebAuthnChallenge.objects.filter(user=user).exists()

    replayed = a.post(AUTHENTICATE, {"credential": credential}, token=pending_a)
    assert replayed.status == 400, replayed.data
    assert replayed.data == field_error("credential", "invalid_credential", *INVALID)

    user.refresh_from_db()
    assert user.two_factor_failed_attempts == 1  # the replay counted
    key = WebAuthnCredential.objects.get(user=user)
    assert key.sign_count == authenticator.credentials[0].sign_count == 1
    assert key.last_used_at is not None
    # Tokens from one server are as good on the other.
    me = a.request("GET", "/api/me/", token=accepted.data["access"])
    assert me.status == 200
    assert me.data["username"] == "alice"


def test_a_registration_of_one_server_is_completed_on_the_other(servers):
    """The creation options come from A, the key is stored by B, and the same
    answer sent to A again is refused: one key, 2FA on once."""
    a, b = servers
    user = password_user("bob")
    epoch = user.two_factor_epoch
    authenticator = SoftAuthenticator()
    stored, body, access = register_on(a, b, "bob", authenticator)
    assert stored.status == 201, stored.data
    assert len(stored.data["recovery_codes"]) == 10
    assert amr(stored.data["access"]) == KEY_AMR

    again = a.post(REGISTER, body, token=stored.data["access"])
    assert again.status == 400, again.data
    assert again.data == field_error("credential", "invalid_credential", *INVALID)
    stale = a.post(REGISTER, body, token=access)  # the password-only token died with 2FA on
    assert stale.status == 401, stale.data

    user.refresh_from_db()
    assert user.two_factor_enabled
    assert user.two_factor_epoch == epoch + 1
    assert WebAuthnCredential.objects.filter(user=user).count() == 1
    # The key now signs in on either server.
    pending = log_in(b, "bob")
    reply = a.post(
        AUTHENTICATE,
        {"credential": authenticator.authenticate(options_on(b, pending))},
        token=pending,
    )
    assert reply.status == 200, reply.data


def test_one_answer_sent_to_both_servers_at_once_is_accepted_once(servers):
    """Two threads on each server post the same answer together: one 200.

    Each server has one worker, so two requests at a time race across the
    processes. More threads would add losers, not races, and the servers run
    the default limit: a fifth counted loser would lock the user and could
    turn the winner away with a 429.
    """
    a, b = servers
    user, authenticator = key_user(b, "carol")
    pending = {id(server): log_in(server, "carol") for server in (a, b)}
    credential = authenticator.authenticate(options_on(a, pending[id(a)]))
    threads_per_server = 2
    start = threading.Barrier(2 * threads_per_server, timeout=30)
    statuses: list[int] = []
    lock = threading.Lock()

    def send(server: Server) -> None:
        start.wait()
        reply = server.post(AUTHENTICATE, {"credential": credential}, token=pending[id(server)])
        with lock:
            statuses.append(reply.status)

    threads = [
        threading.Thread(target=send, args=(server,))
        for server in (a, b)
        for _ in range(threads_per_server)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    counts = Counter(statuses)
    print(f"\none answer on two servers: {dict(sorted(counts.items()))}")
    assert counts == Counter({200: 1, 400: 2 * threads_per_server - 1})
    user.refresh_from_db()
    assert WebAuthnCredential.objects.get(user=user).sign_count == 1
    assert not WebAuthnChallenge.objects.filter(user=user).exists()
