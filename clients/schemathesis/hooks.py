"""Schemathesis hooks: a token for each operation that it can succeed with.

Loaded by ``clients/schemathesis/run.py`` (``SCHEMATHESIS_HOOKS``) under
``clients/live.py``, which serves the example project on a fresh database with
the users alice, bob, carol and dave (2FA off, password ``$API_PASSWORD``).
At import time, before Schemathesis sends anything, the users are set up over
HTTP, each for one role:

- **alice**: 2FA off, as the schema's login example finds her, so that its
  links carry her refresh token into ``refresh/`` and ``logout/``. Her token
  goes to ``2fa/generate/`` (and ``.png``, ``.svg``), which answer 409 once
  2FA is on, to ``2fa/turn-on/``, and to ``me``: Schemathesis learns the
  username it answers and logs in with it, so it gets her tokens to follow
  the links with, not another user's pending token.
- **bob**: 2FA on by a security key only (registered with the test suite's
  software authenticator while 2FA was off, which turns it on). His pending
  token goes to ``2fa/authenticate/`` and ``2fa/webauthn/authenticate/options/``,
  his full token (with ``mfa``) to the other operations that need a valid code
  or key: ``2fa/verify/``, ``2fa/turn-off/``, ``2fa/recovery-codes/`` and
  ``2fa/webauthn/register/``. He takes every wrong code Schemathesis sends, so
  he is locked (429) and then blocked (403) in the course of a run, with the
  example's settings as shipped, and Schemathesis checks those answers too.
  Nothing he serves needs a second factor again: his pending token comes from
  his password, his full token is renewed at ``refresh/``.
- **carol**: 2FA on (TOTP, then a security key that only these hooks use, and
  trusted devices); every other operation behind a token: ``2fa/``, the
  devices and ``payout``. No code is ever sent for her, so she is never
  locked, and her token is renewed with her key (login, options, assertion)
  every ``CAROL_MAX_AGE`` seconds, well inside payout's ``max_age`` of 300.
- **dave**: 2FA on (TOTP and security keys); the key list, rename, delete and
  the registration options. He signs in again with a key while one of the
  hooks' is left, else with the next TOTP code.

Each device or key that Schemathesis deletes (204) is replaced at once by a
new one, so that the later phases, and the stateful one's links from the lists
to rename, delete and forget, find one: ``DEVICES`` and ``KEYS`` of each.

A token of ours that the server refuses (401: ``token_revoked`` after a
``logout/`` with ``everywhere`` along the login example's link, say) is
dropped in ``after_call`` and made again on next use.

Only HTTP and the test suite's software authenticator
(``tests/webauthn_authenticator.py``) are used: no Django in this process.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pyotp
import requests
import schemathesis
from schemathesis import AuthContext, Case

from tests.webauthn_authenticator import NotAllowedError, SoftAuthenticator

API_URL = os.environ["API_URL"].rstrip("/")
PASSWORD = os.environ["API_PASSWORD"]
AUTH = f"{API_URL}/api/auth/"
# The example accepts http://localhost on any port, RP ID "localhost".
ORIGIN = "http://localhost:8000"
PERIOD = 30  # the example's TOTP settings: 6 digits, SHA-1, 30 s
CAROL_MAX_AGE = 120.0  # payout: a second factor of the last 300 s
MAX_AGE = 240.0  # access tokens live 300 s; turn-on and keys want a sign-in of 300 s
DEVICES = 3  # carol's trusted devices
KEYS = 3  # dave's security keys
TIMEOUT = 30

PENDING, FULL = "pending", "full"
DEVICE = "DELETE /api/auth/2fa/devices/{id}/"
KEY = "DELETE /api/auth/2fa/webauthn/{id}/"

# "METHOD /path" -> (user, kind of token); any other operation with a security
# requirement gets carol's full token, and the ones without (login, refresh,
# logout) get none.
ROLES: dict[str, tuple[str, str]] = {
    "POST /api/auth/2fa/generate/": ("alice", FULL),
    "POST /api/auth/2fa/generate.png": ("alice", FULL),
    "POST /api/auth/2fa/generate.svg": ("alice", FULL),
    "POST /api/auth/2fa/turn-on/": ("alice", FULL),
    "GET /api/me/": ("alice", FULL),
    "POST /api/auth/2fa/authenticate/": ("bob", PENDING),
    "POST /api/auth/2fa/webauthn/authenticate/options/": ("bob", PENDING),
    "POST /api/auth/2fa/verify/": ("bob", FULL),
    "POST /api/auth/2fa/turn-off/": ("bob", FULL),
    "POST /api/auth/2fa/recovery-codes/": ("bob", FULL),
    "POST /api/auth/2fa/webauthn/register/": ("bob", FULL),
    "GET /api/auth/2fa/webauthn/": ("dave", FULL),
    "PATCH /api/auth/2fa/webauthn/{id}/": ("dave", FULL),
    KEY: ("dave", FULL),
    "POST /api/auth/2fa/webauthn/register/options/": ("dave", FULL),
}
DEFAULT_ROLE = ("carol", FULL)


def log(message: str) -> None:
    print(f"[hooks] {message}", file=sys.stderr, flush=True)


class SetupError(RuntimeError):
    pass


def call(method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    """One request of the hooks' own; the JSON answer, or ``SetupError`` on a non-2xx."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = requests.request(method, AUTH + path, json=body, headers=headers, timeout=TIMEOUT)
    if not 200 <= response.status_code < 300:
        raise SetupError(f"{method} {path}: {response.status_code} {response.text[:500]}")
    return response.json() if response.content else None


