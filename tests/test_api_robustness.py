"""Hostile bodies on every endpoint: a JSON 4xx, never a 500, and no state change.

The endpoints are read from ``django_twofactor.urls``, so a new one is tested
here without an edit. The failure counter must not move either: none of these
bodies is a well-formed code, so none of them is a wrong guess.

Whether a view read the body is watched, not assumed: a view that read it
must refuse it (4xx), and when the parser itself refused it, the answer is
exactly that error (413, 415 or 400 with its ``code``). A view that never reads
a body (``GET 2fa/``; ``generate`` for a user with 2FA on answers 409 first)
may answer as it would without one.

Bodies are JSON both ways: a form is a 415 wherever a body is read, an
``Accept`` without JSON a 406 everywhere, OPTIONS a 405; and every error body
is the package's one shape, ``{"detail", "code"}`` (CONTRACT.md §5).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import URLPattern, URLResolver
from rest_framework.exceptions import APIException
from rest_framework.settings import api_settings

from django_twofactor import parsers, services
from django_twofactor import urls as twofactor_urls
from django_twofactor.authentication import PendingTokenAuthentication
from django_twofactor.methods import webauthn
from tests.api_helpers import (
    AUTHENTICATE,
    ME,
    TURN_OFF,
    assert_code_error,
    assert_error,
    assert_field_error,
    assert_locked,
    assert_validation_error,
    failures,
    field_error,
    now_code,
    only_counter_changes,
    pending_login,
    post_code,
    user_state,
    wrong_code,
)
from tests.conftest import PASSWORD, bearer, log_in, make_user

PREFIX = "/api/auth/"  # where the example project includes the package's URLs
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data; boundary=x"


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: str
    credential: str | None  # None, "pending" or "full": what the view authenticates with

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}"


def route_url(route: str) -> str:
    """A path for a route: each ``<converter:name>`` filled with a sample value, and
    each named group of a ``re_path`` (an id) with ``1``."""
    if route.startswith("^"):
        return re.sub(r"\(\?P<\w+>[^)]*\)", "1", route).removeprefix("^").removesuffix("$")
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: "1" if m.group(1) == "int" else "x", route)


def credential_of(view: Any) -> str | None:
    classes = getattr(view, "authentication_classes", api_settings.DEFAULT_AUTHENTICATION_CLASSES)
    if not classes:
        return None
    if any(issubclass(c, PendingTokenAuthentication) for c in classes):
        return "pending"
    return "full"


def discover(patterns: list[Any], prefix: str) -> Iterator[Endpoint]:
    for pattern in patterns:
        route = prefix + route_url(str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            yield from discover(pattern.url_patterns, route)
            continue
        assert isinstance(pattern, URLPattern)
        view = pattern.callback.view_class
        for method in view.http_method_names:
            if method not in ("head", "options") and hasattr(view, method):
                yield Endpoint(pattern.name or route, method.upper(), route, credential_of(view))


# Every endpoint of the package, as the example mounts it.
ENDPOINTS = list(discover(twofactor_urls.urlpatterns, PREFIX))
# Plus the example's own protected view, behind the package's permission.
ALL = [*ENDPOINTS, Endpoint("me", "GET", ME, "full")]
PARSER_ERRORS = {"parse_error", "unsupported_media_type", "request_too_large", "too_many_fields"}


def test_discovery_finds_the_package_endpoints():
    """Guards the discovery: the endpoints of CONTRACT.md §5 are all there."""
    found = {(e.method, e.url) for e in ENDPOINTS}
    assert {
        ("POST", "/api/auth/login/"),
        ("POST", "/api/auth/refresh/"),
        ("GET", "/api/auth/2fa/"),
        ("POST", "/api/auth/2fa/authenticate/"),
        ("POST", "/api/auth/2fa/generate/"),
        ("POST", "/api/auth/2fa/turn-on/"),
        ("POST", "/api/auth/2fa/turn-off/"),
        ("POST", "/api/auth/2fa/recovery-codes/"),
    } <= found
    kinds = {e.url.removeprefix(PREFIX): e.credential for e in ENDPOINTS}
    assert kinds["login/"] is None
    assert kinds["refresh/"] is None
    assert kinds["2fa/authenticate/"] == "pending"
    assert kinds["2fa/turn-off/"] == "full"


def test_routes_with_converters_get_sample_values():
    assert route_url("2fa/devices/<int:pk>/x/<slug>/") == "2fa/devices/1/x/x/"
    assert route_url("^2fa/devices/(?P<pk>[^/]*)/$") == "2fa/devices/1/"


# What an error body holds besides ``detail`` and ``code``: a validation error's
# messages per field, SimpleJWT's ``messages`` on a token, RFC 9470's ``max_age``.
ERROR_EXTRAS = {"errors", "messages", "max_age"}


def first_of(errors: Any) -> Any:
    """The first message of a field map, however deep."""
    while not isinstance(errors, str):
        assert errors, errors
        errors = next(iter(errors.values())) if isinstance(errors, dict) else errors[0]
    return errors


def assert_refused(response: Any) -> dict[str, Any]:
    """A JSON 4xx in the one error shape (CONTRACT.md §5): ``{"detail", "code"}``;
    a validation error keeps its messages per field under ``errors`` and takes
    ``detail`` and ``code`` from the first."""
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    body = assert_error(response, response.status_code)
    assert set(body) <= {"detail", "code", *ERROR_EXTRAS}, body
    if "errors" in body:
        assert response.status_code == 400, body
        assert isinstance(body["errors"], dict), body
        assert body["detail"] == first_of(body["errors"]), body
        assert body["code"] == first_of(response.data["errors"]).code, body
    return body


def watch_parsers(monkeypatch: Any) -> list[Any]:
    """What the package's parsers do with each body they read: ``None`` (parsed)
    or the API error they raised."""
    seen: list[Any] = []
    real = parsers.read_text

    def spy(*args: Any) -> Any:
        try:
            result = real(*args)
        except APIException as error:
            seen.append(error)
            raise
        seen.append(None)
        return result

    monkeypatch.setattr(parsers, "read_text", spy)
    return seen


@pytest.fixture
def reads(monkeypatch) -> list[Any]:
    return watch_parsers(monkeypatch)


def check_answer(response: Any, reads: list[Any]) -> None:
    """Never a 5xx; JSON; a body a view read is refused, a parser's error is its own."""
    assert response.status_code < 500, (response.status_code, response.content[:500])
    if response.content:
        assert response["Content-Type"].startswith("application/json")
    if reads:
        assert_refused(response)
    if reads and reads[-1] is not None:
        error = reads[-1]
        assert response.status_code == error.status_code
        assert response.json() == {"detail": str(error.detail), "code": error.get_codes()}
    if response.status_code >= 400:
        assert_refused(response)


