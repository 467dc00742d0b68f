"""``POST 2fa/generate/``: a fresh secret, its otpauth URL and QR code, by content negotiation."""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import zxingcpp
from PIL import Image

from django_twofactor import crypto
from tests.api_helpers import (
    BAD_CREDENTIALS,
    GENERATE,
    TURN_ON,
    assert_code_error,
    assert_error,
    bad_credential,
    now_code,
    only_counter_changes,
    password_only_access,
    post_code,
)
from tests.conftest import bearer

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def generate(api, account, **extra):
    return api.post(GENERATE, **bearer(account.tokens["access"]), **extra)


def read_qr(png: bytes) -> list[str]:
    assert png.startswith(PNG_MAGIC)
    image = Image.open(io.BytesIO(png)).convert("L")
    return [
        barcode.text
        for barcode in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    ]


def stored_secret(account) -> str:
    return crypto.decrypt(account.refresh().two_factor_secret)


def test_json_by_default_with_a_png_data_uri_of_the_url(plain, api, clock):
    response = generate(api, plain)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"secret", "otpauth_url", "qr_code"}
    assert all(isinstance(value, str) for value in body.values())
    prefix = "data:image/png;base64,"
    assert body["qr_code"].startswith(prefix)
    png = base64.b64decode(body["qr_code"][len(prefix) :], validate=True)
    assert read_qr(png) == [body["otpauth_url"]]
    assert stored_secret(plain) == body["secret"]
    assert body["secret"] not in plain.user.two_factor_secret  # encrypted at rest


@pytest.mark.parametrize(
    ("extra", "media_type"),
    [
        ({"HTTP_ACCEPT": "image/png"}, "image/png"),
        ({"HTTP_ACCEPT": "image/svg+xml"}, "image/svg+xml"),
        ({"HTTP_ACCEPT": "application/json"}, "application/json"),
        ({"HTTP_ACCEPT": "*/*"}, "application/json"),
        ({"QUERY_STRING": "format=png"}, "image/png"),
        ({"QUERY_STRING": "format=svg"}, "image/svg+xml"),
        ({"QUERY_STRING": "format=json"}, "application/json"),
    ],
)
def test_content_negotiation(extra, media_type, plain, api, clock):
    response = generate(api, plain, **extra)
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == media_type
    assert response["Cache-Control"] == "no-store"


def test_png_is_the_qr_code_of_the_stored_secret(plain, api, clock):
    response = generate(api, plain, HTTP_ACCEPT="image/png")
    [url] = read_qr(response.content)
    assert parse_qs(urlsplit(url).query)["secret"] == [stored_secret(plain)]


def test_svg_is_well_formed_xml(plain, api, clock):
    response = generate(api, plain, HTTP_ACCEPT="image/svg+xml")
    root = ET.fromstring(response.content)  # noqa: S314  # parses the package's own SVG output
    assert root.tag.endswith("svg")
    assert stored_secret(plain).encode() not in response.content


def test_otpauth_url_follows_the_key_uri_format(plain, api, clock):
    body = generate(api, plain).json()
    url = urlsplit(body["otpauth_url"])
    assert (url.scheme, url.netloc) == ("otpauth", "totp")
    assert unquote(url.path) == "/django-twofactor demo:alice"
    query = parse_qs(url.query)
    assert set(query) == {"secret", "issuer"}  # defaults are left out
    assert query["issuer"] == ["django-twofactor demo"]
    assert query["secret"] == [body["secret"]]
    assert len(body["secret"]) == 32
    assert len(base64.b32decode(body["secret"])) == 20  # 160 bits


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"DIGITS": 8}, {"digits": ["8"]}),
        ({"PERIOD": 60}, {"period": ["60"]}),
        ({"ALGORITHM": "SHA256"}, {"algorithm": ["SHA256"]}),
        ({"ALGORITHM": "sha512", "DIGITS": 7}, {"algorithm": ["SHA512"], "digits": ["7"]}),
        ({"DIGITS": 6, "PERIOD": 30, "ALGORITHM": "SHA1"}, {}),
    ],
)
def test_non_default_parameters_appear_in_the_url(overrides, expected, plain, api, clock, settings):
    settings.TWO_FACTOR = {**settings.TWO_FACTOR, "ISSUER_NAME": "Acme & Co", **overrides}
    url = urlsplit(generate(api, plain).json()["otpauth_url"])
    query = parse_qs(url.query)
    assert unquote(url.path) == "/Acme & Co:alice"
    assert query.pop("issuer") == ["Acme & Co"]
    query.pop("secret")
    assert query == expected


def test_secrets_are_random(plain, api, clock):
    secrets = {generate(api, plain).json()["secret"] for _ in range(5)}
    assert len(secrets) == 5


def test_generating_again_replaces_the_secret(plain, api, clock):
    first = generate(api, plain).json()["secret"]
    second = generate(api, plain).json()["secret"]
    assert stored_secret(plain) == second
    with only_counter_changes(plain.user, by=1):
        refused = post_code(api, TURN_ON, plain.tokens["access"], now_code(first))
    assert_code_error(refused, "invalid_code")
    assert post_code(api, TURN_ON, plain.tokens["access"], now_code(second)).status_code == 200


@pytest.mark.parametrize(
    "extra",
    [
        {"HTTP_ACCEPT": "image/png"},
        {"HTTP_ACCEPT": "image/svg+xml"},
        {"QUERY_STRING": "format=png"},
        {},
    ],
)
def test_generate_while_2fa_is_on_is_409_in_json(extra, enabled, api, clock):
    """The secret in use is never replaced, nor shown again."""
    with only_counter_changes(enabled.user):
        response = generate(api, enabled, **extra)
    assert_error(response, 409, "two_factor_already_enabled")
    assert enabled.secret not in response.content.decode()


@pytest.mark.parametrize(
    "extra", [{"HTTP_ACCEPT": "image/png"}, {"QUERY_STRING": "format=svg"}, {}]
)
@pytest.mark.parametrize("kind", BAD_CREDENTIALS)
def test_generate_needs_a_full_token_and_answers_in_json(kind, extra, plain, api, clock):
    token, code = bad_credential(kind, plain, clock)
    headers = bearer(token) if token else {}
    with only_counter_changes(plain.user):
        response = api.post(GENERATE, **headers, **extra)
    assert_error(response, 401, code)


@pytest.mark.parametrize("extra", [{"HTTP_ACCEPT": "image/png"}, {}])
def test_a_password_only_token_is_403_while_2fa_is_on(extra, set_up, api, clock):
    """Turn-on revokes older tokens; a current one without ``mfa`` is still refused."""
    assert post_code(api, TURN_ON, set_up.tokens["access"], now_code(set_up.secret)).status_code
    password_only = password_only_access(set_up.refresh())
    with only_counter_changes(set_up.user):
        response = api.post(GENERATE, **bearer(password_only), **extra)
    assert_error(response, 403, "two_factor_required")


@pytest.mark.parametrize("extra", [{"HTTP_ACCEPT": "text/html"}, {"QUERY_STRING": "format=pdf"}])
def test_an_unknown_format_is_406_and_changes_nothing(extra, set_up, api, clock):
    with only_counter_changes(set_up.user):
        response = generate(api, set_up, **extra)
    assert_error(response, 406, "not_acceptable")