@dataclass
class Account:
    """One user: how it signs in, and the tokens it holds (with their birth times)."""

    name: str
    secret: str | None = None  # TOTP
    last_step: int = -1  # the last TOTP step used: the server refuses it and older ones
    keys: list[SoftAuthenticator] = field(default_factory=list)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # kind -> (token, at)
    refresh: str | None = None
    max_age: float = MAX_AGE
    # Renewing by a second factor is dearer: a refused token is dropped at most
    # this often (a password sign-in or refresh/ has no such limit).
    forget_interval: float = 0.0
    last_forgotten: float = float("-inf")

    # -- signing in ----------------------------------------------------------

    def login(self, **extra: Any) -> dict[str, Any]:
        body = {"username": self.name, "password": PASSWORD, **extra}
        result: dict[str, Any] = call("POST", "login/", body=body)
        return result

    def code(self) -> str:
        """The next TOTP code the server takes: steps t-1, t, t+1 in turn, then wait."""
        assert self.secret is not None
        now = int(time.time()) // PERIOD
        step = max(self.last_step + 1, now - 1)
        if step > now + 1:  # t+1 spent: wait for the clock
            time.sleep((step - 1) * PERIOD - time.time() + 0.5)
        self.last_step = step
        return pyotp.TOTP(self.secret).generate_otp(step)

    def assertion(self, token: str) -> dict[str, Any] | None:
        """A key's answer to the options for ``token``, or ``None`` if none of ours is left."""
        options = call("POST", "2fa/webauthn/authenticate/options/", token, {})
        for key in self.keys:
            try:
                return key.authenticate(options)
            except NotAllowedError:
                continue
        return None

    def second_factor(self, pending: str, **extra: Any) -> dict[str, Any]:
        """``2fa/authenticate/`` with a key while one of ours is left, else the next TOTP code."""
        credential = self.assertion(pending) if self.keys else None
        body = {"credential": credential} if credential else {"code": self.code()}
        result: dict[str, Any] = call("POST", "2fa/authenticate/", pending, {**body, **extra})
        return result

    def sign_in(self, **extra: Any) -> dict[str, Any]:
        """Fresh full tokens, through the second factor when 2FA is on."""
        result = self.login()
        if result["two_factor_required"]:
            result = self.second_factor(result["pending_token"], **extra)
        self.keep(result)
        return result

    def keep(self, result: dict[str, Any]) -> None:
        self.tokens[FULL] = (result["access"], time.monotonic())
        self.refresh = result["refresh"]

    def register_key(self, name: str) -> None:
        key = SoftAuthenticator(origin=ORIGIN)
        token = self.token(FULL)
        credential = key.register(call("POST", "2fa/webauthn/register/options/", token, {}))
        result = call(
            "POST", "2fa/webauthn/register/", token, {"credential": credential, "name": name}
        )
        self.keys.append(key)
        if "access" in result:  # the first method: 2FA is on now, with these tokens
            self.keep(result)

    def turn_on_totp(self) -> None:
        """generate, turn-on with a code: 2FA on, tokens with ``mfa``."""
        token = self.token(FULL)
        self.secret = call("POST", "2fa/generate/", token)["secret"]
        self.keep(call("POST", "2fa/turn-on/", token, {"code": self.code()}))

    def trust_device(self, name: str) -> None:
        self.sign_in(trust_device=True, device_name=name)

    # -- tokens for Schemathesis ---------------------------------------------

    def token(self, kind: str) -> str:
        held = self.tokens.get(kind)
        if held is None or time.monotonic() - held[1] > self.max_age:
            self.renew(kind)
        return self.tokens[kind][0]

    def renew(self, kind: str) -> None:
        if kind == PENDING:
            self.tokens[PENDING] = (self.login()["pending_token"], time.monotonic())
        elif self.name == "bob" and self.refresh:
            # His codes are locked: refresh/ keeps his full token alive.
            try:
                result = call("POST", "refresh/", body={"refresh": self.refresh})
            except SetupError as exc:
                raise SetupError(f"bob's refresh token refused: {exc}") from exc
            self.tokens[FULL] = (result["access"], time.monotonic())
        else:
            self.sign_in()
        log(f"{self.name}: new {kind} token")

    def forget(self, token: str) -> None:
        """Drop ``token`` if it is one of ours."""
        for kind, (held, _at) in list(self.tokens.items()):
            if held == token and time.monotonic() - self.last_forgotten > self.forget_interval:
                self.last_forgotten = time.monotonic()
                del self.tokens[kind]
                log(f"{self.name}: {kind} token refused by the server, made again on next use")