@dataclass
class World:
    users: list[Any]  # alice, bob
    tokens: dict[str | None, str | None]  # alice's of each kind; "bob": Bob's access
    valid: dict[str, str]  # raw JSON of a valid value for each field the tests know
    secrets: list[str]  # alice's, bob's


@pytest.fixture
def world(enabled, api, clock) -> World:
    """Alice with 2FA on, Bob half-way through set-up, and a credential of each kind."""
    bob = make_user("bob")
    bob_access = log_in(api, "bob")["access"]
    bob_secret = services.begin_setup(bob).secret
    return World(
        users=[enabled.user, bob],
        tokens={
            None: None,
            "pending": pending_login(api),
            "full": enabled.tokens["access"],
            "bob": bob_access,
        },
        secrets=[enabled.secret, bob_secret],
        valid={
            "username": json.dumps("alice"),
            "password": json.dumps(PASSWORD),
            "refresh": json.dumps(enabled.tokens["refresh"]),
            "code": json.dumps(now_code(bob_secret)),  # alice's would be wrong, not ill-formed
        },
    )


def snapshot(world: World) -> list[Any]:
    return [(user_state(u), failures(u)) for u in world.users]


def send(
    api: Any,
    world: World,
    endpoint: Endpoint,
    body: bytes,
    content_type: str | None = JSON,
    *,
    reads: list[Any],
    credential: bool = True,
    **extra: Any,
) -> Any:
    """Send ``body``, check the answer and that nothing changed; return the answer."""
    before = snapshot(world)
    reads.clear()
    token = world.tokens[endpoint.credential] if credential else None
    headers = {**(bearer(token) if token else {}), **extra}
    response = api.generic(
        endpoint.method, endpoint.url, data=body, content_type=content_type or "", **headers
    )
    check_answer(response, reads)
    assert snapshot(world) == before
    return response


