"""Hostile bodies on every endpoint: a 4xx, never a 500, and no state change.

The failure counter must not move either: none of these bodies is a
well-formed code, so none of them is a wrong guess.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from django_twofactor import services
from tests.api_helpers import (
    AUTHENTICATE,
    GENERATE,
    LOGIN,
    ME,
    RECOVERY_CODES,
    REFRESH,
    STATUS,
    TURN_OFF,
    TURN_ON,
    assert_code_error,
    assert_locked,
    failures,
    now_code,
    pending_login,
    post_code,
    user_state,
    wrong_code,
)
from tests.conftest import PASSWORD, bearer, log_in, make_user


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: str
    fields: tuple[str, ...]  # empty: the endpoint takes no body and ignores one


ENDPOINTS = [
    Endpoint("login", "POST", LOGIN, ("username", "password")),
    Endpoint("refresh", "POST", REFRESH, ("refresh",)),
    Endpoint("authenticate", "POST", AUTHENTICATE, ("code",)),
    Endpoint("generate", "POST", GENERATE, ()),
    Endpoint("turn-on", "POST", TURN_ON, ("code",)),
    Endpoint("turn-off", "POST", TURN_OFF, ("code",)),
    Endpoint("status", "GET", STATUS, ()),
    Endpoint("recovery-codes", "POST", RECOVERY_CODES, ("code",)),
    Endpoint("me", "GET", ME, ()),
]

DEEP = 5000
JSON = "application/json"

WHOLE_BODIES = {
    "invalid-json": b'{"code": ',
    "trailing-garbage": b'{"code": "123456"} x',
    "single-quotes": b"{'code': '123456'}",
    "nested-lists": b"[" * DEEP + b"]" * DEEP,
    "nested-objects": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    "list": b'["123456"]',
    "string": b'"123456"',
    "number": b"123456",
    "null": b"null",
    "true": b"true",
    "nan": b'{"code": NaN}',
    "huge-int": b'{"code": ' + b"9" * 5000 + b"}",
    "non-utf8": b'{"code": "\xff\xfe\xfd"}',
    "raw-null-byte": b'{"code": "123\x00456"}',
    "utf8-bom": b'\xef\xbb\xbf{"code": "123456"}',
    "empty": b"",
    "whitespace": b"   \n",
}

# Raw JSON text for one field's value; the other fields stay valid.
FIELD_VALUES = {
    "number": "123456",
    "float": "1.5e300",
    "bool": "true",
    "list": '["123456"]',
    "object": '{"code": "123456"}',
    "null": "null",
    "100kB": json.dumps("1" * 100_000),
    "null-byte": '"123\\u0000456"',
    "lone-surrogate": '"\\ud800"',
    "surrogate-inside": '"123\\udfff456"',
    "deep-value": "[" * DEEP + "]" * DEEP,
}


@pytest.fixture
def world(enabled, api, clock) -> dict[str, Any]:
    """Alice with 2FA on, Bob half-way through set-up, and a valid body for each endpoint."""
    bob = make_user("bob")
    bob_tokens = log_in(api, "bob")
    bob_secret = services.begin_setup(bob).secret
    alice_access = enabled.tokens["access"]
    return {
        "users": [enabled.user, bob],
        "token": {
            "login": None,
            "refresh": None,
            "authenticate": pending_login(api),
            "generate": bob_tokens["access"],
            "turn-on": bob_tokens["access"],
            "turn-off": alice_access,
            "status": alice_access,
            "recovery-codes": alice_access,
            "me": alice_access,
        },
        "valid": {
            "username": json.dumps("alice"),
            "password": json.dumps(PASSWORD),
            "refresh": json.dumps(enabled.tokens["refresh"]),
            "code": json.dumps(now_code(bob_secret)),  # alice's would be wrong, not ill-formed
        },
    }


def check(api, world, endpoint: Endpoint, body: bytes, content_type: str = JSON) -> None:
    """Send ``body``: a 4xx that changes nothing, or 200 where no body is read."""
    users = world["users"]
    before = [(user_state(u), failures(u)) for u in users]
    token = world["token"][endpoint.name]
    headers = bearer(token) if token else {}
    response = api.generic(
        endpoint.method, endpoint.url, data=body, content_type=content_type, **headers
    )
    assert response.status_code < 500, response.content[:500]
    if endpoint.fields:
        assert 400 <= response.status_code < 500, (response.status_code, response.content[:500])
    else:
        assert response.status_code == 200  # no body is read, so none can hurt
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json")
        assert [(user_state(u), failures(u)) for u in users] == before


@pytest.mark.parametrize("body", WHOLE_BODIES.values(), ids=WHOLE_BODIES.keys())
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_hostile_whole_bodies(endpoint, body, world, api):
    check(api, world, endpoint, body)


def field_cases():
    for endpoint in ENDPOINTS:
        for field in endpoint.fields or ("code",):
            for name, raw in FIELD_VALUES.items():
                yield pytest.param(endpoint, field, raw, id=f"{endpoint.name}-{field}-{name}")


@pytest.mark.parametrize(("endpoint", "field", "raw"), list(field_cases()))
def test_hostile_field_values(endpoint, field, raw, world, api):
    values = {name: world["valid"][name] for name in endpoint.fields}
    values[field] = raw
    body = "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in values.items()) + "}"
    check(api, world, endpoint, body.encode("utf-8"))


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "multipart/form-data; boundary=x"]
)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_other_media_types(endpoint, content_type, world, api):
    check(api, world, endpoint, b"<code>123456</code>", content_type)


@pytest.fixture
def atomic_requests(monkeypatch):
    """Turn ATOMIC_REQUESTS on for the default database; monkeypatch restores it."""
    monkeypatch.setitem(settings.DATABASES["default"], "ATOMIC_REQUESTS", True)
    assert connection.settings_dict["ATOMIC_REQUESTS"] is True


@pytest.mark.django_db(transaction=True)
def test_a_wrong_code_is_counted_under_atomic_requests(atomic_requests, enabled, api, clock):
    """DRF rolls back a request-wide transaction on a 400; the counter must survive."""
    pending = pending_login(api)
    wrong = wrong_code(enabled.secret)
    assert_code_error(post_code(api, AUTHENTICATE, pending, wrong), "invalid_code")
    assert failures(enabled.user) == 1
    for _ in range(4):
        assert_code_error(post_code(api, TURN_OFF, enabled.tokens["access"], wrong), "invalid_code")
    assert failures(enabled.user) == 5
    assert enabled.refresh().two_factor_locked_until is not None
    assert_locked(post_code(api, AUTHENTICATE, pending, now_code(enabled.secret)), 60)
