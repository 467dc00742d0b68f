"""The OpenAPI schema (drf-spectacular extra): valid, complete, and true to the API."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("drf_spectacular", reason="the openapi extra is not installed")

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from drf_spectacular.drainage import reset_generator_stats
from drf_spectacular.validation import validate_schema
from openapi_schema_validator import OAS30Validator
from openapi_schema_validator import validate as validate_body
from openapi_spec_validator import validate as validate_spec

from django_twofactor import services
from django_twofactor.conf import twofactor_settings
from django_twofactor.tokens import full_tokens, pending_token
from tests.conftest import PASSWORD, bearer, code_at, log_in, make_user, wrong_code

JSON = "application/json"
LOGIN, REFRESH, ME = "/api/auth/login/", "/api/auth/refresh/", "/api/me/"
LOGOUT = "/api/auth/logout/"
STATUS, AUTHENTICATE = "/api/auth/2fa/", "/api/auth/2fa/authenticate/"
GENERATE, TURN_ON = "/api/auth/2fa/generate/", "/api/auth/2fa/turn-on/"
TURN_OFF, RECOVERY_CODES = "/api/auth/2fa/turn-off/", "/api/auth/2fa/recovery-codes/"
VERIFY, PAYOUT = "/api/auth/2fa/verify/", "/api/payout/"
CHALLENGE = "insufficient_user_authentication"

# CONTRACT.md §5: every status each endpoint can answer, and no other.
# A body of another media type is a 415 wherever a body is read; generate's
# content negotiation answers 406 to a format it does not offer.
EXPECTED = {
    (LOGIN, "post"): {"200", "400", "401", "413", "415"},
    (REFRESH, "post"): {"200", "400", "401", "413", "415"},
    (LOGOUT, "post"): {"204", "400", "401", "413", "415"},
    (STATUS, "get"): {"200", "401", "403"},
    (AUTHENTICATE, "post"): {"200", "400", "401", "403", "409", "413", "415", "429"},
    (VERIFY, "post"): {"200", "400", "401", "403", "409", "413", "415", "429"},
    (GENERATE, "post"): {"200", "401", "403", "406", "409"},
    (TURN_ON, "post"): {"200", "400", "401", "403", "409", "413", "415", "429"},
    (TURN_OFF, "post"): {"204", "400", "401", "403", "409", "413", "415", "429"},
    (RECOVERY_CODES, "post"): {"200", "400", "401", "403", "409", "413", "415", "429"},
    (ME, "get"): {"200", "401", "403"},
    (PAYOUT, "post"): {"202", "401", "403"},
}
CODE_ENDPOINTS = [AUTHENTICATE, VERIFY, TURN_ON, TURN_OFF, RECOVERY_CODES]
# CONTRACT.md §10: RFC 9470's 401 challenge, from turn-on's recent-authentication
# rule and from TwoFactorRequired.max_age (the example's payout).
CHALLENGED = {(TURN_ON, "post"), (PAYOUT, "post")}


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


def conforms(schema: dict[str, Any], path: str, method: str, response: Any) -> int:
    """The status, media type, headers and body are the documented ones."""
    documented = schema["paths"][path.partition("?")[0]][method]["responses"]
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
    """Each body names the fields the serializers read, all required strings."""
    expected = {
        LOGIN: {"username", "password"},
        REFRESH: {"refresh"},
        **{path: {"code"} for path in CODE_ENDPOINTS},
    }
    for path, fields in expected.items():
        body = body_schema(schema, path, "post")
        assert set(body["properties"]) == fields, path
        assert set(body["required"]) == fields, path
        assert all(body["properties"][f]["type"] == "string" for f in fields)
    logout = body_schema(schema, LOGOUT, "post")
    assert logout["required"] == ["refresh"]
    assert logout["properties"]["everywhere"]["type"] == "boolean"
    for path, method in [(GENERATE, "post"), (STATUS, "get"), (ME, "get"), (PAYOUT, "post")]:
        assert "requestBody" not in schema["paths"][path][method]
    code = {
        p: body_schema(schema, p, "post")["properties"]["code"]["description"]
        for p in CODE_ENDPOINTS
    }
    assert "recovery code" in code[AUTHENTICATE]
    assert "recovery code" in code[VERIFY]
    assert "recovery code" in code[TURN_OFF]
    assert "recovery" not in code[TURN_ON]
    assert "recovery" not in code[RECOVERY_CODES]


def test_errors_are_json_with_detail_and_code(schema):
    """401/403/406/409/415/429 bodies promise `detail` and `code`; a 429 promises Retry-After."""
    for (path, method), codes in EXPECTED.items():
        responses = schema["paths"][path][method]["responses"]
        for status in codes & {"401", "403", "406", "409", "413", "415", "429"}:
            content = responses[status]["content"]
            assert set(content) == {JSON}, (path, status)
            for error in shapes_of(schema, content[JSON]["schema"]):
                assert {"detail", "code"} <= set(error["required"]), (path, status)
        if "429" in codes:
            assert responses["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
        if "400" in codes:
            bad = resolve(schema, responses["400"]["content"][JSON]["schema"])
            shapes = [resolve(schema, shape) for shape in bad["oneOf"]]
            assert any(s.get("required") == ["code", "detail"] for s in shapes), path


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


def test_security_schemes(schema):
    """Authenticate takes the pending token alone; the others a full JWT; login none."""
    schemes = schema["components"]["securitySchemes"]
    assert schemes["pendingToken"]["type"] == "http"
    assert schemes["pendingToken"]["scheme"] == "bearer"
    assert "pending token" in schemes["pendingToken"]["description"]
    assert schemes["jwtAuth"]["scheme"] == "bearer"
    for path, method in EXPECTED:
        security = schema["paths"][path][method].get("security", [])
        if path == AUTHENTICATE:
            assert security == [{"pendingToken": []}]
        elif path in (LOGIN, REFRESH, LOGOUT):
            assert all(requirement == {} for requirement in security), path
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
    """Turn-on and payout: a 401 that is a token error or RFC 9470's challenge, whose
    header is documented; nowhere else, so a client knows where to expect it."""
    for (path, method), codes in EXPECTED.items():
        if "401" not in codes:
            continue
        unauthorized = schema["paths"][path][method]["responses"]["401"]
        shapes = shapes_of(schema, unauthorized["content"][JSON]["schema"])
        challenges = [s for s in shapes if "max_age" in s["properties"]]
        if (path, method) not in CHALLENGED:
            assert not challenges, path
            assert "headers" not in unauthorized, path
            assert CHALLENGE not in unauthorized["description"], path
            continue
        assert CHALLENGE in unauthorized["description"], path
        header = unauthorized["headers"]["WWW-Authenticate"]
        assert header["required"] is True
        assert header["schema"]["type"] == "string"
        assert CHALLENGE in header["description"]
        (challenge,) = challenges
        assert set(challenge["required"]) == {"detail", "code", "max_age"}
        assert challenge["properties"]["max_age"]["type"] == "integer"
        (token_error,) = [s for s in shapes if s is not challenge]
        assert token_error["additionalProperties"] is False  # so one shape matches a body


def test_forbidden_says_which_codes_it_can_be(schema):
    """A 403 names each code the view can answer with, and no other."""
    setup_open = {STATUS, GENERATE, TURN_ON}  # `two_factor_setup_allowed`
    code_checks = {AUTHENTICATE, VERIFY, TURN_ON, TURN_OFF, RECOVERY_CODES}
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
    for path, method in [(ME, "get"), (VERIFY, "post"), (TURN_OFF, "post"), (PAYOUT, "post")]:
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
