"""``django_twofactor.parsers``: every body is data or a 4xx, never a 500.

The charset, the size and the number of form fields are checked here, one
parser call at a time; tests/test_api_robustness.py and tests/test_fuzz.py
send the same bodies over HTTP to every endpoint.
"""

from __future__ import annotations

import codecs
import encodings.aliases
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import QueryDict
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.exceptions import APIException, ParseError, UnsupportedMediaType

from django_twofactor.exceptions import RequestTooLarge, TooManyFields, UnsupportedCharset
from django_twofactor.parsers import (
    NOT_CHARSETS,
    SafeFormParser,
    SafeJSONParser,
    charset_of,
    read_body,
)
from tests.conftest import bearer

DEPTH = 100_000
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

# Codecs Python has that no body may declare: bytes-to-bytes or str-to-str
# transforms, escape codecs, the domain-name codecs, and the one that always fails.
NOT_TEXT = ["zlib", "base64", "hex", "rot13", "uu", "bz2", "quopri"]
PSEUDO = ["idna", "punycode", "unicode_escape", "raw_unicode_escape", "undefined"]
UNKNOWN = ["no-such-charset", "", "utf\x008", "x" * 500]
REAL = sorted(set(encodings.aliases.aliases) | set(encodings.aliases.aliases.values()))


def nested_list(depth: int = DEPTH) -> bytes:
    return b"[" * depth + b"]" * depth


def nested_dict(depth: int = DEPTH) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def parse(body: bytes, media_type: str = JSON) -> Any:
    return SafeJSONParser().parse(io.BytesIO(body), media_type, {})


def parse_form(body: bytes, media_type: str = FORM) -> QueryDict:
    return SafeFormParser().parse(io.BytesIO(body), media_type, {})


def is_charset(name: str) -> bool:
    try:
        codec = codecs.lookup(name)
    except (LookupError, ValueError):
        return False
    return codec._is_text_encoding and codec.name not in NOT_CHARSETS


# JSON nesting ------------------------------------------------------------------


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
    with pytest.raises(ParseError) as raised:
        parse(b'{"code": ')
    assert str(raised.value.detail).startswith("JSON parse error - ")


def test_nan_is_refused_as_drf_refuses_it():
    with pytest.raises(ParseError):
        parse(b'{"code": NaN}')


def test_nan_passes_where_strict_json_is_off():
    class Lenient(SafeJSONParser):
        strict = False

    body = Lenient().parse(io.BytesIO(b'{"n": NaN}'), JSON, {})
    assert body["n"] != body["n"]


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


# Charsets ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("media_type", "expected"),
    [
        ("application/json; charset=latin-1", "latin-1"),
        ('application/json; charset="UTF-16"', "UTF-16"),
        ("application/json;charset=utf-8;x=y", "utf-8"),
    ],
)
def test_the_declared_charset_is_the_one_used(media_type, expected):
    assert charset_of(media_type, {"encoding": "utf-8"}) == expected


def test_without_a_charset_the_requests_encoding_is_used():
    assert charset_of(JSON, {"encoding": "latin-1"}) == "latin-1"


@pytest.mark.parametrize("media_type", [JSON, None])
def test_without_either_it_is_default_charset(settings, media_type):
    settings.DEFAULT_CHARSET = "iso-8859-2"
    assert charset_of(media_type, {}) == "iso-8859-2"


@pytest.mark.parametrize("charset", NOT_TEXT + PSEUDO + UNKNOWN)
def test_what_is_not_a_charset_is_a_415_naming_it(charset):
    with pytest.raises(UnsupportedCharset) as raised:
        charset_of(f"{JSON}; charset={charset}", {"encoding": "utf-8"})
    error = raised.value
    assert isinstance(error, UnsupportedMediaType)
    assert error.status_code == 415
    assert error.get_codes() == "unsupported_media_type"
    assert f'Unsupported charset "{charset[:100]}"' in str(error.detail)


def test_the_parameter_name_is_case_insensitive():
    with pytest.raises(UnsupportedCharset):
        charset_of(f"{JSON}; Charset=zlib", {})


