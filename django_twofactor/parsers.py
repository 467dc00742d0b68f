"""Total parsers: every request body is data or a JSON 4xx with a ``code``.

DRF's own parsers let three kinds of body through to a 500 or to Django's
HTML 400 page: a charset that is not a character set, a body over
``DATA_UPLOAD_MAX_MEMORY_SIZE`` and a form over
``DATA_UPLOAD_MAX_NUMBER_FIELDS`` (Django's ``SuspiciousOperation``, which
DRF's exception handler does not know). These parsers answer them with API
errors instead.

They derive from ``BaseParser``, not from DRF's ``JSONParser`` and
``FormParser``, on purpose: for those two DRF reads ``request.body`` itself
before the parser runs, and an oversized body then raises where no parser can
answer it.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, QueryDict
from django.utils.http import parse_header_parameters
from django.utils.translation import gettext_lazy as _
from rest_framework import renderers
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.parsers import BaseParser
from rest_framework.settings import api_settings
from rest_framework.utils import json

# A module, not its names: exceptions imports rest_framework.views, whose
# APIView imports DEFAULT_PARSER_CLASSES, which may name this module.
from . import exceptions as errors

# Text encodings to Python that are not character sets of a body: escape
# codecs (they turn ``\ud800`` or ``\x00`` in the bytes into characters and warn
# on bad escapes), the domain-name codecs, and the one that always fails.
NOT_CHARSETS = frozenset({"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"})


def charset_of(media_type: str | None, parser_context: Mapping[str, Any]) -> str:
    """The charset the body declares, else the request's; refused unless it is a character set.

    Django drops a charset it cannot look up (DRF then decodes with
    ``DEFAULT_CHARSET``, as if none were named) and keeps codecs such as
    ``zlib`` or ``base64`` that turn bytes into bytes: so the header DRF
    hands over is read again here rather than ``parser_context["encoding"]``.
    """
    try:
        _type, params = parse_header_parameters(media_type or "")
    except ValueError as exc:  # an RFC 2231 parameter in an unknown charset
        raise UnsupportedMediaType(media_type or "") from exc
    name = params.get("charset", parser_context.get("encoding") or settings.DEFAULT_CHARSET)
    try:
        codec = codecs.lookup(name)
    except (LookupError, ValueError) as exc:  # ValueError: a NUL in the name
        raise errors.UnsupportedCharset(media_type, name) from exc
    if not codec._is_text_encoding or codec.name in NOT_CHARSETS:
        raise errors.UnsupportedCharset(media_type, name)
    return name


def read_body(stream: IO[Any]) -> bytes:
    """The body, never more than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes of it."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        if isinstance(stream, HttpRequest):
            # Django's own checks (Content-Length first, then what arrives),
            # and ``request.body`` stays readable after parsing.
            return stream.body
        body: bytes = stream.read() if limit is None else stream.read(limit + 1)
    except RequestDataTooBig as exc:
        raise errors.RequestTooLarge from exc
    except OSError as exc:  # the client went away mid-body (UnreadablePostError)
        raise ParseError from exc
    if limit is not None and len(body) > limit:
        raise errors.RequestTooLarge
    return body


def read_text(
    stream: IO[Any], media_type: str | None, parser_context: Mapping[str, Any] | None
) -> tuple[str, str]:
    """The body decoded with its charset, and the charset: 415, 413 or 400 otherwise."""
    charset = charset_of(media_type, parser_context or {})
    body = read_body(stream)
    try:
        return body.decode(charset), charset
    except UnicodeError as exc:
        raise not_valid_in(charset) from exc


def not_valid_in(charset: str) -> ParseError:
    return ParseError(_("The request body is not valid %(charset)s.") % {"charset": charset})


class SafeJSONParser(BaseParser):
    """DRF's JSON parser, total: deep nesting, a bad charset or size is a 4xx, never a 500.

    ``json.loads`` raises ``RecursionError`` on input such as ``[[[[…]]]]``
    nested a few thousand deep, which DRF does not catch.
    """

    media_type = "application/json"
    renderer_class = renderers.JSONRenderer
    strict = api_settings.STRICT_JSON

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        text, _charset = read_text(stream, media_type, parser_context)
        parse_constant = json.strict_constant if self.strict else None
        try:
            return json.loads(text, parse_constant=parse_constant)
        except RecursionError as exc:
            raise ParseError(_("JSON parse error - nested too deeply.")) from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc


class SafeFormParser(BaseParser):
    """DRF's form parser, total: too many fields, a bad charset or size is a 4xx."""

    media_type = "application/x-www-form-urlencoded"

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> QueryDict:
        text, charset = read_text(stream, media_type, parser_context)
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        # Counted as parse_qsl() counts, so the error is ours and not Django's.
        if limit is not None and (text.count("&") + 1 if text else 0) > limit:
            raise errors.TooManyFields
        try:
            return QueryDict(text, encoding=charset)
        except (TooManyFieldsSent, ValueError) as exc:
            # Django's name for any ValueError of parse_qsl(): here a
            # percent-escape the charset cannot decode.
            raise not_valid_in(charset) from exc