def required_fields(api: Any, world: World, endpoint: Endpoint) -> list[str]:
    """The fields the endpoint requires, from its answer to ``{}``: none where it
    reads no body."""
    token = world.tokens[endpoint.credential]
    headers = bearer(token) if token else {}
    response = api.generic(endpoint.method, endpoint.url, b"{}", content_type=JSON, **headers)
    if response.status_code != 400:
        return []
    return sorted(
        name
        for name, errors in response.data["errors"].items()
        if isinstance(errors, list) and any(getattr(e, "code", None) == "required" for e in errors)
    )


def code_of(response: Any) -> str | None:
    code = response.json().get("code")
    return code if isinstance(code, str) else None


endpoints = pytest.mark.parametrize("endpoint", ALL, ids=lambda e: e.id)
reading = pytest.mark.parametrize(
    "endpoint", [e for e in ENDPOINTS if e.method != "GET"], ids=lambda e: e.id
)

# The endpoints that read a body (the others never look at one: ``generate``,
# the WebAuthn options, the lists, deleting), and the fields each requires.
BODY_FIELDS = {
    "POST login": ["password", "username"],
    "POST refresh": ["refresh"],
    "POST logout": ["refresh"],
    "POST authenticate": ["code"],
    "POST verify": ["code"],
    "POST turn-on": ["code"],
    "POST turn-off": ["code"],
    "POST recovery-codes": ["code"],
    "PATCH webauthn-key": ["name"],
    "POST webauthn-register": ["credential"],
}
WEBAUTHN_READERS = {"PATCH webauthn-key", "POST webauthn-register"}
READERS = [e for e in ENDPOINTS if e.id in BODY_FIELDS]
readers = pytest.mark.parametrize("endpoint", READERS, ids=lambda e: e.id)


def body_is_read(api: Any, world: World, endpoint: Endpoint, reads: list[Any]) -> bool:
    """Whether a JSON body reaches a parser, sent with the endpoint's credential."""
    token = world.tokens[endpoint.credential]
    headers = bearer(token) if token else {}
    reads.clear()
    api.generic(endpoint.method, endpoint.url, b"{}", content_type=JSON, **headers)
    return bool(reads)


def test_the_table_of_bodies_is_what_the_endpoints_read(world, api, reads):
    """Guards BODY_FIELDS: it names exactly the endpoints that read a body, and
    the fields each requires (``{}`` is a 400 on them)."""
    expected = set(BODY_FIELDS) if webauthn.available() else set(BODY_FIELDS) - WEBAUTHN_READERS
    assert {e.id for e in ENDPOINTS if body_is_read(api, world, e, reads)} == expected
    assert {e.id: required_fields(api, world, e) for e in READERS} == {
        e.id: BODY_FIELDS[e.id] for e in READERS
    }


# Whole bodies ---------------------------------------------------------------------

DEEP = 5000

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


@pytest.mark.parametrize("body", WHOLE_BODIES.values(), ids=WHOLE_BODIES.keys())
@endpoints
def test_hostile_whole_bodies(endpoint, body, world, api, reads):
    send(api, world, endpoint, body, reads=reads)


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


