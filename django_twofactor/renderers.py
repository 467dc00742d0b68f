"""Renderers that turn generate's payload into the QR image itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer

from . import qrcodes


class QRCodeRenderer(BaseRenderer):
    """The QR code of the payload's ``otpauth_url``, in the subclass's format."""

    def image(self, url: str) -> bytes:
        raise NotImplementedError

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return self.image(data["otpauth_url"])


class PNGQRCodeRenderer(QRCodeRenderer):
    media_type = "image/png"
    format = "png"
    charset = None
    render_style = "binary"

    def image(self, url: str) -> bytes:
        return qrcodes.png(url)


class SVGQRCodeRenderer(QRCodeRenderer):
    media_type = "image/svg+xml"
    format = "svg"
    charset = "utf-8"

    def image(self, url: str) -> bytes:
        return qrcodes.svg(url)


class FormatNegotiation(DefaultContentNegotiation):
    """An unknown (or empty) ``?format=`` is 406 Not Acceptable, like an unknown
    ``Accept``.

    DRF answers 404 there, which reads as "no such endpoint".
    """

    def select_renderer(
        self, request: Any, renderers: Any, format_suffix: str | None = None
    ) -> Any:
        override = self.settings.URL_FORMAT_OVERRIDE
        if override and request.query_params.get(override, None) == "":
            # ``?format=`` names no format: not one of those offered either.
            raise NotAcceptable(available_renderers=renderers)
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Http404 as exc:
            raise NotAcceptable(available_renderers=renderers) from exc
