"""The promises hold across server processes that share one database.

Two gunicorn processes of the example project serve the test database that
pytest-django created; the users are committed rows (``transaction=True``), so
the servers see them. Everything the servers are asked goes over real HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import jwt
import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password

from django_twofactor import services
from django_twofactor.codes import TOTP, SubmittedCode
from django_twofactor.methods.totp import algorithm as totp
from tests.api_helpers import AUTHENTICATE
from tests.conftest import PASSWORD, code_at, make_user, wrong_code
from tests.servers import Server, running_servers, server_env
from tests.test_concurrency import ON_SERVER_DATABASE

FRESH_MARGIN = 5.0  # seconds a step must still have left when a code is computed

pytestmark = [
    pytest.mark.server_db,
    pytest.mark.skipif(
        not ON_SERVER_DATABASE,
        reason="needs PostgreSQL or MySQL/MariaDB: set DATABASE_URL=postgres://… or mysql://…",
    ),
    pytest.mark.django_db(transaction=True),
]


def database_url() -> str:
    """The URL of the test database (its NAME is the test one once it was set up)."""
    db = settings.DATABASES["default"]
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    scheme = "mysql" if db["ENGINE"] == "django.db.backends.mysql" else "postgres"
    return f"{scheme}://{user}{password}@{db['HOST'] or '127.0.0.1'}{port}/{quote(db['NAME'])}"


@pytest.fixture(scope="module")
def servers(django_db_setup) -> Iterator[list[Server]]:
    env = server_env(
        {
            "DATABASE_URL": database_url(),
            # The same key as this process: the secrets it encrypts and the
            # recovery-code hashes it stores must read the same on the servers.
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_DEBUG": "0",
        }
    )
    with running_servers(2, env) as started:
        yield started


def server_user(username: str) -> tuple[Any, str]:
    """A user with 2FA turned on a minute ago, whose password the servers can check.

    The servers run in real time, so the turn-on code is of a step long past
    and the current step's code is still fresh. Their hashers are Django's
    defaults, which do not include the fast one of the test settings.
    """
    user = make_user(username)
    user.password = make_password(PASSWORD, hasher=PBKDF2PasswordHasher())
    user.save(update_fields=["password"])
    with time_machine.travel(time.time() - 60, tick=False):
        secret = services.begin_setup(user).secret
        services.enable(user, SubmittedCode(TOTP, code_at(secret, time.time())), ["pwd"])
    assert user.two_factor_last_step < current_step()
    return user, secret


def current_step() -> int:
    return totp.time_step(totp.TotpParameters.from_settings())


def log_in(server: Server, username: str) -> str:
    reply = server.post("/api/auth/login/", {"username": username, "password": PASSWORD})
    assert reply.status == 200, reply.data
    assert reply.data["two_factor_required"] is True
    return str(reply.data["pending_token"])


def wait_for_fresh_step() -> None:
    """Make sure the step has at least FRESH_MARGIN seconds left.

    The servers run in real time and no time-machine reaches them, so codes
    are computed for the real clock. A code computed just before a step
    boundary would be judged in the next step; that is still inside the
    window, but a test that reads "the step of this code" back from the
    database would race the boundary. This is the one wait in the suite:
    bounded by FRESH_MARGIN plus a little, polled in short intervals.
    """
    period = totp.TotpParameters.from_settings().period
    if period - time.time() % period >= FRESH_MARGIN:
        return
    step = current_step()
    deadline = time.monotonic() + FRESH_MARGIN + 1
    while current_step() == step and time.monotonic() < deadline:
        time.sleep(0.05)
    assert current_step() != step, "the clock did not reach the next step"


def test_code_accepted_on_one_server_is_refused_on_the_other(servers):
    """Replay protection lives in the shared row, not in a process's memory."""
    a, b = servers
    user, secret = server_user("alice")
    pending_a, pending_b = log_in(a, "alice"), log_in(b, "alice")
    wait_for_fresh_step()
    step = current_step()
    code = code_at(secret, time.time())

    accepted = a.post(AUTHENTICATE, {"code": code}, token=pending_a)
    assert accepted.status == 200, accepted.data
    claims = jwt.decode(accepted.data["access"], options={"verify_signature": False})
    assert claims["amr"] == ["pwd", "mfa", "otp"]

    replayed = b.post(AUTHENTICATE, {"code": code}, token=pending_b)
    assert replayed.status == 400, replayed.data
    assert replayed.data["code"] == "invalid_code"
    assert list(replayed.data["errors"]) == ["code"]

    user.refresh_from_db()
    assert user.two_factor_last_step == step
    assert user.two_factor_failed_attempts == 1
    # Tokens from one server are as good on the other.
    me = b.request("GET", "/api/me/", token=accepted.data["access"])
    assert me.status == 200
    assert me.data["username"] == "alice"