def set_up() -> dict[str, Account]:
    started = time.monotonic()
    alice, bob, carol, dave = (Account(name) for name in ("alice", "bob", "carol", "dave"))
    carol.max_age = CAROL_MAX_AGE
    carol.forget_interval = dave.forget_interval = PERIOD

    alice.sign_in()

    # bob: a security key registered while 2FA is off turns 2FA on.
    bob.sign_in()
    bob.register_key("key")
    bob.renew(PENDING)

    # carol: TOTP, a key, trusted devices (each a sign-in by that key).
    carol.sign_in()
    carol.turn_on_totp()
    carol.register_key("the hooks' own key")
    for n in range(DEVICES):
        carol.trust_device(f"device {n}")

    # dave: TOTP and keys, which Schemathesis may rename and delete.
    dave.sign_in()
    dave.turn_on_totp()
    for n in range(KEYS):
        dave.register_key(f"key {n}")
    dave.sign_in()

    devices = call("GET", "2fa/devices/", carol.token(FULL))
    keys = call("GET", "2fa/webauthn/", dave.token(FULL))
    log(
        f"set up in {time.monotonic() - started:.1f} s: alice 2FA off, bob 2FA on (a key), "
        f"carol 2FA on (TOTP, a key, devices {[d['id'] for d in devices]}), "
        f"dave 2FA on (TOTP, keys {[k['id'] for k in keys]})"
    )
    return {account.name: account for account in (alice, bob, carol, dave)}


ACCOUNTS = set_up()
LOCK = threading.Lock()
replaced = {DEVICE: 0, KEY: 0}


def label(case: Case) -> str:
    return f"{case.operation.method.upper()} {case.operation.path}"


def role(case: Case) -> tuple[str, str] | None:
    """Who serves ``case``'s operation; ``None`` where the schema asks for no token
    (no security requirement, or only the empty one: ``security: [{}]``)."""
    operation = case.operation
    security = operation.definition.raw.get("security", operation.schema.raw_schema.get("security"))
    if not any(security or []):
        return None
    return ROLES.get(label(case), DEFAULT_ROLE)


@schemathesis.auth(refresh_interval=None)
class TwoFactorAuth:
    """The token of the user that serves this operation (see the module's docstring)."""

    def get(self, case: Case, context: AuthContext) -> str | None:
        wanted = role(case)
        if wanted is None:
            return None
        user, kind = wanted
        with LOCK:
            return ACCOUNTS[user].token(kind)

    def set(self, case: Case, data: str, context: AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.hook
def after_call(context: Any, case: Case, response: Any) -> None:
    if response.status_code == 204 and label(case) in replaced:
        with LOCK:
            replace(label(case))
    header = (case.headers or {}).get("Authorization", "")
    if response.status_code == 401 and header.startswith("Bearer "):
        with LOCK:
            for account in ACCOUNTS.values():
                account.forget(header.removeprefix("Bearer "))


def replace(deleted: str) -> None:
    """A new device for carol, or a new key for dave, for the one Schemathesis deleted."""
    replaced[deleted] += 1
    n = replaced[deleted]
    if deleted == DEVICE:
        ACCOUNTS["carol"].trust_device(f"device {DEVICES - 1 + n}")
    else:
        ACCOUNTS["dave"].register_key(f"key {KEYS - 1 + n}")
    if n == 1 or n % 25 == 0:
        log(f"{deleted} answered 204: replaced ({n} so far)")
