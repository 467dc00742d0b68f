"""QR images for generate: the package's own encoders (``qrcodes.png`` and
``qrcodes.svg``) against the qrcode library's image factories, built with the
same settings, each image checked by decoding it again.

PNG is decoded with zxing-cpp (through Pillow); SVG is first rasterised with
``rsvg-convert`` when it is on the PATH, else by a small rasteriser here that
knows the shapes these encoders write. Without Pillow and zxing-cpp (the test
extra) the images are timed but reported as unchecked.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

from bench.measure import Plan, Report, Row, interleaved_rounds, median, ms, progress, verdict

# qrcode's SVG factories size a module at box_size tenths of a millimetre: at
# 254 dpi (10 px a millimetre) that is box_size pixels, the package's own size.
PIXELS_PER_MM = 10
RSVG = shutil.which("rsvg-convert")


def library_qr(url: str) -> Any:
    """qrcode's ``QRCode`` with the package's settings, ready for any image factory."""
    from qrcode.constants import ERROR_CORRECT_M
    from qrcode.main import QRCode

    from django_twofactor import qrcodes

    qr: Any = QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=qrcodes.MODULE_PIXELS)
    qr.add_data(url)
    qr.make(fit=True)
    return qr


def can_decode() -> bool:
    try:
        import zxingcpp  # noqa: F401
        from PIL import Image  # noqa: F401
    except ImportError:
        return False
    return True


def svg_checker() -> str:
    """How SVG images are turned into pixels for the check, for the notes."""
    if not can_decode():
        return "unchecked"
    return "rsvg-convert" if RSVG else "the bench's own rasteriser"


_LENGTH = r'="([\d.]+)(mm|px)?"'
_SVG_WIDTH = re.compile(r"<(?:svg:)?svg\b[^>]*?\swidth" + _LENGTH)
_SVG_VIEWBOX = re.compile(r'viewBox="0 0 ([\d.]+) [\d.]+"')
_SVG_SQUARE = re.compile(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H[\d.]+z")  # SvgPathImage
_SVG_RUN = re.compile(r"M(\d+) (\d+)h(\d+)v1h-\d+z")  # qrcodes.svg
_SVG_RECT = re.compile(  # SvgImage, SvgFragmentImage: dark squares in absolute millimetres
    r'rect x="([\d.]+)mm" y="([\d.]+)mm" width="([\d.]+)mm" height="([\d.]+)mm"'
)


def _rasterise(text: str) -> Any:
    """A greyscale picture of the dark shapes in ``text``, or ``None`` if none are found.

    Knows only what the encoders measured here write; the white background
    (``qrcodes.svg``'s ``rect`` has no position) is the blank picture itself.
    """
    from PIL import Image, ImageDraw

    width = _SVG_WIDTH.search(text)
    if width is None:
        return None
    per_unit = PIXELS_PER_MM if width.group(2) == "mm" else 1
    side = round(float(width.group(1)) * per_unit)
    viewbox = _SVG_VIEWBOX.search(text)
    scale = side / float(viewbox.group(1)) if viewbox else per_unit  # pixels per user unit
    squares = [tuple(map(float, found)) for found in _SVG_SQUARE.findall(text)]
    runs = [
        (float(x), float(y), float(x) + float(n), float(y) + 1.0)
        for x, y, n in _SVG_RUN.findall(text)
    ]
    user_units = squares + runs  # (x0, y0, x1, y1) in the viewBox's units
    millimetres = [
        (float(x), float(y), float(x) + float(w), float(y) + float(h))
        for x, y, w, h in _SVG_RECT.findall(text)
    ]
    boxes = [tuple(v * scale for v in box) for box in user_units]
    boxes += [tuple(v * PIXELS_PER_MM for v in box) for box in millimetres]
    if not boxes:
        return None
    picture = Image.new("L", (side, side), 255)
    draw = ImageDraw.Draw(picture)
    for x0, y0, x1, y1 in boxes:
        left, top, right, bottom = round(x0), round(y0), round(x1) - 1, round(y1) - 1
        if left <= right and top <= bottom:  # a malformed shape draws nothing
            draw.rectangle([left, top, right, bottom], fill=0)
    return picture


def decode(image: bytes, kind: str) -> list[str] | None:
    """The texts zxing-cpp reads in ``image``; ``None`` without the libraries."""
    if not can_decode():
        return None
    import zxingcpp
    from PIL import Image

    if kind == "png":
        picture = Image.open(io.BytesIO(image))
    elif RSVG:
        dpi = str(PIXELS_PER_MM * 25.4)
        rendered = subprocess.run(
            [RSVG, "--dpi-x", dpi, "--dpi-y", dpi, "--background-color", "white"],
            input=image, capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        if rendered.returncode != 0:
            return []
        picture = Image.open(io.BytesIO(rendered.stdout))
    else:
        picture = _rasterise(image.decode("utf-8"))
        if picture is None:
            return []
    return [
        barcode.text
        for barcode in zxingcpp.read_barcodes(
            picture.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode
        )
    ]


def bench_qr_factories(plan: Plan, report: Report) -> None:
    from qrcode.image import svg

    from django_twofactor import qrcodes
    from django_twofactor.methods.totp import algorithm as totp

    progress("QR images: the package's encoders against qrcode's image factories")
    url = totp.otpauth_url(
        totp.new_secret(), "alice@example.com", totp.TotpParameters.from_settings()
    )

    def with_factory(factory: Any) -> Callable[[], bytes]:
        def render() -> bytes:
            buffer = io.BytesIO()
            library_qr(url).make_image(image_factory=factory).save(buffer)
            return buffer.getvalue()

        return render

    in_use = {"png": "qrcodes.png (in use)", "svg": "qrcodes.svg (in use)"}
    # name -> (kind, render)
    factories: dict[str, tuple[str, Callable[[], bytes]]] = {
        in_use["png"]: ("png", lambda: qrcodes.png(url)),
    }
    try:
        import png  # noqa: F401 - PyPNG, which PyPNGImage needs; no longer a dependency
        from qrcode.image.pure import PyPNGImage

        factories["PyPNGImage"] = ("png", with_factory(PyPNGImage))
    except ImportError:
        report.notes.append("PyPNGImage not measured: PyPNG not installed.")
    try:
        from qrcode.image.pil import PilImage

        factories["PilImage"] = ("png", with_factory(PilImage))
    except ImportError:
        report.notes.append("PilImage not measured: Pillow not installed.")
    factories[in_use["svg"]] = ("svg", lambda: qrcodes.svg(url))
    factories["SvgPathImage"] = ("svg", with_factory(svg.SvgPathImage))
    factories["SvgImage"] = ("svg", with_factory(svg.SvgImage))
    factories["SvgFragmentImage"] = ("svg", with_factory(svg.SvgFragmentImage))

    variants: dict[str, Callable[[], Any]] = {"matrix": lambda: qrcodes._matrix(url)}
    variants.update({name: render for name, (_, render) in factories.items()})
    for call in variants.values():
        call()
    seconds = interleaved_rounds(variants, plan.qr_images, 1)
    report.add(
        Row("QR matrix (version fit + mask search)", ms(median(seconds["matrix"])),
            target="shared by all below")
    )  # fmt: skip
    for name, (kind, render) in factories.items():
        data, took, reference = render(), median(seconds[name]), median(seconds[in_use[kind]])
        texts = decode(data, kind)
        compared = name != in_use[kind]
        report.add(
            Row(
                f"QR {name}",
                f"{ms(took)}, {len(data):,} B",
                f"{in_use[kind].split()[0]} {ms(reference)}" if compared else "-",
                f"{reference / took:.2f}x speed" if compared else "-",
                target="decodes to the URL",
                met="unchecked" if texts is None else verdict(texts == [url]),
            )
        )
    if not can_decode():
        report.notes.append("QR images not decoded: install Pillow and zxing-cpp to check them.")
    else:
        report.notes.append(
            f"QR images: each decoded with zxing-cpp, SVG rasterised by {svg_checker()} "
            f"at {qrcodes.MODULE_PIXELS} px a module; a QR row's ratio is its speed relative "
            "to the package's encoder of the same format (below 1: slower)."
        )
