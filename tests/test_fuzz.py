"""Property tests: the code parsers are total, and no body breaks an endpoint.

Hypothesis sends arbitrary JSON and arbitrary bytes to every POST endpoint
with the credential it takes. The contract: never a 5xx, and a refused
request changes nothing but the failure counter and the lock that follows it.
"""

from __future__ import annotations

import codecs
import encodings.aliases
import json
import string
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from django_twofactor.conf import twofactor_settings
from django_twofactor.methods.recovery import codes as recovery
from django_twofactor.methods.totp import algorithm as totp
from django_twofactor.models import RecoveryCode
from django_twofactor.parsers import NOT_CHARSETS
from tests.conftest import bearer, code_at, log_in
from tests.test_api_robustness import ENDPOINTS, Endpoint, check_answer, watch_parsers

# Characters that sit near the edges of the formats: other digits that
# str.isdigit() accepts, whitespace that is not a space, letters whose
# lower() is ASCII although they are not (Kelvin sign, long s).
AWKWARD = "0123456789 -abcdefghijklmnopqrstuvwxyz234567ABZ\t\n\u00a0\u0663\u00b2\uff10\u212a\u017f"
texts = st.text() | st.text(alphabet=st.sampled_from(AWKWARD))
six_digits = st.text(alphabet=string.digits, min_size=6, max_size=6)
code_like = st.one_of(
    six_digits,
    st.tuples(six_digits, st.integers(0, 6)).map(lambda d: d[0][: d[1]] + " " + d[0][d[1] :]),
    st.text(alphabet=recovery.ALPHABET + recovery.ALPHABET.upper(), min_size=10, max_size=10).map(
        lambda c: f"{c[:5]}-{c[5:]}"
    ),
    st.from_regex(r"[0-9a-z2-7 -]{5,12}", fullmatch=True),
)

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)
keyed_bodies = st.dictionaries(
    st.sampled_from(["code", "username", "password", "refresh"]),
    json_values | code_like | texts,
    min_size=1,
)
json_bodies = st.one_of(st.fixed_dictionaries({"code": code_like}), keyed_bodies, json_values)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-16",
        "application/json; charset=no-such-codec",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/plain",
    ]
)

# Every endpoint of django_twofactor.urls, with the credential its view takes.
endpoints = pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.id)
ALLOWED_TO_CHANGE = {"two_factor_failed_attempts", "two_factor_locked_until"}
FUZZ = settings(
    max_examples=60,
    suppress_health_check=[
        *settings.default.suppress_health_check,
        HealthCheck.function_scoped_fixture,  # send() unlocks the user after each example
    ],
)


@given(texts, st.sampled_from([6, 8]))
def test_parse_code_is_total_and_exact(value, digits):
    """Either exactly ``digits`` ASCII digits (the input without spaces) or None."""
    parsed = totp.parse_code(value, digits)
    stripped = value.replace(" ", "")
    if len(stripped) == digits and all(c in string.digits for c in stripped):
        assert parsed == stripped
    else:
        assert parsed is None


@given(texts)
def test_recovery_normalize_is_total_and_exact(value):
    """Either the ten alphabet characters (lower case, no dashes or spaces) or None."""
    normalized = recovery.normalize(value)
    compact = value.replace("-", "").replace(" ", "")
    if (
        value.isascii()
        and len(compact) == recovery.LENGTH
        and all(c in recovery.ALPHABET for c in compact.lower())
    ):
        assert normalized == compact.lower()
    else:
        assert normalized is None


@given(st.lists(st.sampled_from(["-", " ", "upper"]), max_size=3))
def test_generated_recovery_codes_survive_retyping(edits):
    """A shown code still matches when retyped upper case, without or with other separators."""
    code = recovery.new_code()
    typed = code
    for edit in edits:
        typed = typed.upper() if edit == "upper" else typed.replace("-", edit)
    assert recovery.normalize(typed) == code.replace("-", "")


@pytest.fixture
def target(enabled, api):
    """The ``enabled`` user and a credential for each kind of endpoint."""
    enabled.tokens["pending"] = log_in(api)["pending_token"]
    enabled.tokens["full"] = enabled.tokens["access"]
    return enabled