def test_wrong_codes_on_both_servers_add_up_to_a_lockout(servers):
    """Five wrong codes spread over two processes lock the user on both."""
    a, b = servers
    user, secret = server_user("bob")
    pending = {id(a): log_in(a, "bob"), id(b): log_in(b, "bob")}
    wrong = wrong_code(secret)

    for attempt, server in enumerate([a, b, a, b, a], start=1):
        reply = server.post(AUTHENTICATE, {"code": wrong}, token=pending[id(server)])
        assert reply.status == 400, (attempt, reply.data)
        user.refresh_from_db()
        assert user.two_factor_failed_attempts == attempt

    assert user.two_factor_locked_until is not None
    wait_for_fresh_step()
    right = code_at(secret, time.time())
    for server in (a, b):
        for code in (wrong, right):
            reply = server.post(AUTHENTICATE, {"code": code}, token=pending[id(server)])
            assert reply.status == 429, reply.data
            assert reply.data["code"] == "two_factor_locked"
            assert "detail" in reply.data
            assert 1 <= int(reply.headers["Retry-After"]) <= 60

    user.refresh_from_db()
    assert user.two_factor_failed_attempts == 5  # refused attempts are not counted
    assert user.two_factor_last_step < current_step()  # the right code was not spent


def signed_in(server: Server, username: str) -> tuple[Any, str, dict[str, str]]:
    """A user with 2FA on, signed in on ``server`` with a fresh code: user, secret, tokens."""
    user, secret = server_user(username)
    wait_for_fresh_step()
    code = {"code": code_at(secret, time.time())}
    tokens = server.post(AUTHENTICATE, code, token=log_in(server, username))
    assert tokens.status == 200, tokens.data
    return user, secret, tokens.data


def test_logging_out_everywhere_on_one_server_ends_the_tokens_on_the_other(servers):
    """Token binding reads the shared row: an event on B revokes what A issued."""
    a, b = servers
    _, secret, tokens = signed_in(a, "carol")
    access, refresh = tokens["access"], tokens["refresh"]
    assert b.request("GET", "/api/me/", token=access).status == 200
    assert a.post("/api/auth/refresh/", {"refresh": refresh}).status == 200
    pending = log_in(a, "carol")

    out = b.post("/api/auth/logout/", {"refresh": refresh, "everywhere": True})
    assert out.status == 204, out.data

    for server in (a, b):
        me = server.request("GET", "/api/me/", token=access)
        assert (me.status, me.data["code"]) == (401, "token_revoked")
        renewed = server.post("/api/auth/refresh/", {"refresh": refresh})
        assert (renewed.status, renewed.data["code"]) == (401, "token_revoked")
        late = server.post(AUTHENTICATE, {"code": code_at(secret, time.time())}, token=pending)
        assert (late.status, late.data["code"]) == (401, "token_revoked")


def test_a_password_changed_behind_the_servers_backs_ends_their_tokens(servers):
    """A password change anywhere (here: this process) is seen by both servers."""
    a, b = servers
    user, _, tokens = signed_in(a, "dave")
    user.refresh_from_db()
    user.set_password("an entirely new passphrase")
    user.save()
    for server in (a, b):
        me = server.request("GET", "/api/me/", token=tokens["access"])
        assert (me.status, me.data["code"]) == (401, "token_revoked")
