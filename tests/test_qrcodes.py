"""The QR images decode, with an independent reader, to exactly the URL."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image

from django_twofactor import qrcodes
from django_twofactor.methods.totp import algorithm as totp

URLS = [
    "otpauth://totp/My%20Site:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=My%20Site",
    totp.otpauth_url(
        totp.new_secret(),
        "a.very.long.user.name+tag@subdomain.example.com",
        totp.TotpParameters(8, 60, "SHA512", 1, "Issuer with spaces"),
    ),
]


def read(image: Image.Image) -> list[str]:
    """The QR codes zxing-cpp finds in ``image``.

    Read as QR only: in about one random code in two hundred, zxing-cpp also
    reports a spurious 4-digit ITF (1D) barcode inside the QR's modules.
    """
    return [
        barcode.text
        for barcode in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    ]


@pytest.mark.parametrize("url", URLS)
def test_png_is_a_valid_one_bit_image_that_decodes(url):
    image = Image.open(io.BytesIO(qrcodes.png(url)))
    image.load()  # checks every chunk's CRC and the compressed data
    assert image.format == "PNG"
    assert image.mode == "1"
    assert image.size[0] == image.size[1]
    assert image.size[0] % qrcodes.MODULE_PIXELS == 0
    assert read(image) == [url]


def test_png_has_a_white_quiet_zone():
    image = Image.open(io.BytesIO(qrcodes.png(URLS[0]))).convert("L")
    border = 4 * qrcodes.MODULE_PIXELS
    side = image.size[0]
    for x in range(side):
        for y in (0, border - 1, side - border, side - 1):
            assert image.getpixel((x, y)) == 255
            assert image.getpixel((y, x)) == 255


def test_data_uri_wraps_the_png():
    uri = qrcodes.png_data_uri(URLS[0])
    assert uri.startswith("data:image/png;base64,")
    png = base64.b64decode(uri.removeprefix("data:image/png;base64,"), validate=True)
    assert read(Image.open(io.BytesIO(png))) == [URLS[0]]


def test_svg_is_well_formed_with_a_white_background():
    root = ET.fromstring(qrcodes.svg(URLS[0]))  # noqa: S314  # parses the package's own SVG output
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    side = int(root.get("viewBox").split()[2])
    rect, path = list(root)
    assert (rect.get("width"), rect.get("height"), rect.get("fill")) == (
        str(side),
        str(side),
        "#fff",
    )
    assert path.get("fill") == "#000"


@pytest.mark.skipif(
    shutil.which("rsvg-convert") is None,
    reason="rsvg-convert not found: apt-get install librsvg2-bin",
)
@pytest.mark.parametrize("url", URLS)
def test_svg_rendered_by_librsvg_decodes(url):
    rendered = subprocess.run(
        ["rsvg-convert", "--format=png"],  # a system tool, looked up above
        input=qrcodes.svg(url),
        capture_output=True,
        check=True,
    ).stdout
    assert read(Image.open(io.BytesIO(rendered))) == [url]


def test_random_secrets_all_decode():
    """A hundred fresh secrets, each QR read back to exactly its URL."""
    params = totp.TotpParameters(6, 30, "SHA1", 1, "django-twofactor demo")
    for _ in range(100):
        url = totp.otpauth_url(totp.new_secret(), "alice", params)
        assert read(Image.open(io.BytesIO(qrcodes.png(url)))) == [url]