@reading
def test_hostile_field_values(endpoint, world, api, reads):
    """Each field the endpoint requires, given each hostile value in turn."""
    fields = required_fields(api, world, endpoint)
    for field in fields:
        for raw in FIELD_VALUES.values():
            values = {name: world.valid.get(name, '"x"') for name in fields}
            values[field] = raw
            body = "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in values.items()) + "}"
            assert_refused(send(api, world, endpoint, body.encode(), reads=reads))


# Media types and charsets -----------------------------------------------------------

# Python codecs that are not character sets: bytes-to-bytes and str-to-str
# transforms, escape and domain-name codecs, and names Python does not know.
NOT_CHARSETS = [
    "zlib",
    "base64",
    "hex",
    "rot13",
    "uu",
    "bz2",
    "quopri",
    "idna",
    "punycode",
    "unicode_escape",
    "raw_unicode_escape",
    "undefined",
    "no-such-charset",
    "",
    '""',
]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "multipart/form-data; boundary=x", None]
)
@endpoints
def test_other_media_types(endpoint, content_type, world, api, reads):
    """Only JSON is parsed: anything else, or no type at all, is a 415."""
    response = send(api, world, endpoint, b"<code>123456</code>", content_type, reads=reads)
    if required_fields(api, world, endpoint):
        assert response.status_code == 415
        assert code_of(response) == "unsupported_media_type"


@pytest.mark.parametrize("charset", NOT_CHARSETS)
@reading
def test_what_is_not_a_charset_is_a_415(endpoint, charset, world, api, reads):
    """zlib and base64 would turn a small body into a big one; none is text."""
    content_type = f"{JSON}; charset={charset}"
    response = send(api, world, endpoint, b'{"code": "x"}', content_type, reads=reads)
    if required_fields(api, world, endpoint):
        assert response.status_code == 415
        assert code_of(response) == "unsupported_media_type"
        assert "charset" in response.json()["detail"]


UNUSUAL_FORMS = {  # a report: every one of these was a 500 or an HTML 400 when forms were parsed
    "punycode": b"code=%41&username=alice&password=x&refresh=x",
    "idna": b"code=%41&username=alice&password=x&refresh=x",
    "utf-7": b"code=%2B2AA-&username=%2B2AA-&password=x&refresh=%2B2AA-",
    "utf-16": "code=123&username=alice&password=x&refresh=x".encode("utf-16") + b"\x00",
    "utf-16-le": b"code=\x00\xd8",
    "latin-1": b"code=%E9%FF&username=alice&password=\xff&refresh=\xe9",
    "shift_jis": b"code=\x81&username=\x81",
    "cp037": "code=12 3&username=alice&password=x".encode("cp037"),
    "utf-8": b"code=%ED%A0%80&username=%00&password=%00&refresh=%00",
}


def valid_fields(world: World) -> dict[str, str]:
    """A value of each field that the endpoints would accept in JSON (alice's)."""
    return {
        "username": "alice",
        "password": PASSWORD,
        "refresh": json.loads(world.valid["refresh"]),
        "code": now_code(world.secrets[0]),
        "name": "Blue key",
    }


def urlencoded(world: World) -> bytes:
    return urlencode(valid_fields(world)).encode()


def too_many_fields(world: World) -> bytes:
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    return urlencoded(world) + b"".join(b"&f%d=1" % i for i in range(limit))


