"""``django_twofactor.parsers``: hostile JSON is a 400, never a 500."""

from __future__ import annotations

import io
import json

import pytest
from rest_framework.exceptions import ParseError

from django_twofactor.parsers import SafeJSONParser
from tests.conftest import bearer

DEPTH = 100_000


def nested_list(depth: int = DEPTH) -> bytes:
    return b"[" * depth + b"]" * depth


def nested_dict(depth: int = DEPTH) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def parse(body: bytes):
    return SafeJSONParser().parse(io.BytesIO(body), "application/json", {})


@pytest.mark.parametrize("body", [nested_list(), nested_dict()])
def test_stdlib_really_overflows(body):
    """Guards the test below: without the parser's catch this input is a RecursionError."""
    with pytest.raises(RecursionError):
        json.loads(body)


@pytest.mark.parametrize("body", [nested_list(), nested_dict()])
def test_deep_nesting_is_a_parse_error(body):
    with pytest.raises(ParseError) as raised:
        parse(body)
    assert "nested too deeply" in str(raised.value.detail)


def test_ordinary_json_still_parses():
    assert parse(b'{"code": "123 456", "n": [1, [2, [3]]]}') == {
        "code": "123 456",
        "n": [1, [2, [3]]],
    }


def test_invalid_json_is_still_a_parse_error():
    with pytest.raises(ParseError):
        parse(b'{"code": ')


@pytest.mark.parametrize("path", ["/api/auth/login/", "/api/auth/refresh/"])
def test_deep_nesting_over_http_without_token(db, api, path):
    response = api.post(path, nested_list(), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize(
    "path", ["/api/auth/2fa/turn-on/", "/api/auth/2fa/turn-off/", "/api/auth/2fa/recovery-codes/"]
)
def test_deep_nesting_over_http_with_token(plain, api, path):
    response = api.post(
        path, nested_dict(), content_type="application/json", **bearer(plain.tokens["access"])
    )
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code"}