def test_a_non_text_codec_django_let_through_is_refused():
    """Django keeps ``request.encoding = "zlib"``: it passes ``codecs.lookup``."""
    with pytest.raises(UnsupportedCharset):
        charset_of(JSON, {"encoding": "zlib"})


def test_an_rfc_2231_parameter_in_an_unknown_charset_is_total():
    """Django 5.2's header parser raises ``ValueError`` on it (a 415 here; Django's
    own request construction fails on it first); 4.2 and 6.1 decode it. Either
    way a 415 or a real character set, never a 500."""
    try:
        result: str | UnsupportedMediaType = charset_of(
            f"{JSON}; charset*=no-such-charset''utf-8", {}
        )
    except UnsupportedMediaType as refused:
        result = refused
    assert isinstance(result, UnsupportedMediaType) or is_charset(result)


@given(st.sampled_from(REAL + NOT_TEXT + PSEUDO) | st.text(max_size=20))
def test_charset_of_is_total(name):
    """Every name is a character set Python decodes with, or a 415."""
    try:
        charset: str | UnsupportedMediaType = charset_of(f"{FORM}; charset={json.dumps(name)}", {})
    except UnsupportedMediaType as error:
        charset = error
    if isinstance(charset, str):
        assert is_charset(charset)
    else:
        assert charset.status_code == 415


# The size ----------------------------------------------------------------------


