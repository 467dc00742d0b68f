"""QR codes for the otpauth URL, as PNG bytes, a PNG data URI or SVG."""

from __future__ import annotations

import base64
import io
from typing import Any

from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.pure import PyPNGImage
from qrcode.image.svg import SvgPathImage
from qrcode.main import QRCode


def _make(url: str) -> QRCode[Any]:
    # Medium error correction survives a phone camera's glare; a 4-module
    # quiet zone is what the QR standard requires for readers to lock on.
    qr: QRCode[Any] = QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=8)
    qr.add_data(url)
    qr.make(fit=True)
    return qr


def png(url: str) -> bytes:
    buffer = io.BytesIO()
    _make(url).make_image(image_factory=PyPNGImage).save(buffer)
    return buffer.getvalue()


def png_data_uri(url: str) -> str:
    return "data:image/png;base64," + base64.b64encode(png(url)).decode("ascii")


def svg(url: str) -> bytes:
    buffer = io.BytesIO()
    _make(url).make_image(image_factory=SvgPathImage).save(buffer)
    return buffer.getvalue()
