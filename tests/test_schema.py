"""The OpenAPI schema (drf-spectacular extra): valid, complete, and true to the API."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

pytest.importorskip("drf_spectacular", reason="the openapi extra is not installed")

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from drf_spectacular.drainage import reset_generator_stats
from drf_spectacular.validation import validate_schema
from jsonschema.exceptions import ValidationError as JSONSchemaError
from openapi_schema_validator import OAS30Validator
from openapi_schema_validator import validate as validate_body
from openapi_spec_validator import validate as validate_spec

from django_twofactor import attempts, services
from django_twofactor.conf import twofactor_settings
from django_twofactor.methods import webauthn
from django_twofactor.tokens import full_tokens, pending_token
from tests.conftest import PASSWORD, bearer, code_at, log_in, make_user, wrong_code

JSON, FORM = "application/json", "application/x-www-form-urlencoded"
LOGIN, REFRESH, ME = "/api/auth/login/", "/api/auth/refresh/", "/api/me/"
LOGOUT = "/api/auth/logout/"
STATUS, AUTHENTICATE = "/api/auth/2fa/", "/api/auth/2fa/authenticate/"
GENERATE, TURN_ON = "/api/auth/2fa/generate/", "/api/auth/2fa/turn-on/"
GENERATE_PNG, GENERATE_SVG = "/api/auth/2fa/generate.png", "/api/auth/2fa/generate.svg"
TURN_OFF, RECOVERY_CODES = "/api/auth/2fa/turn-off/", "/api/auth/2fa/recovery-codes/"
VERIFY, PAYOUT = "/api/auth/2fa/verify/", "/api/payout/"
KEYS, KEY = "/api/auth/2fa/webauthn/", "/api/auth/2fa/webauthn/{id}/"
REGISTER_OPTIONS = "/api/auth/2fa/webauthn/register/options/"
REGISTER = "/api/auth/2fa/webauthn/register/"
AUTHENTICATE_OPTIONS = "/api/auth/2fa/webauthn/authenticate/options/"
DEVICES, DEVICE = "/api/auth/2fa/devices/", "/api/auth/2fa/devices/{id}/"
CHALLENGE = "insufficient_user_authentication"

# CONTRACT.md §5 and §14: every status each endpoint can answer, and no other.
# A body of another media type is a 415 wherever a body is read; an `Accept`
# without JSON (generate: nor PNG or SVG) is a 406 everywhere; login's 429 is the
# throttle rate a project sets for its scope.
EXPECTED = {
    (LOGIN, "post"): {"200", "400", "401", "406", "413", "415", "429"},
    (REFRESH, "post"): {"200", "400", "401", "406", "413", "415"},
    (LOGOUT, "post"): {"204", "400", "401", "406", "413", "415"},
    (STATUS, "get"): {"200", "401", "403", "406"},
    (AUTHENTICATE, "post"): {"200", "400", "401", "403", "406", "409", "413", "415", "429"},
    (VERIFY, "post"): {"200", "400", "401", "403", "406", "409", "413", "415", "429"},
    (GENERATE, "post"): {"200", "401", "403", "406", "409"},
    (GENERATE_PNG, "post"): {"200", "401", "403", "406", "409"},
    (GENERATE_SVG, "post"): {"200", "401", "403", "406", "409"},
    (TURN_ON, "post"): {"200", "400", "401", "403", "406", "409", "413", "415", "429"},
    (TURN_OFF, "post"): {"204", "400", "401", "403", "406", "409", "413", "415", "429"},
    (RECOVERY_CODES, "post"): {"200", "400", "401", "403", "406", "409", "413", "415", "429"},
    (ME, "get"): {"200", "401", "403", "406"},
    (PAYOUT, "post"): {"202", "401", "403", "406"},
    # CONTRACT.md §15: forgetting reads no body and asks for no recent authentication.
    (DEVICES, "get"): {"200", "401", "403", "406"},
    (DEVICE, "delete"): {"204", "401", "403", "404", "406"},
}
# CONTRACT.md §13, routed only with the webauthn extra. The options and delete read
# no body: no 413 or 415 there. An unknown key (or another user's) is a 404.
WEBAUTHN_EXPECTED = {
    (KEYS, "get"): {"200", "401", "403", "406"},
    (KEY, "patch"): {"200", "400", "401", "403", "404", "406", "413", "415"},
    (KEY, "delete"): {"204", "401", "403", "404", "406"},
    (REGISTER_OPTIONS, "post"): {"200", "401", "403", "406"},
    (REGISTER, "post"): {"201", "400", "401", "403", "406", "409", "413", "415", "429"},
    (AUTHENTICATE_OPTIONS, "post"): {"200", "401", "406", "409"},
}
if webauthn.available():
    EXPECTED.update(WEBAUTHN_EXPECTED)
CODE_ENDPOINTS = [AUTHENTICATE, VERIFY, TURN_ON, TURN_OFF, RECOVERY_CODES]
# Those that take a security key's answer in place of a code (turn-on confirms TOTP).
KEY_ENDPOINTS = [AUTHENTICATE, VERIFY, TURN_OFF, RECOVERY_CODES]
# CONTRACT.md §10: RFC 9470's 401 challenge, from the recent-authentication rule of
# turn-on and of changing security keys, and from TwoFactorRequired.max_age (the
# example's payout).
CHALLENGED = {
    (TURN_ON, "post"),
    (PAYOUT, "post"),
    (REGISTER_OPTIONS, "post"),
    (REGISTER, "post"),
    (KEY, "delete"),
}
needs_webauthn = pytest.mark.skipif(
    not webauthn.available(), reason="the webauthn extra is not installed"
)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """The schema as a client fetches it: public, no token."""
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def body_schema(schema: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return resolve(schema, schema["paths"][path][method]["requestBody"]["content"][JSON]["schema"])


def template_of(path: str) -> str:
    """The documented path of a request's: no query, `{id}` for a key's or a device's id."""
    return re.sub(r"/(webauthn|devices)/\d+/$", r"/\1/{id}/", path.partition("?")[0])