def test_a_body_at_the_limit_is_read(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    assert read_body(io.BytesIO(b"x" * 10)) == b"x" * 10


def test_a_byte_over_the_limit_is_a_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    stream = io.BytesIO(b"x" * 1000)
    with pytest.raises(RequestTooLarge) as raised:
        read_body(stream)
    assert raised.value.status_code == 413
    assert raised.value.get_codes() == "request_too_large"
    assert stream.tell() == 11  # never more than one byte past the limit


def test_without_a_limit_everything_is_read(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    assert read_body(io.BytesIO(b"x" * 3_000_000)) == b"x" * 3_000_000


class Broken(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        raise OSError("connection reset by peer")


def test_a_body_that_cannot_be_read_is_a_400():
    with pytest.raises(ParseError):
        read_body(Broken())


def request_with(body: bytes, **extra: Any) -> Any:
    return RequestFactory().generic("POST", "/", body, content_type=JSON, **extra)


def test_a_django_request_is_read_through_request_body():
    """The body stays readable as ``request.body`` after parsing, as DRF keeps it."""
    request = request_with(b'{"a": 1}')
    assert read_body(request) == b'{"a": 1}'
    assert request.body == b'{"a": 1}'


def test_a_django_request_over_the_limit_is_a_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    with pytest.raises(RequestTooLarge):
        read_body(request_with(b"x" * 11))


def test_a_content_length_over_the_limit_is_a_413_before_reading(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    request = request_with(b"", CONTENT_LENGTH="11", **{"wsgi.input": Broken()})
    with pytest.raises(RequestTooLarge):
        read_body(request)


def test_a_django_request_that_cannot_be_read_is_a_400():
    """Django's ``UnreadablePostError``: the client went away mid-body."""
    request = request_with(b"", CONTENT_LENGTH="5", **{"wsgi.input": Broken()})
    with pytest.raises(ParseError):
        read_body(request)


# Decoding ----------------------------------------------------------------------


def test_json_in_a_declared_charset_parses():
    body = '{"code": "123 456", "name": "Zoë"}'.encode("utf-16")
    assert parse(body, f"{JSON}; charset=utf-16") == {"code": "123 456", "name": "Zoë"}


def test_json_not_in_its_declared_charset_is_a_parse_error():
    with pytest.raises(ParseError) as raised:
        parse(b'{"a": 1}x', f"{JSON}; charset=utf-16")
    assert raised.value.get_codes() == "parse_error"
    assert "utf-16" in str(raised.value.detail)


def test_a_form_parses_to_a_query_dict():
    data = parse_form(b"code=123+456&username=zo%C3%AB&username=again&empty=")
    assert isinstance(data, QueryDict)
    assert data["code"] == "123 456"
    assert data.getlist("username") == ["zoë", "again"]
    assert data["empty"] == ""
    assert not data._mutable


def test_a_form_in_latin_1_decodes_its_escapes_with_it():
    data = parse_form(b"name=zo%EB&raw=\xe9", f"{FORM}; charset=latin-1")
    assert data["name"] == "zoë"
    assert data["raw"] == "é"


def test_a_form_in_utf_16_parses():
    body = "code=123456&name=%C3%AB".encode("utf-16")
    assert parse_form(body, f"{FORM}; charset=utf-16")["code"] == "123456"


def test_a_form_not_in_its_declared_charset_is_a_parse_error():
    with pytest.raises(ParseError) as raised:
        parse_form(b"code=\xff\xfe\xfd", f"{FORM}; charset=utf-8")
    assert raised.value.get_codes() == "parse_error"


def test_an_empty_form_is_empty():
    assert parse_form(b"") == QueryDict()


@pytest.fixture
def strict_only_codec() -> Iterator[str]:
    """A text codec whose decoder knows no error handler but ``strict``."""

    def decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
        if errors != "strict":
            raise UnicodeError(f"unsupported error handler {errors}")
        return codecs.latin_1_decode(data, errors)

    def search(name: str) -> codecs.CodecInfo | None:
        if name != "strictonly":
            return None
        return codecs.CodecInfo(codecs.latin_1_encode, decode, name="strictonly")

    codecs.register(search)
    yield "strictonly"
    codecs.unregister(search)


def test_an_escape_the_charset_cannot_decode_is_a_parse_error(strict_only_codec):
    """``parse_qsl`` decodes escapes with ``errors="replace"``; Django calls its
    failure "too many fields", which it is not."""
    assert parse_form(b"a=b", f"{FORM}; charset={strict_only_codec}")["a"] == "b"
    with pytest.raises(ParseError) as raised:
        parse_form(b"a=%41", f"{FORM}; charset={strict_only_codec}")
    assert not isinstance(raised.value, TooManyFields)
    assert raised.value.get_codes() == "parse_error"


# Form fields -------------------------------------------------------------------


def fields(count: int) -> bytes:
    return b"&".join(b"f%d=1" % i for i in range(count))


def test_a_form_at_the_field_limit_parses(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    assert len(parse_form(fields(3))) == 3
    assert len(parse_form(b"a=1&a=2&a=3").getlist("a")) == 3


def test_a_field_over_the_limit_is_a_400(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    with pytest.raises(TooManyFields) as raised:
        parse_form(fields(4))
    assert raised.value.status_code == 400
    assert raised.value.get_codes() == "too_many_fields"


def test_separators_count_as_fields_as_django_counts_them(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    with pytest.raises(TooManyFields):
        parse_form(b"&&&")


def test_without_a_field_limit_any_number_parses(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = None
    assert len(parse_form(fields(5000))) == 5000


def test_the_default_field_limit_is_djangos():
    parse_form(fields(1000))
    with pytest.raises(TooManyFields):
        parse_form(fields(1001))


# Totality ----------------------------------------------------------------------

charsets = st.sampled_from(REAL + NOT_TEXT + PSEUDO + UNKNOWN) | st.text(max_size=12)
bodies = st.binary(max_size=300) | st.text(max_size=100).map(str.encode)


@given(body=bodies, charset=charsets, form=st.booleans())
def test_the_parsers_are_total(body, charset, form):
    """Any bytes in any charset: data, or an API error with a 4xx status."""
    parser = SafeFormParser() if form else SafeJSONParser()
    media_type = f"{parser.media_type}; charset={json.dumps(charset)}"
    refused: APIException | None = None
    try:
        parser.parse(io.BytesIO(body), media_type, {"encoding": "utf-8"})
    except APIException as error:
        refused = error
    if refused is not None:
        assert 400 <= refused.status_code < 500
        assert isinstance(refused.get_codes(), str)