# Forms: values an endpoint accepts in JSON, and the bodies the form parser
# once had to refuse itself.
FORMS: dict[str, Any] = {
    "urlencoded": (FORM, urlencoded),
    "urlencoded-utf-8": (f"{FORM}; charset=utf-8", urlencoded),
    "multipart": (MULTIPART_CONTENT, lambda w: encode_multipart(BOUNDARY, valid_fields(w))),
    "multipart-by-hand": (MULTIPART, lambda w: b"--x\r\n"),
    "too-many-fields": (FORM, too_many_fields),
    "over-the-size-limit": (FORM, lambda w: b"code=" + b"1" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
    "zlib": (f"{FORM}; charset=zlib", urlencoded),
    **{
        f"charset-{charset}": (f"{FORM}; charset={charset}", lambda w, body=body: body)
        for charset, body in UNUSUAL_FORMS.items()
    },
}


@pytest.mark.parametrize("form", FORMS)
@endpoints
def test_a_form_is_a_415_and_changes_nothing(endpoint, form, world, api, reads):
    """JSON only: a form, even of values the endpoint accepts in JSON, is a 415
    wherever a body is read, and no parser sees it. An endpoint that reads no
    body answers as it does without one."""
    content_type, make = FORMS[form]
    response = send(api, world, endpoint, make(world), content_type, reads=reads)
    assert reads == []
    if endpoint.id in BODY_FIELDS:
        assert response.status_code == 415
        assert response.json() == {
            "detail": f'Unsupported media type "{content_type}" in request.',
            "code": "unsupported_media_type",
        }
    else:
        without = send(api, world, endpoint, b"", None, reads=reads)
        assert response.status_code == without.status_code


@reading
def test_a_quoted_charset_is_honoured(endpoint, world, api, reads):
    """``charset="utf-16"`` is utf-16: a body in it parses (here: to fields that are wrong)."""
    body = json.dumps({"code": "x", "refresh": "x", "username": "x", "password": "x"})
    send(api, world, endpoint, body.encode("utf-16"), f'{JSON}; charset="utf-16"', reads=reads)
    assert reads in ([], [None])


# Sizes ---------------------------------------------------------------------------


@reading
def test_an_oversized_body_is_a_413(endpoint, world, api, reads, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = b'{"code": "' + b"1" * 1000 + b'"}'
    response = send(api, world, endpoint, body, reads=reads)
    if required_fields(api, world, endpoint):
        assert response.status_code == 413
        assert code_of(response) == "request_too_large"


@reading
def test_a_body_over_djangos_default_limit_is_a_413(endpoint, world, api, reads):
    body = b'{"code": "' + b"1" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b'"}'
    response = send(api, world, endpoint, body, reads=reads)
    if required_fields(api, world, endpoint):
        assert response.status_code == 413


@reading
def test_a_content_length_over_the_limit_is_a_413(endpoint, world, api, reads):
    """Refused on the header alone, before a byte is read."""
    too_long = str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    extra = {"CONTENT_LENGTH": too_long, "wsgi.input": io.BytesIO(b"{}")}
    response = send(api, world, endpoint, b"", reads=reads, **extra)
    if required_fields(api, world, endpoint):
        assert response.status_code == 413


@pytest.mark.parametrize("body", [b'{"code": "12', b"{}"], ids=["cut-json", "json"])
@reading
def test_a_body_shorter_than_its_content_length(endpoint, body, world, api, reads):
    """The client sent less than it announced and closed: what arrived is parsed."""
    extra = {"CONTENT_LENGTH": "1000", "wsgi.input": io.BytesIO(body)}
    send(api, world, endpoint, b"", reads=reads, **extra)


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", ""])
@reading
def test_a_bogus_content_length(endpoint, length, world, api, reads):
    extra = {"CONTENT_LENGTH": length, "wsgi.input": io.BytesIO(b'{"code": "x"}')}
    send(api, world, endpoint, b"", reads=reads, **extra)


# Negotiation and methods ------------------------------------------------------------

NOT_JSON = ["text/html", "text/html, application/xhtml+xml", "application/xml", "text/plain"]


@pytest.mark.parametrize("credential", [True, False], ids=["credential", "no-credential"])
@pytest.mark.parametrize("accept", NOT_JSON)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.id)
def test_an_accept_without_json_is_a_406(endpoint, accept, credential, world, api, reads):
    """No browsable API: the answer is JSON or nothing, and the 406 comes before
    authentication and before the body, one the endpoint would accept, is read.
    (``generate``'s PNG and SVG: tests/test_api_generate.py.)"""
    body = json.dumps(valid_fields(world)).encode()
    response = send(
        api, world, endpoint, body, reads=reads, credential=credential, HTTP_ACCEPT=accept
    )
    assert reads == []
    assert response.status_code == 406
    assert response.json() == {
        "detail": "Could not satisfy the request Accept header.",
        "code": "not_acceptable",
    }


def methods_of(url: str) -> set[str]:
    """What the URL answers: its endpoints' methods, and HEAD with GET (as Django does)."""
    methods = {e.method for e in ENDPOINTS if e.url == url}
    return methods | {"HEAD"} if "GET" in methods else methods


METHODS = {e.url: methods_of(e.url) for e in ENDPOINTS}


def test_the_methods_of_each_url():
    """Guards METHODS, which the OPTIONS test compares ``Allow`` with."""
    assert METHODS[PREFIX + "login/"] == {"POST"}
    assert METHODS[PREFIX + "2fa/"] == {"GET", "HEAD"}
    assert METHODS[PREFIX + "2fa/devices/1/"] == {"DELETE"}
    assert not any("OPTIONS" in methods for methods in METHODS.values())


@pytest.mark.parametrize("credential", [True, False], ids=["credential", "no-credential"])
@pytest.mark.parametrize("url", sorted(METHODS))
def test_options_is_a_405_that_names_the_methods(url, credential, world, api, reads):
    """What a client may send is the OpenAPI schema's to say: OPTIONS is refused,
    in the one error shape, with ``Allow``. Without its credential, an endpoint
    that needs one answers 401 first (DRF authenticates before it looks the
    method up): never a 200 describing the view."""
    kind = next(e.credential for e in ENDPOINTS if e.url == url)
    endpoint = Endpoint("options", "OPTIONS", url, kind)
    response = send(api, world, endpoint, b"", None, reads=reads, credential=credential)
    assert reads == []
    if credential or kind is None:
        assert response.status_code == 405
        assert response.json() == {
            "detail": 'Method "OPTIONS" not allowed.',
            "code": "method_not_allowed",
        }
    else:
        assert_error(response, 401, "not_authenticated")
    assert set(response["Allow"].split(", ")) == METHODS[url]


# The error shape --------------------------------------------------------------------


@readers
def test_an_empty_body_is_a_400_required_on_each_field(endpoint, world, api, reads):
    """``{}``: every field the endpoint requires is ``required``; ``detail`` and
    ``code`` are the first field's first error's."""
    response = send(api, world, endpoint, b"{}", reads=reads)
    body = assert_validation_error(response, BODY_FIELDS[endpoint.id])
    assert body["code"] == "required"
    assert body["detail"] == "This field is required."
    for field, errors in response.data["errors"].items():
        assert [e.code for e in errors] == ["required"], field


@pytest.mark.parametrize(
    "endpoint", [e for e in READERS if BODY_FIELDS[e.id] == ["code"]], ids=lambda e: e.id
)
def test_a_wrong_code_is_a_400_invalid_code_that_counts(endpoint, world, api):
    """A wrong code on every endpoint that takes one: ``invalid_code`` on field
    ``code``, the failure counter one up and nothing else changed. Turn-on is
    Bob's (2FA half set up); the others are Alice's (2FA on)."""
    who = 1 if endpoint.name == "turn-on" else 0
    token = world.tokens["bob"] if who else world.tokens[endpoint.credential]
    assert token
    with only_counter_changes(world.users[who], by=1), only_counter_changes(world.users[1 - who]):
        response = post_code(api, endpoint.url, token, wrong_code(world.secrets[who]))
    assert_field_error(response, "code", "invalid_code")
    assert response.json() == field_error(
        "code", "invalid_code", "The code is wrong or was already used."
    )


# ATOMIC_REQUESTS ----------------------------------------------------------------------


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