@pytest.fixture
def reads(monkeypatch) -> list[Any]:
    """What the package's parsers did with the body (see tests/test_api_robustness.py)."""
    return watch_parsers(monkeypatch)


def state(user: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    row = get_user_model().objects.filter(pk=user.pk).values().get()
    codes = list(RecoveryCode.objects.filter(user=user).order_by("pk").values())
    return {k: v for k, v in row.items() if k not in ALLOWED_TO_CHANGE}, codes


def valid_codes(account: Any) -> set[str]:
    """Every code the account would accept now: the TOTP window and its recovery codes."""
    params = totp.TotpParameters.from_settings()
    now = time.time()
    window = range(-params.valid_window, params.valid_window + 1)
    return {code_at(account.secret, now + k * params.period) for k in window} | {
        recovery.canonical(c) for c in account.recovery_codes
    }


def could_be_valid(body: Any, account: Any) -> bool:
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        return False
    code = body["code"]
    parsed = totp.parse_code(code, twofactor_settings.DIGITS) or recovery.normalize(code)
    return parsed in valid_codes(account)


def could_hold_valid(raw: bytes, account: Any) -> bool:
    """Lenient: any valid code among the body's letters and digits, however encoded."""
    compact = "".join(c for c in raw.decode("latin-1").lower() if c.isascii() and c.isalnum())
    return any(code in compact for code in valid_codes(account))


def send(
    endpoint: Endpoint,
    account: Any,
    data: bytes,
    content_type: str,
    reads: list[Any],
    *,
    credential: bool = True,
) -> None:
    """Send, then check: a JSON answer, never a 5xx, a body read is refused, and
    nothing changed but the counter."""
    headers = (
        bearer(account.tokens[endpoint.credential]) if credential and endpoint.credential else {}
    )
    before = state(account.user)
    reads.clear()
    response = APIClient().generic(
        endpoint.method, endpoint.url, data, content_type=content_type, **headers
    )
    event(f"status {response.status_code}")  # see --hypothesis-show-statistics
    if reads:
        event(f"parser: {reads[-1].get_codes() if reads[-1] else 'parsed'}")
    check_answer(response, reads)
    assert state(account.user) == before, (response.status_code, data, response.content)
    if get_user_model().objects.get(pk=account.user.pk).two_factor_failed_attempts:
        event("counted as a wrong code")
    # Each example starts unlocked, so every one reaches the code check.
    get_user_model().objects.filter(pk=account.user.pk).update(
        two_factor_failed_attempts=0, two_factor_locked_until=None
    )


@endpoints
@FUZZ
@given(body=json_bodies)
def test_json_bodies_never_break_an_endpoint(endpoint, body, target, reads):
    """Any JSON value, the endpoint's own keys included: a 4xx at worst, and no state change."""
    assume(not could_be_valid(body, target))
    send(endpoint, target, json.dumps(body).encode("utf-8"), "application/json", reads)


@endpoints
@FUZZ
@given(raw=st.binary(max_size=200), content_type=content_types)
@example(raw=b"[" * 50_000, content_type="application/json")  # RecursionError in json
@example(  # NUL characters: PostgreSQL refuses them in text
    raw=(
        b'{"code": "12\\u0000456", "username": "a\\u0000", '
        b'"password": "\\u0000", "refresh": "\\u0000"}'
    ),
    content_type="application/json",
)
def test_byte_bodies_never_break_an_endpoint(endpoint, raw, content_type, target, reads):
    """Any bytes under any content type: the parsers answer 400 or 415, never 500."""
    assume(not could_hold_valid(raw, target))
    send(endpoint, target, raw, content_type, reads)


# Any charset, any media type, any body -------------------------------------------


def is_charset(name: str) -> bool:
    try:
        codec = codecs.lookup(name)
    except LookupError:
        return False
    return codec._is_text_encoding and codec.name not in NOT_CHARSETS


ALIASES = sorted(set(encodings.aliases.aliases) | set(encodings.aliases.aliases.values()))
CHARSETS = [name for name in ALIASES if is_charset(name)]
# zlib, base64, hex, rot13, uu, bz2, quopri…; the escape and domain-name codecs;
# and names of codecs this platform lacks (mbcs).
NOT_CHARSET_CODECS = [name for name in ALIASES if not is_charset(name)] + sorted(NOT_CHARSETS)

# What a header may hold: no control characters, and no ``*`` (an RFC 2231
# parameter in an unknown charset fails in Django's request constructor,
# before any view: Django ticket #36991).
header_text = st.text(
    alphabet=st.characters(codec="latin-1", exclude_categories=["Cc"], exclude_characters='*;"\\'),
    max_size=20,
)


def mostly(common: Any, rare: Any) -> Any:
    """``common`` seven times in ten: most bodies should reach a parser."""
    return st.integers(0, 9).flatmap(lambda n: common if n < 7 else rare)


declared_charsets = mostly(
    st.sampled_from(CHARSETS), st.sampled_from(NOT_CHARSET_CODECS) | header_text
)
media_types = mostly(
    st.sampled_from(["application/json", "application/x-www-form-urlencoded"]),
    st.sampled_from(["multipart/form-data; boundary=x", "text/plain", ""])
    | st.from_regex(r"[a-z]{1,8}/[a-z0-9.+-]{1,12}", fullmatch=True),
)


@st.composite
def content_type_headers(draw: Any) -> str:
    media_type = draw(media_types)
    style = draw(st.sampled_from(["none", "plain", "quoted"]))
    if style == "none":
        return str(media_type)
    charset = draw(declared_charsets)
    return (
        f"{media_type}; charset={charset}"
        if style == "plain"
        else f'{media_type}; charset="{charset}"'
    )


field_names = st.sampled_from(["code", "username", "password", "refresh", "everywhere"]) | texts
fields = st.dictionaries(field_names, code_like | texts | json_values, max_size=4)
documents = st.one_of(
    fields.map(json.dumps),
    fields.map(lambda d: json.dumps(d, ensure_ascii=False)),
    fields.map(lambda d: urlencode({k: str(v) for k, v in d.items()})),
    json_values.map(json.dumps),
    texts,
)


def encoded(document: str, charset: str) -> tuple[str, bytes]:
    try:
        return document, document.encode(charset, "replace")
    except (UnicodeError, LookupError):  # a codec without "replace", or stateful
        return document, document.encode("utf-8")


# (the text a body was made from, the bytes sent)
any_bodies = st.one_of(
    st.binary(max_size=300).map(lambda raw: ("", raw)),
    st.tuples(documents, st.sampled_from(CHARSETS)).map(lambda t: encoded(*t)),
)
FEW = settings(FUZZ, max_examples=50)


@endpoints
@FEW
@given(
    body=any_bodies,
    content_type=content_type_headers(),
    credential=mostly(st.just(True), st.just(False)),
)
@example(  # the report: punycode and idna forms were a 500 and an HTML 400
    body=("", b"code=%41&username=a&password=b&refresh=c"),
    content_type="application/x-www-form-urlencoded; charset=punycode",
    credential=True,
)
@example(
    body=("", b"code=%41&username=a&password=b&refresh=c"),
    content_type="application/x-www-form-urlencoded; charset=idna",
    credential=True,
)
@example(
    body=("", b"x\x9c\x03\x00"), content_type="application/json; charset=zlib", credential=True
)
@example(body=("", b"{}"), content_type="application/json; charset=", credential=True)
def test_any_charset_media_type_and_body(endpoint, body, content_type, credential, target, reads):
    """With and without the endpoint's credential: a JSON 4xx ``{"detail", "code"}``
    (a validation error's messages under ``errors``) wherever the body is read,
    never a 5xx, and nothing changed but the failure counter."""
    text, raw = body
    assume(not could_hold_valid(raw, target))
    assume(not could_hold_valid(text.encode("utf-8"), target))
    send(endpoint, target, raw, content_type, reads, credential=credential)