def conforms(schema: dict[str, Any], path: str, method: str, response: Any) -> int:
    """The status, media type, headers and body are the documented ones."""
    documented = schema["paths"][template_of(path)][method]["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method} {path}: undocumented {status} {response.content!r}"
    content = documented[status].get("content", {})
    for header in documented[status].get("headers", {}):
        assert response.has_header(header), header
    if not content:
        assert response.content == b""
        return response.status_code
    media_type = response["Content-Type"].split(";")[0]
    assert media_type in content, f"{method} {path}: {status} as {media_type}"
    if media_type == JSON:
        root = {"allOf": [content[JSON]["schema"]], "components": schema["components"]}
        validate_body(response.json(), root, cls=OAS30Validator)
    return response.status_code


def sends(schema: dict[str, Any], path: str, method: str, body: Any) -> Any:
    """``body`` is a JSON request body the schema admits for that operation."""
    content = schema["paths"][template_of(path)][method]["requestBody"]["content"]
    root = {"allOf": [content[JSON]["schema"]], "components": schema["components"]}
    validate_body(body, root, cls=OAS30Validator)
    return body


def totp(secret: str) -> dict[str, str]:
    return {"code": code_at(secret, time.time())}


def pending_of(login: Any) -> dict[str, str]:
    assert login.json()["two_factor_required"] is True
    assert login.json()["two_factor_setup_required"] is False
    return bearer(login.json()["pending_token"])


def shapes_of(schema: dict[str, Any], node: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives of a ``oneOf`` body, or the body itself."""
    body = resolve(schema, node)
    return [resolve(schema, shape) for shape in body["oneOf"]] if "oneOf" in body else [body]


def is_challenge(response: Any, max_age: int) -> bool:
    """RFC 9470's 401: the code and ``max_age`` in the body and in the header."""
    header = response.get("WWW-Authenticate", "")
    return (
        response.status_code == 401
        and response.json()["code"] == CHALLENGE
        and response.json()["max_age"] == max_age
        and header.startswith(f'Bearer error="{CHALLENGE}", error_description="')
        and header.endswith(f', max_age="{max_age}"')
    )


def test_spectacular_command_validates_without_warnings(tmp_path):
    """`manage.py spectacular --validate --fail-on-warn` is what CI runs: no guesswork left."""
    reset_generator_stats()  # warnings of an earlier generation would count too
    out = tmp_path / "schema.json"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(out),
    )
    generated = json.loads(out.read_text())
    validate_spec(generated)
    assert set(generated["paths"]) == {path for path, _ in EXPECTED}


def test_schema_is_valid_openapi_3(schema):
    """Two validators: drf-spectacular's JSON Schema and openapi-spec-validator."""
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    validate_spec(schema)


def test_every_endpoint_with_exactly_its_status_codes(schema):
    """No endpoint missing, none extra (not the schema or docs views), no status guessed."""
    operations = {(p, m) for p, ops in schema["paths"].items() for m in ops}
    assert operations == set(EXPECTED)
    for (path, method), codes in EXPECTED.items():
        assert set(schema["paths"][path][method]["responses"]) == codes, (path, method)


def test_request_bodies(schema):
    """Each body names the fields the serializers read: the required ones, and the
    optional ones beside them (a trusted device's), all strings."""
    expected = {
        LOGIN: ({"username", "password"}, {"device_token"}),
        REFRESH: ({"refresh"}, set()),
    }
    for path, (fields, optional) in expected.items():
        body = body_schema(schema, path, "post")
        assert set(body["properties"]) == fields | optional, path
        assert set(body["required"]) == fields, path
        assert all(body["properties"][f]["type"] == "string" for f in fields | optional)
    device_token = body_schema(schema, LOGIN, "post")["properties"]["device_token"]
    assert "ignored" in device_token["description"]
    logout = body_schema(schema, LOGOUT, "post")
    assert logout["required"] == ["refresh"]
    assert logout["properties"]["everywhere"]["type"] == "boolean"
    for path, method in [
        (GENERATE, "post"),
        (STATUS, "get"),
        (ME, "get"),
        (PAYOUT, "post"),
        (DEVICES, "get"),
        (DEVICE, "delete"),
    ]:
        assert "requestBody" not in schema["paths"][path][method]
    code = {}
    for path in CODE_ENDPOINTS:
        content = schema["paths"][path]["post"]["requestBody"]["content"]
        assert set(content) == {JSON}, path  # the views parse JSON only
        # Beside the code or the key's answer, authenticate reads whether to trust the
        # device (CONTRACT.md §15); optional, in each shape.
        trust = TRUST_FIELDS if path == AUTHENTICATE else set()
        shapes = shapes_of(schema, content[JSON]["schema"])
        by_code = shapes[0]
        assert set(by_code["properties"]) == {"code"} | trust, path
        assert set(by_code["required"]) == {"code"}, path
        assert by_code["properties"]["code"]["type"] == "string"
        code[path] = by_code["properties"]["code"]
        if trust:
            for shape in shapes:
                assert_trust_fields(shape)
        if path not in KEY_ENDPOINTS or not webauthn.available():
            assert shapes == [by_code], path
            continue
        # The code or a security key's answer, one of them: closed shapes, so a body
        # with both (a 400 on `credential`) matches neither.
        assert set(shapes[1]["properties"]) == {"credential"} | trust, path
        assert set(shapes[1]["required"]) == {"credential"}, path
        assert all(shape["additionalProperties"] is False for shape in shapes), path
        credential = resolve(schema, shapes[1]["properties"]["credential"])
        assert credential["title"] == "AuthenticationResponseJSON", path
    for path in CODE_ENDPOINTS:
        assert code[path]["minLength"] == twofactor_settings.DIGITS, path
        code[path] = code[path]["description"]
    assert "recovery code" in code[AUTHENTICATE]
    assert "recovery code" in code[VERIFY]
    assert "recovery code" in code[TURN_OFF]
    assert "recovery" not in code[TURN_ON]
    assert "recovery" not in code[RECOVERY_CODES]


TRUST_FIELDS = {"trust_device", "device_name"}


def assert_trust_fields(shape: dict[str, Any]) -> None:
    """`trust_device`: a boolean, false unless sent; `device_name`: at most 128 characters."""
    trust_device = shape["properties"]["trust_device"]
    assert trust_device["type"] == "boolean"
    assert trust_device["default"] is False
    assert "TRUSTED_DEVICE_LIFETIME" in trust_device["description"]
    device_name = shape["properties"]["device_name"]
    assert device_name["type"] == "string"
    assert device_name["maxLength"] == 128
    assert not TRUST_FIELDS & set(shape["required"])


def test_errors_are_json_with_detail_and_code(schema):
    """Every error body is one closed object with `detail` and `code` (no ``oneOf``, so
    a generated client reads `code` from any of them); a 400 adds `errors`, per field
    the request reads; a 429 promises Retry-After."""
    for (path, method), codes in EXPECTED.items():
        responses = schema["paths"][path][method]["responses"]
        for status in {c for c in codes if c.startswith("4")}:
            content = responses[status]["content"]
            assert set(content) == {JSON}, (path, status)
            error = resolve(schema, content[JSON]["schema"])
            assert "oneOf" not in error, (path, status)
            assert set(error["required"]) == {"detail", "code"}, (path, status)
            assert error["additionalProperties"] is False, (path, status)
            assert error["properties"]["code"]["type"] == "string", (path, status)
            extra = set(error["properties"]) - {"detail", "code"}
            if status == "400":
                assert extra == {"errors"}, path
                fields = resolve(schema, error["properties"]["errors"])
                assert fields["additionalProperties"] is False, path
                assert "non_field_errors" in fields["properties"], path
                if "requestBody" in schema["paths"][path][method]:
                    body = shapes_of(
                        schema,
                        schema["paths"][path][method]["requestBody"]["content"][JSON]["schema"],
                    )
                    read = set().union(*(shape["properties"] for shape in body))
                    assert read <= set(fields["properties"]), path
            elif status == "401":
                assert extra <= {"messages", "max_age"}, path
            else:
                assert not extra, (path, status)
        if "429" in codes:
            assert responses["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"


def test_codes_have_the_pattern_the_server_reads(schema):
    """A code's `pattern` admits what the server parses as a code (spaces inside, a
    recovery code's dashes and case) and nothing it refuses as ill-formed."""
    for path in CODE_ENDPOINTS:
        shapes = shapes_of(schema, body_schema(schema, path, "post"))
        pattern = re.compile(shapes[0]["properties"]["code"]["pattern"])
        recovery = path not in (TURN_ON, RECOVERY_CODES)
        for good in ("123456", "123 456", " 12 34 56"):
            assert pattern.search(good), (path, good)
        for bad in ("12345", "1234567", "12345a", "１２３４５６", "123-456", ""):
            assert not pattern.search(bad), (path, bad)
        for code in ("a2b3c-d4e5f", "A2B3C-D4E5F", "a2b3cd4e5f", "a2b3c d4e5f"):
            assert bool(pattern.search(code)) is recovery, (path, code)
        assert not pattern.search("a2b3c-d4e5")  # nine characters
        assert not pattern.search("a2b3c-d4e51")  # 1 is no letter of base32


def test_strings_have_a_min_length(schema):
    """Every required string of a request body has `minLength` (and, where the server
    trims it, a `pattern` that asks for more than spaces)."""
    for (path, method), _codes in EXPECTED.items():
        operation = schema["paths"][path][method]
        if "requestBody" not in operation:
            continue
        for shape in shapes_of(schema, operation["requestBody"]["content"][JSON]["schema"]):
            for name, field in shape["properties"].items():
                if field.get("type") == "string":
                    assert field.get("minLength", 0) >= 1, (path, name)


def test_strings_pattern_what_the_server_refuses(schema):
    """The strings' `pattern` says what DRF's CharField refuses: NUL anywhere and, where
    it trims (all but the password and username), nothing but spaces as Python's
    strip() counts them. Schemathesis then sends none of those as valid data."""
    body = body_schema(schema, LOGIN, "post")["properties"]
    trimmed = [body["device_token"], body_schema(schema, REFRESH, "post")["properties"]["refresh"]]
    untrimmed = [body["password"], body["username"]]
    for field in trimmed + untrimmed:
        pattern = re.compile(field["pattern"])
        for good in ("a", " a ", "pässwörd", "😀"):
            assert pattern.search(good), (field, good)
        for bad in ("\x00", "a\x00b", ""):
            assert not pattern.search(bad), (field, bad)
    for field in trimmed:
        pattern = re.compile(field["pattern"])
        for blank in ("   ", "\t\n", "\x1c\x1f", "\u3000"):
            assert not pattern.search(blank), (field, blank)
            assert not blank.strip()  # what DRF's CharField makes of it
    for field in untrimmed:
        assert re.compile(field["pattern"]).search("   ")  # kept as sent


def test_every_operation_has_examples(schema):
    """Each operation shows a request (if it reads a body) or a response by example."""
    for (path, method), _codes in EXPECTED.items():
        operation = schema["paths"][path][method]
        examples = [
            m.get("examples")
            for part in [operation.get("requestBody", {}), *operation["responses"].values()]
            for m in part.get("content", {}).values()
        ]
        assert any(examples), (path, method)
        body = operation.get("requestBody", {}).get("content", {}).get(JSON)
        if body:
            for example in body["examples"].values():
                sends(schema, path, method, example["value"])
        for status, response in operation["responses"].items():
            content = response.get("content", {}).get(JSON, {})
            for name, example in content.get("examples", {}).items():
                root = {"allOf": [content["schema"]], "components": schema["components"]}
                try:
                    validate_body(example["value"], root, cls=OAS30Validator)
                except JSONSchemaError as exc:  # pragma: no cover - the failure's message
                    pytest.fail(f"{method} {path} {status} example {name}: {exc.message}")


def test_links_carry_tokens_and_ids(schema):
    """OpenAPI links: a response's refresh token into refresh and logout; the key and
    device lists' ids into rename, delete and forget. Each names a real operation."""
    operation_ids = {op["operationId"] for ops in schema["paths"].values() for op in ops.values()}
    linked = {}
    for (path, method), _codes in EXPECTED.items():
        for status, response in schema["paths"][path][method]["responses"].items():
            for name, spec in response.get("links", {}).items():
                assert spec["operationId"] in operation_ids, (path, name)
                linked[(path, status, name)] = spec
    for path in (LOGIN, AUTHENTICATE, VERIFY, TURN_ON):
        for name in ("refresh", "logout"):
            spec = linked[(path, "200", name)]
            assert spec["requestBody"] == {"refresh": "$response.body#/refresh"}
    assert linked[(DEVICES, "200", "forget")]["parameters"] == {"path.id": "$response.body#/0/id"}
    if webauthn.available():
        assert linked[(KEYS, "200", "rename")]["parameters"] == {"path.id": "$response.body#/0/id"}
        assert linked[(KEYS, "200", "delete")]["operationId"] == "two_factor_webauthn_delete"


def test_generate_offers_json_png_and_svg(schema):
    """Content negotiation is documented: three media types and `?format=`."""
    operation = schema["paths"][GENERATE]["post"]
    content = operation["responses"]["200"]["content"]
    assert set(content) == {JSON, "image/png", "image/svg+xml"}
    assert content["image/png"]["schema"] == {"type": "string", "format": "binary"}
    assert content["image/svg+xml"]["schema"]["type"] == "string"
    setup = resolve(schema, content[JSON]["schema"])
    assert set(setup["required"]) == {"secret", "otpauth_url", "qr_code"}
    (param,) = [p for p in operation["parameters"] if p["name"] == "format"]
    assert param["in"] == "query"
    assert set(param["schema"]["enum"]) == {"json", "png", "svg"}


def test_generate_images_have_one_media_type_each(schema):
    """For clients that read one media type per operation (openapi-python-client)."""
    for path, media_type in [(GENERATE_PNG, "image/png"), (GENERATE_SVG, "image/svg+xml")]:
        operation = schema["paths"][path]["post"]
        assert set(operation["responses"]["200"]["content"]) == {media_type}
        assert "requestBody" not in operation
        assert "parameters" not in operation


def test_security_schemes(schema):
    """Authenticate takes the pending token alone; a security key's challenge either
    token; the others a full JWT; login none."""
    schemes = schema["components"]["securitySchemes"]
    assert schemes["pendingToken"]["type"] == "http"
    assert schemes["pendingToken"]["scheme"] == "bearer"
    assert "pending token" in schemes["pendingToken"]["description"]
    assert schemes["jwtAuth"]["scheme"] == "bearer"
    for path, method in EXPECTED:
        security = schema["paths"][path][method].get("security", [])
        if path == AUTHENTICATE:
            assert security == [{"pendingToken": []}]
        elif path == AUTHENTICATE_OPTIONS:
            assert security == [{"pendingToken": []}, {"jwtAuth": []}]
        elif path in (LOGIN, REFRESH, LOGOUT):
            # No credentials, said the same way on all three (not `[{}]` on some).
            assert schema["paths"][path][method]["security"] == [], path
        else:
            assert security == [{"jwtAuth": []}], path


def test_login_answers_one_of_two_documented_shapes(schema):
    """2FA off: tokens; 2FA on: a pending token; the boolean tells them apart.

    Both say whether the REQUIRED policy makes the user enrol (CONTRACT.md §11).
    """
    body = schema["paths"][LOGIN]["post"]["responses"]["200"]["content"][JSON]["schema"]
    shapes = shapes_of(schema, body)
    assert {frozenset(shape["required"]) for shape in shapes} == {
        frozenset({"two_factor_required", "two_factor_setup_required", "access", "refresh"}),
        frozenset({"two_factor_required", "two_factor_setup_required", "pending_token"}),
    }
    for shape in shapes:
        assert shape["properties"]["two_factor_setup_required"]["type"] == "boolean"


def test_the_challenge_is_documented_where_it_can_come(schema):
    """Turn-on, the security keys' registration and deletion, and payout: a 401 that
    is a token error or RFC 9470's challenge, whose header is documented; nowhere
    else, so a client knows where to expect it."""
    for (path, method), codes in EXPECTED.items():
        if "401" not in codes:
            continue
        unauthorized = schema["paths"][path][method]["responses"]["401"]
        shapes = shapes_of(schema, unauthorized["content"][JSON]["schema"])
        (body,) = shapes
        if (path, method) not in CHALLENGED:
            assert "max_age" not in body["properties"], path
            assert "headers" not in unauthorized, path
            assert CHALLENGE not in unauthorized["description"], path
            continue
        assert CHALLENGE in unauthorized["description"], path
        header = unauthorized["headers"]["WWW-Authenticate"]
        assert header["required"] is True
        assert header["schema"]["type"] == "string"
        assert CHALLENGE in header["description"]
        assert set(body["required"]) == {"detail", "code"}
        assert body["properties"]["max_age"]["type"] == "integer"
        assert CHALLENGE in body["properties"]["max_age"]["description"]
        assert body["additionalProperties"] is False


def test_forbidden_says_which_codes_it_can_be(schema):
    """A 403 names each code the view can answer with, and no other."""
    # `two_factor_setup_allowed`: enrolling stays open to a user REQUIRED covers
    setup_open = {STATUS, GENERATE, GENERATE_PNG, GENERATE_SVG, TURN_ON}
    setup_open |= {KEYS, REGISTER_OPTIONS, REGISTER}
    # a counted second factor: the block applies (registration checks it too)
    code_checks = {AUTHENTICATE, VERIFY, TURN_ON, TURN_OFF, RECOVERY_CODES, REGISTER}
    for (path, method), codes in EXPECTED.items():
        if "403" not in codes:
            continue
        text = schema["paths"][path][method]["responses"]["403"]["description"]
        assert ("two_factor_required" in text) is (path != AUTHENTICATE), path
        assert ("two_factor_setup_required" in text) is (path not in setup_open | {AUTHENTICATE})
        assert ("two_factor_blocked" in text) is (path in code_checks), path
        assert ("two_factor_not_enabled" in text) is (path == PAYOUT), path


def test_success_responses_match_the_schema(schema, plain, api, clock):
    """What the API answers on the happy path is what the schema says."""
    full = bearer(plain.tokens["access"])
    credentials = {"username": "alice", "password": PASSWORD}

    def answer(path: str, method: str = "post", data: Any = None, **extra: Any) -> Any:
        response = getattr(api, method)(path, data, format="json", **extra)
        assert conforms(schema, path, method, response) in (200, 202, 204)
        return response

    assert answer(LOGIN, data=credentials).json()["two_factor_setup_required"] is False
    answer(ME, "get", **full)
    answer(STATUS, "get", **full)
    answer(f"{GENERATE}?format=png", **full)
    answer(f"{GENERATE}?format=svg", **full)
    secret = answer(GENERATE, **full).json()["secret"]
    answer(TURN_ON, data=totp(secret), **full)

    clock.shift(30)
    pending = pending_of(answer(LOGIN, data=credentials))
    authed = answer(AUTHENTICATE, data=totp(secret), **pending).json()
    answer(REFRESH, data={"refresh": authed["refresh"]})
    mfa = bearer(authed["access"])
    assert answer(PAYOUT, **mfa).json() == {"status": "accepted"}
    clock.shift(30)
    stepped = answer(VERIFY, data=totp(secret), **mfa).json()
    answer(PAYOUT, **bearer(stepped["access"]))
    clock.shift(30)
    renewed = answer(RECOVERY_CODES, data=totp(secret), **mfa).json()["recovery_codes"]
    assert answer(LOGOUT, data={"refresh": authed["refresh"]}).status_code == 204
    assert answer(TURN_OFF, data={"code": renewed[0]}, **mfa).status_code == 204
    fresh = answer(LOGIN, data=credentials).json()
    answer(LOGOUT, data={"refresh": fresh["refresh"], "everywhere": True})


def test_error_responses_match_the_schema(schema, enabled, api, clock):
    """400 (both shapes), 401, 403, 406, 409, 415 and 429 bodies are the documented ones."""
    mfa = bearer(enabled.tokens["access"])
    no_mfa = bearer(full_tokens(enabled.user, ["pwd"])["access"])
    login = api.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    pending = pending_of(login)
    wrong = {"code": wrong_code(enabled.secret, time.time())}
    mfa_posts = [(path, mfa) for path in (VERIFY, TURN_ON, TURN_OFF, RECOVERY_CODES)]

    def status(path: str, method: str = "post", data: Any = None, **extra: Any) -> int:
        response = getattr(api, method)(path, data, format="json", **extra)
        return conforms(schema, path, method, response)

    assert status(LOGIN, data={"username": "alice", "password": "wrong"}) == 401
    assert status(LOGIN, data={"username": "alice"}) == 400
    assert status(REFRESH, data={"refresh": "junk"}) == 401
    assert status(REFRESH, data={}) == 400
    for path, method in [(ME, "get"), (VERIFY, "post"), (PAYOUT, "post")]:
        assert status(path, method) == 401
    assert status(STATUS, "get", **pending) == 401  # a pending token is no full token
    assert status(AUTHENTICATE, data=wrong) == 401
    for path, method in [(ME, "get"), (STATUS, "get"), (GENERATE, "post"), (PAYOUT, "post")]:
        assert status(path, method, **no_mfa) == 403
    assert status(VERIFY, data=totp(enabled.secret), **no_mfa) == 403
    assert status(TURN_ON, data={"code": "12"}, **mfa) == 400
    assert status(VERIFY, data={"code": "12"}, **mfa) == 400
    for path in (LOGIN, TURN_ON):  # not JSON: `{"detail", "code"}`, not field errors
        not_json = api.post(path, "{not json", content_type=JSON, **mfa)
        assert conforms(schema, path, "post", not_json) == 400
        assert not_json.json()["code"] == "parse_error"
    assert conforms(schema, GENERATE, "post", api.post(f"{GENERATE}?format=png", **mfa)) == 409
    assert conforms(schema, GENERATE, "post", api.post(f"{GENERATE}?format=gif", **mfa)) == 406
    for path, token in [(LOGIN, {}), (REFRESH, {}), (AUTHENTICATE, pending), *mfa_posts]:
        as_text = api.post(path, "code=1", content_type="text/plain", **token)
        assert conforms(schema, path, "post", as_text) == 415
        big = b" " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
        too_large = api.post(path, big, content_type=JSON, **token)
        assert conforms(schema, path, "post", too_large) == 413
    assert status(TURN_ON, data=wrong, **mfa) == 409

    for _ in range(twofactor_settings.MAX_FAILED_ATTEMPTS - 1):
        assert status(TURN_OFF, data=wrong, **mfa) == 400
    assert status(VERIFY, data=wrong, **mfa) == 400  # a wrong code: on field `code`
    assert status(RECOVERY_CODES, data=wrong, **mfa) == 429
    assert status(VERIFY, data=wrong, **mfa) == 429
    assert status(AUTHENTICATE, data=wrong, **pending) == 429

    clock.shift(twofactor_settings.LOCKOUT_BASE_DELAY.total_seconds() + 1)
    assert status(TURN_OFF, data={"code": enabled.recovery_codes[0]}, **mfa) == 204
    assert status(ME, "get", **mfa) == 401  # turn-off revoked it: `token_revoked`
    assert status(LOGOUT, data={"refresh": enabled.tokens["refresh"]}) == 401
    assert status(LOGOUT, data={"everywhere": True}) == 400
    user = enabled.refresh()
    off = {**bearer(full_tokens(user, ["pwd"])["access"])}
    off_pending = bearer(pending_token(user))
    for path in (TURN_OFF, RECOVERY_CODES, VERIFY, AUTHENTICATE):
        assert status(path, data=wrong, **(off_pending if path == AUTHENTICATE else off)) == 409
    assert status(PAYOUT, **off) == 403  # `two_factor_not_enabled`


def test_turn_on_challenge_matches_the_schema(schema, set_up, api, clock):
    """Turn-on with a login over 5 minutes old: the challenge, as documented, header too.

    The access token expired meanwhile (a token error, the other 401 shape); a
    refreshed one still fails, as `refresh/` copies `auth_time`.
    """
    recent = int(twofactor_settings.RECENT_AUTHENTICATION.total_seconds())
    clock.shift(recent + 1)
    expired = api.post(
        TURN_ON, totp(set_up.secret), format="json", **bearer(set_up.tokens["access"])
    )
    assert conforms(schema, TURN_ON, "post", expired) == 401
    assert expired.json()["code"] == "token_not_valid"
    assert CHALLENGE not in expired["WWW-Authenticate"]

    refreshed = api.post(REFRESH, {"refresh": set_up.tokens["refresh"]}, format="json")
    assert conforms(schema, REFRESH, "post", refreshed) == 200
    old = bearer(refreshed.json()["access"])
    challenged = api.post(TURN_ON, totp(set_up.secret), format="json", **old)
    assert conforms(schema, TURN_ON, "post", challenged) == 401
    assert is_challenge(challenged, recent)

    fresh = bearer(log_in(api)["access"])  # the remedy: a new login
    turned_on = api.post(TURN_ON, totp(set_up.secret), format="json", **fresh)
    assert conforms(schema, TURN_ON, "post", turned_on) == 200


def test_payout_challenge_and_verify_match_the_schema(schema, enabled, api, clock):
    """Payout: 202, then the challenge once the code is over 300 s old; verify: 200, 400, 409."""
    assert conforms(schema, PAYOUT, "post", api.post(PAYOUT, **bearer(enabled.tokens["access"])))
    clock.shift(300 - 30 + 1)  # 301 s after turn-on, whose code set `auth_time`
    refreshed = api.post(REFRESH, {"refresh": enabled.tokens["refresh"]}, format="json").json()
    old = bearer(refreshed["access"])
    challenged = api.post(PAYOUT, **old)
    assert conforms(schema, PAYOUT, "post", challenged) == 401
    assert is_challenge(challenged, 300)

    wrong = {"code": wrong_code(enabled.secret, time.time())}
    assert conforms(schema, VERIFY, "post", api.post(VERIFY, wrong, format="json", **old)) == 400
    verified = api.post(VERIFY, totp(enabled.secret), format="json", **old)
    assert conforms(schema, VERIFY, "post", verified) == 200
    stepped = bearer(verified.json()["access"])
    assert conforms(schema, PAYOUT, "post", api.post(PAYOUT, **stepped)) == 202
    by_recovery = api.post(VERIFY, {"code": enabled.recovery_codes[0]}, format="json", **stepped)
    assert conforms(schema, VERIFY, "post", by_recovery) == 200

    turned_off = api.post(TURN_OFF, {"code": enabled.recovery_codes[1]}, format="json", **stepped)
    assert conforms(schema, TURN_OFF, "post", turned_off) == 204
    off = bearer(full_tokens(enabled.refresh(), ["pwd"])["access"])
    not_enabled = api.post(VERIFY, totp(enabled.secret), format="json", **off)
    assert conforms(schema, VERIFY, "post", not_enabled) == 409
    assert not_enabled.json()["code"] == "two_factor_not_enabled"


def test_required_enrolment_matches_the_schema(schema, plain, api, settings):
    """REQUIRED: login says so, set-up stays open, every other view answers the 403."""
    settings.TWO_FACTOR = {**settings.TWO_FACTOR, "REQUIRED": "all"}
    login = api.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    assert conforms(schema, LOGIN, "post", login) == 200
    assert login.json()["two_factor_setup_required"] is True
    token = bearer(login.json()["access"])
    assert conforms(schema, STATUS, "get", api.get(STATUS, **token)) == 200
    for path, method in [
        (ME, "get"),
        (VERIFY, "post"),
        (TURN_OFF, "post"),
        (PAYOUT, "post"),
        (DEVICES, "get"),
        (device_url(1), "delete"),
    ]:
        response = getattr(api, method)(path, {"code": "123456"}, format="json", **token)
        assert conforms(schema, path, method, response) == 403
        assert response.json()["code"] == "two_factor_setup_required"


def test_blocked_codes_match_the_schema(schema, enabled, api):
    """Past `FAILURE_LIMIT`: 403 `two_factor_blocked` from each endpoint that takes a code."""
    limit = {"two_factor_failed_attempts": twofactor_settings.FAILURE_LIMIT}
    bob = make_user("bob")
    bob_tokens = log_in(api, "bob")
    secret = services.begin_setup(bob).secret
    get_user_model().objects.filter(pk__in=[enabled.user.pk, bob.pk]).update(**limit)
    pending = pending_of(
        api.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    )
    mfa = bearer(enabled.tokens["access"])
    attempts = [
        (AUTHENTICATE, pending, enabled.secret),
        (VERIFY, mfa, enabled.secret),
        (TURN_OFF, mfa, enabled.secret),
        (RECOVERY_CODES, mfa, enabled.secret),
        (TURN_ON, bearer(bob_tokens["access"]), secret),
    ]
    for path, token, key in attempts:
        response = api.post(path, totp(key), format="json", **token)
        assert conforms(schema, path, "post", response) == 403, path
        assert response.json()["code"] == "two_factor_blocked"


# Trusted devices (CONTRACT.md §15) -------------------------------------------------

LIFETIME = timedelta(days=30)


def device_url(pk: Any) -> str:
    return DEVICE.replace("{id}", str(pk))


def test_trusted_device_bodies(schema):
    """Authenticate's 200 may add `device_token`, shown once; verify's never does. The
    list gives each device's `id`, `name` and times, never its token; forgetting is a
    204 without a body."""

    def success(path: str, method: str = "post", status: str = "200") -> dict[str, Any]:
        content = schema["paths"][path][method]["responses"][status]["content"]
        return resolve(schema, content[JSON]["schema"])

    authenticated = success(AUTHENTICATE)
    assert set(authenticated["required"]) == {"access", "refresh"}
    assert set(authenticated["properties"]) == {"access", "refresh", "device_token"}
    device_token = authenticated["properties"]["device_token"]
    assert device_token["type"] == "string"
    assert "once" in device_token["description"]
    assert "TRUSTED_DEVICE_LIFETIME" in device_token["description"]
    assert "device_token" not in success(VERIFY)["properties"]

    listed = success(DEVICES, "get")
    assert listed["type"] == "array"
    device = resolve(schema, listed["items"])
    fields = {"id", "name", "created_at", "last_used_at", "expires_at"}
    assert set(device["properties"]) == set(device["required"]) == fields
    assert device["properties"]["id"]["type"] == "integer"
    assert device["properties"]["name"]["maxLength"] == 128
    for time_field in ("created_at", "last_used_at", "expires_at"):
        assert device["properties"][time_field]["format"] == "date-time"
        assert device["properties"][time_field].get("nullable", False) is (
            time_field == "last_used_at"
        )
    assert "content" not in schema["paths"][DEVICE]["delete"]["responses"]["204"]
    (param,) = schema["paths"][DEVICE]["delete"]["parameters"]
    assert (param["name"], param["in"], param["schema"]["type"]) == ("id", "path", "integer")
    assert "device_token" in schema["paths"][LOGIN]["post"]["responses"]["200"]["description"]


def test_trusted_devices_match_the_schema(schema, enabled, api, clock, settings):
    """Trust a device (JSON and form), log in with it, list, forget: every body the
    schema admits, every answer the one it documents."""
    settings.TWO_FACTOR = {**settings.TWO_FACTOR, "TRUSTED_DEVICE_LIFETIME": LIFETIME}
    credentials = {"username": "alice", "password": PASSWORD}
    no_mfa = bearer(full_tokens(enabled.user, ["pwd"])["access"])

    def answer(path: str, method: str = "post", data: Any = None, **extra: Any) -> Any:
        if data is not None:
            sends(schema, path, method, data)
        response = getattr(api, method)(path, data, format="json", **extra)
        return conforms(schema, path, method, response), response

    def status(path: str, method: str = "post", data: Any = None, **extra: Any) -> int:
        return answer(path, method, data, **extra)[0]

    body = {**totp(enabled.secret), "trust_device": True, "device_name": "Work laptop"}
    code, trusted = answer(
        AUTHENTICATE, data=body, **pending_of(api.post(LOGIN, credentials, format="json"))
    )
    assert code == 200
    token = trusted.json()["device_token"]
    clock.shift(30)
    pending = pending_of(api.post(LOGIN, credentials, format="json"))
    form = urlencode({**totp(enabled.secret), "trust_device": "true"})
    by_form = api.post(AUTHENTICATE, form, content_type=FORM, **pending)
    assert conforms(schema, AUTHENTICATE, "post", by_form) == 415  # JSON only
    unnamed = {**totp(enabled.secret), "trust_device": True}
    code, by_agent = answer(AUTHENTICATE, data=unnamed, HTTP_USER_AGENT="Firefox", **pending)
    assert code == 200
    assert by_agent.json()["device_token"]

    code, vouched = answer(LOGIN, data={**credentials, "device_token": token})
    assert code == 200
    assert vouched.json()["two_factor_required"] is False
    mfa = bearer(vouched.json()["access"])
    code, listed = answer(DEVICES, "get", **mfa)
    assert code == 200
    assert [d["name"] for d in listed.json()] == ["Work laptop", "Firefox"]
    first, second = (d["id"] for d in listed.json())

    for path, method in [(DEVICES, "get"), (device_url(first), "delete")]:
        assert status(path, method) == 401, path
        assert status(path, method, **pending) == 401, path  # a pending token is no full one
        assert status(path, method, **no_mfa) == 403, path
    bob = make_user("bob")
    bobs = bearer(full_tokens(bob, ["pwd"])["access"])
    assert status(device_url(first), "delete", **bobs) == 404  # not bob's
    assert status(device_url(second + 1), "delete", **mfa) == 404

    # No recent authentication needed: a token whose `auth_time` is old forgets.
    clock.shift(int(twofactor_settings.RECENT_AUTHENTICATION.total_seconds()) + 1)
    refreshed = api.post(REFRESH, {"refresh": vouched.json()["refresh"]}, format="json")
    old = bearer(refreshed.json()["access"])
    assert status(device_url(first), "delete", **old) == 204
    assert status(device_url(first), "delete", **old) == 404  # forgotten already
    code, ignored = answer(LOGIN, data={**credentials, "device_token": token})
    assert code == 200
    assert ignored.json()["two_factor_required"] is True  # as if no token had come
    code, junk = answer(LOGIN, data={**credentials, "device_token": "junk"})
    assert (code, junk.json()["two_factor_required"]) == (200, True)

    pending = pending_of(junk)
    too_long = {**totp(enabled.secret), "trust_device": True, "device_name": "x" * 129}
    not_a_boolean = {**totp(enabled.secret), "trust_device": "maybe"}
    unknown = {**totp(enabled.secret), "remember_me": True}
    for bad in (too_long, not_a_boolean, unknown):
        with pytest.raises(JSONSchemaError):
            sends(schema, AUTHENTICATE, "post", bad)
    for bad, field in [(too_long, "device_name"), (not_a_boolean, "trust_device")]:
        refused = api.post(AUTHENTICATE, bad, format="json", **pending)
        assert conforms(schema, AUTHENTICATE, "post", refused) == 400
        assert list(refused.json()["errors"]) == [field]
    too_long = {**credentials, "device_token": "x" * 257}
    with pytest.raises(JSONSchemaError):
        sends(schema, LOGIN, "post", too_long)
    refused = api.post(LOGIN, too_long, format="json")
    assert conforms(schema, LOGIN, "post", refused) == 400
    assert list(refused.json()["errors"]) == ["device_token"]


def test_trusted_devices_off_match_the_schema(schema, enabled, api, settings):
    """With `TRUSTED_DEVICE_LIFETIME` unset, `trust_device` is ignored: no `device_token`."""
    settings.TWO_FACTOR = {**settings.TWO_FACTOR, "TRUSTED_DEVICE_LIFETIME": None}
    login = api.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    body = {**totp(enabled.secret), "trust_device": True}
    response = api.post(
        AUTHENTICATE, sends(schema, AUTHENTICATE, "post", body), format="json", **pending_of(login)
    )
    assert conforms(schema, AUTHENTICATE, "post", response) == 200
    assert "device_token" not in response.json()


# Security keys and passkeys (CONTRACT.md §13) ------------------------------------


@pytest.fixture
def soft() -> Any:
    """The software authenticator's class; skips without the webauthn extra."""
    pytest.importorskip("webauthn", reason="the webauthn extra is not installed")
    from tests.webauthn_authenticator import SoftAuthenticator

    return SoftAuthenticator


def key_url(pk: Any) -> str:
    return KEY.replace("{id}", str(pk))


@needs_webauthn
def test_webauthn_bodies_are_named_as_webauthn_names_them(schema):
    """The browser's JSON (`toJSON()`) and the options, by their WebAuthn L3 names:
    objects that admit more members, with what this server reads or always sends."""
    components = schema["components"]["schemas"]
    for name, response_keys in [
        ("AuthenticationResponseJSON", {"clientDataJSON", "authenticatorData", "signature"}),
        ("RegistrationResponseJSON", {"clientDataJSON", "attestationObject"}),
    ]:
        credential = components[name]
        assert credential["type"] == "object"
        assert credential["additionalProperties"] is True
        assert set(credential["required"]) == {"id", "rawId", "type", "response"}
        assert "PublicKeyCredential.toJSON()" in credential["description"]
        response = credential["properties"]["response"]
        assert set(response["required"]) == response_keys
        assert response["additionalProperties"] is True

    register = body_schema(schema, REGISTER, "post")
    assert register["required"] == ["credential"]
    assert (
        resolve(schema, register["properties"]["credential"])
        is components["RegistrationResponseJSON"]
    )
    assert register["properties"]["name"]["type"] == "string"
    assert register["properties"]["name"]["maxLength"] == 64
    assert set(schema["paths"][REGISTER]["post"]["requestBody"]["content"]) == {JSON}
    rename = body_schema(schema, KEY, "patch")  # the whole body: `name` is required
    assert rename["required"] == ["name"]
    for path, method in [
        (REGISTER_OPTIONS, "post"),
        (AUTHENTICATE_OPTIONS, "post"),
        (KEYS, "get"),
        (KEY, "delete"),
    ]:
        assert "requestBody" not in schema["paths"][path][method], path

    def success(path: str, method: str, status: str = "200") -> dict[str, Any]:
        content = schema["paths"][path][method]["responses"][status]["content"]
        return resolve(schema, content[JSON]["schema"])

    creation = success(REGISTER_OPTIONS, "post")
    assert creation is components["PublicKeyCredentialCreationOptionsJSON"]
    assert {"rp", "user", "challenge", "pubKeyCredParams", "excludeCredentials"} <= set(
        creation["required"]
    )
    request = success(AUTHENTICATE_OPTIONS, "post")
    assert request is components["PublicKeyCredentialRequestOptionsJSON"]
    assert {"challenge", "rpId", "allowCredentials", "userVerification"} <= set(request["required"])
    key = {"id", "name", "created_at", "last_used_at"}
    registered = success(REGISTER, "post", "201")
    assert set(registered["required"]) == key
    assert set(registered["properties"]) == key | {"recovery_codes", "access", "refresh"}
    assert registered["properties"]["last_used_at"]["nullable"] is True
    listed = success(KEYS, "get")
    assert set(resolve(schema, listed["items"])["required"]) == key
    assert "content" not in schema["paths"][KEY]["delete"]["responses"]["204"]


def test_status_names_the_methods(schema):
    """`methods`: an array of one named enum, `totp` and `webauthn`."""
    content = schema["paths"][STATUS]["get"]["responses"]["200"]["content"]
    status = resolve(schema, content[JSON]["schema"])
    assert set(status["required"]) == {"enabled", "recovery_codes_remaining", "methods"}
    methods = status["properties"]["methods"]
    assert methods["type"] == "array"
    assert resolve(schema, methods["items"])["enum"] == ["totp", "webauthn"]


def test_the_wrong_answer_of_a_key_is_documented_on_its_field(schema):
    """A 400 of an endpoint that reads `credential` may name that field."""
    for path, method in [(p, "post") for p in CODE_ENDPOINTS]:
        bad = schema["paths"][path][method]["responses"]["400"]
        body = resolve(schema, bad["content"][JSON]["schema"])
        fields = resolve(schema, body["properties"]["errors"])
        assert {"code", "credential"} <= set(fields["properties"]), path
        if path in KEY_ENDPOINTS and webauthn.available():
            assert "`credential`" in bad["description"], path


@needs_webauthn
def test_security_key_flow_matches_the_schema(schema, plain, api, clock, soft):
    """Register, list, rename, log in, step up, new codes, delete, turn off: every
    request body the schema admits, every answer the one it documents."""

    def answer(
        path: str, method: str = "post", data: Any = None, *, token: str, status: int = 200
    ) -> Any:
        if data is not None:
            sends(schema, path, method, data)
        response = getattr(api, method)(path, data, format="json", **bearer(token))
        assert conforms(schema, path, method, response) == status, response.content
        return response

    blue, red = soft(), soft()
    options = answer(REGISTER_OPTIONS, token=plain.tokens["access"]).json()
    credential = blue.register(options)
    first = answer(
        REGISTER,
        data={"credential": credential, "name": "Blue key"},
        token=plain.tokens["access"],
        status=201,
    ).json()
    assert {"recovery_codes", "access", "refresh"} <= set(first)  # 2FA was off
    full = first["access"]
    assert answer(STATUS, "get", token=full).json()["methods"] == ["webauthn"]
    options = answer(REGISTER_OPTIONS, token=full).json()
    second = answer(
        REGISTER, data={"credential": red.register(options)}, token=full, status=201
    ).json()
    assert set(second) == {"id", "name", "created_at", "last_used_at"}  # 2FA was on
    assert len(answer(KEYS, "get", token=full).json()) == 2
    answer(key_url(first["id"]), "patch", data={"name": "Red key"}, token=full)

    clock.shift(60)
    pending = log_in(api)["pending_token"]
    options = answer(AUTHENTICATE_OPTIONS, token=pending).json()
    body = {"credential": blue.authenticate(options)}
    authed = answer(AUTHENTICATE, data=body, token=pending).json()
    mfa = authed["access"]
    for path in (VERIFY, RECOVERY_CODES):
        options = answer(AUTHENTICATE_OPTIONS, token=mfa).json()
        answer(path, data={"credential": red.authenticate(options)}, token=mfa)
    answer(key_url(second["id"]), "delete", token=mfa, status=204)
    options = answer(AUTHENTICATE_OPTIONS, token=mfa).json()
    answer(TURN_OFF, data={"credential": blue.authenticate(options)}, token=mfa, status=204)


@needs_webauthn
def test_security_key_errors_match_the_schema(schema, keyed, api, clock, soft, monkeypatch):
    """400, 401, 403, 404, 409, 413, 415 and 429 of the keys' endpoints, as documented."""
    mfa = bearer(keyed.tokens["access"])
    no_mfa = bearer(full_tokens(keyed.user, ["pwd"])["access"])

    def status(path: str, method: str = "post", data: Any = None, **extra: Any) -> int:
        response = getattr(api, method)(path, data, format="json", **extra)
        return conforms(schema, path, method, response)

    def registration(token: dict[str, str]) -> dict[str, Any]:
        options = api.post(REGISTER_OPTIONS, format="json", **token).json()
        return {"credential": soft().register(options)}

    everything = [
        (KEYS, "get"),
        (key_url(keyed.key_id), "patch"),
        (key_url(keyed.key_id), "delete"),
        (REGISTER_OPTIONS, "post"),
        (REGISTER, "post"),
        (AUTHENTICATE_OPTIONS, "post"),
    ]
    for path, method in everything:
        assert status(path, method) == 401, path
        if path != AUTHENTICATE_OPTIONS:  # the one that takes a token without `mfa`
            assert status(path, method, {"name": "x"}, **no_mfa) == 403, path
    assert status(key_url(keyed.key_id + 1), "patch", {"name": "x"}, **mfa) == 404
    assert status(key_url(keyed.key_id + 1), "delete", **mfa) == 404
    assert status(key_url(keyed.key_id), "patch", {"name": "x" * 65}, **mfa) == 400
    assert status(key_url(keyed.key_id), "patch", {}, **mfa) == 400
    assert status(REGISTER, data={}, **mfa) == 400
    assert status(REGISTER, data={"credential": "junk", "name": "x" * 65}, **mfa) == 400
    spent = registration(mfa)
    assert status(REGISTER, data=spent, **mfa) == 201
    assert status(REGISTER, data=spent, **mfa) == 400  # its challenge is spent
    not_json = api.post(REGISTER, "{not json", content_type=JSON, **mfa)
    assert conforms(schema, REGISTER, "post", not_json) == 400
    assert not_json.json()["code"] == "parse_error"
    for path, method in [(REGISTER, "post"), (key_url(keyed.key_id), "patch")]:
        as_text = getattr(api, method)(path, "name=x", content_type="text/plain", **mfa)
        assert conforms(schema, path, method, as_text) == 415
        big = b" " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
        too_large = getattr(api, method)(path, big, content_type=JSON, **mfa)
        assert conforms(schema, path, method, too_large) == 413

    pending = bearer(log_in(api)["pending_token"])
    malformed = {"credential": {"id": "x"}}
    both = {
        "code": "123456",
        "credential": keyed.authenticator.authenticate(
            api.post(AUTHENTICATE_OPTIONS, format="json", **pending).json()
        ),
    }
    with pytest.raises(JSONSchemaError):  # the schema says one of them, never both
        sends(schema, AUTHENTICATE, "post", both)
    for body in (malformed, both):
        response = api.post(AUTHENTICATE, body, format="json", **pending)
        assert conforms(schema, AUTHENTICATE, "post", response) == 400
        assert list(response.json()["errors"]) == ["credential"]
        assert response.json()["code"] == "malformed_credential"

    locked = {"two_factor_locked_until": timezone.now() + timedelta(minutes=1)}
    get_user_model().objects.filter(pk=keyed.user.pk).update(**locked)
    assert status(REGISTER, data=registration(mfa), **mfa) == 429
    blocked = {"two_factor_failed_attempts": twofactor_settings.FAILURE_LIMIT}
    get_user_model().objects.filter(pk=keyed.user.pk).update(**blocked)
    refused = api.post(REGISTER, registration(mfa), format="json", **mfa)
    assert conforms(schema, REGISTER, "post", refused) == 403
    assert refused.json()["code"] == "two_factor_blocked"

    bob = bearer(log_in(api, make_user("bob").username)["access"])  # 2FA off
    refused = api.post(AUTHENTICATE_OPTIONS, format="json", **bob)
    assert conforms(schema, AUTHENTICATE_OPTIONS, "post", refused) == 409
    assert refused.json()["code"] == "two_factor_not_enabled"
    with monkeypatch.context() as patched:  # another request turned 2FA on meanwhile
        patched.setattr(attempts, "switch_on", lambda user: False)
        raced = api.post(REGISTER, registration(bob), format="json", **bob)
    assert conforms(schema, REGISTER, "post", raced) == 409
    assert raced.json()["code"] == "two_factor_already_enabled"
    secret = api.post(GENERATE, format="json", **bob).json()["secret"]
    turned_on = api.post(TURN_ON, totp(secret), format="json", **bob)
    assert turned_on.status_code == 200, turned_on.content
    totp_only = bearer(turned_on.json()["access"])
    refused = api.post(AUTHENTICATE_OPTIONS, format="json", **totp_only)
    assert conforms(schema, AUTHENTICATE_OPTIONS, "post", refused) == 409
    assert refused.json()["code"] == "two_factor_no_security_key"


@needs_webauthn
def test_a_security_key_can_trust_the_device(schema, keyed, api, settings):
    """`credential` and `trust_device` together: the key's shape admits both."""
    settings.TWO_FACTOR = {**settings.TWO_FACTOR, "TRUSTED_DEVICE_LIFETIME": LIFETIME}
    pending = bearer(log_in(api)["pending_token"])
    options = api.post(AUTHENTICATE_OPTIONS, format="json", **pending).json()
    body = {
        "credential": keyed.authenticator.authenticate(options),
        "trust_device": True,
        "device_name": "Phone",
    }
    trusted = api.post(
        AUTHENTICATE, sends(schema, AUTHENTICATE, "post", body), format="json", **pending
    )
    assert conforms(schema, AUTHENTICATE, "post", trusted) == 200
    token = trusted.json()["device_token"]
    body = {"username": "alice", "password": PASSWORD, "device_token": token}
    login = api.post(LOGIN, sends(schema, LOGIN, "post", body), format="json")
    assert conforms(schema, LOGIN, "post", login) == 200
    assert login.json()["two_factor_required"] is False


@needs_webauthn
def test_security_key_challenges_match_the_schema(schema, keyed, api, clock, soft):
    """Registering or deleting a key with a login over 5 minutes old: the challenge;
    a security key's answer at `2fa/verify/` is the remedy."""
    recent = int(twofactor_settings.RECENT_AUTHENTICATION.total_seconds())
    clock.shift(recent + 1)
    refreshed = api.post(REFRESH, {"refresh": keyed.tokens["refresh"]}, format="json")
    old = bearer(refreshed.json()["access"])
    for path, method in [
        (REGISTER_OPTIONS, "post"),
        (REGISTER, "post"),
        (key_url(keyed.key_id), "delete"),
    ]:
        challenged = getattr(api, method)(path, {}, format="json", **old)
        assert conforms(schema, path, method, challenged) == 401, path
        assert is_challenge(challenged, recent), path

    options = api.post(AUTHENTICATE_OPTIONS, format="json", **old).json()
    body = {"credential": keyed.authenticator.authenticate(options)}
    verified = api.post(VERIFY, sends(schema, VERIFY, "post", body), format="json", **old)
    assert conforms(schema, VERIFY, "post", verified) == 200
    fresh = bearer(verified.json()["access"])
    deleted = api.delete(key_url(keyed.key_id), **fresh)
    assert conforms(schema, KEY, "delete", deleted) == 204


@needs_webauthn
def test_required_enrolment_leaves_key_registration_open(schema, plain, api, settings, soft):
    """REQUIRED: the keys' list and registration stay open; renaming and deleting do not."""
    settings.TWO_FACTOR = {**settings.TWO_FACTOR, "REQUIRED": "all"}
    token = bearer(log_in(api)["access"])
    assert conforms(schema, KEYS, "get", api.get(KEYS, **token)) == 200
    options = api.post(REGISTER_OPTIONS, format="json", **token)
    assert conforms(schema, REGISTER_OPTIONS, "post", options) == 200
    for method in ("patch", "delete"):
        response = getattr(api, method)(key_url(1), {"name": "x"}, format="json", **token)
        assert conforms(schema, KEY, method, response) == 403
        assert response.json()["code"] == "two_factor_setup_required"
    registered = api.post(
        REGISTER, {"credential": soft().register(options.json())}, format="json", **token
    )
    assert conforms(schema, REGISTER, "post", registered) == 201


def test_docs_are_public_and_offline(client):
    """Swagger UI loads with no token (even a junk one) and only local assets, no CDN."""
    response = client.get("/api/docs/", HTTP_AUTHORIZATION="Bearer junk")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert not re.search(r"(https?:)?//[\w.-]+\.\w+/", html), "an absolute URL in the docs page"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    static = "/" + settings.STATIC_URL.lstrip("/")
    for asset in assets:
        assert asset.startswith(static), asset
        assert finders.find(asset[len(static) :]), f"{asset} is not a local static file"
    assert '"/api/schema/"' in html


def test_schema_endpoint_is_public(client):
    """The project's default permission does not apply: a junk token is ignored too."""
    response = client.get("/api/schema/", {"format": "json"}, HTTP_AUTHORIZATION="Bearer junk")
    assert response.status_code == 200
    assert json.loads(response.content)["paths"]


def test_package_imports_without_drf_spectacular():
    """The extra is optional: without drf-spectacular the app loads and skips schema.py."""
    script = textwrap.dedent(
        """
        import sys
        sys.modules["drf_spectacular"] = None  # as if not installed
        import django
        from django.conf import settings
        settings.configure(
            INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes",
                            "rest_framework", "django_twofactor"],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            SECRET_KEY="x" * 50,
        )
        django.setup()
        import django_twofactor.urls, django_twofactor.views
        assert "django_twofactor.schema" not in sys.modules
        print("ok")
        """
    )
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-c", script]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_schema_without_the_webauthn_extra(tmp_path):
    """Without py_webauthn the keys' routes are absent, and so are they from the
    schema; a code body takes the code alone. No warning either way."""
    out = tmp_path / "schema.json"
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["webauthn"] = None  # as if not installed
        import django
        django.setup()
        from django.core.management import call_command
        call_command("spectacular", "--validate", "--fail-on-warn", "--format",
                     "openapi-json", "--file", {str(out)!r})
        """
    )
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-c", script]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    env["PYTHONPATH"] = os.pathsep.join([str(root), str(root / "example_project")])
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    generated = json.loads(out.read_text())
    validate_spec(generated)
    assert set(generated["paths"]) == {path for path, _ in EXPECTED} - {
        path for path, _ in WEBAUTHN_EXPECTED
    }
    for path in CODE_ENDPOINTS:
        content = generated["paths"][path]["post"]["requestBody"]["content"]
        assert set(content) == {JSON}, path
        assert "credential" not in resolve(generated, content[JSON]["schema"])["properties"]
