"""Errors with a translatable ``detail`` and a stable machine ``code``."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework import status
from rest_framework.exceptions import (
    APIException,
    ErrorDetail,
    ParseError,
    Throttled,
    UnsupportedMediaType,
    ValidationError,
)
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the account's two-factor state.")
    default_code = "conflict"


class AlreadyEnabled(Conflict):
    default_detail = _("Two-factor authentication is already on.")
    default_code = "two_factor_already_enabled"


class NotEnabled(Conflict):
    default_detail = _("Two-factor authentication is not on.")
    default_code = "two_factor_not_enabled"


class NoSecurityKey(Conflict):
    default_detail = _("No security key is registered for this account.")
    default_code = "two_factor_no_security_key"


class SetupNotStarted(Conflict):
    default_detail = _("Generate a secret before turning two-factor authentication on.")
    default_code = "two_factor_setup_not_started"


class SecretUnreadable(Conflict):
    default_detail = _(
        "The stored two-factor secret cannot be read with the configured keys; "
        "ask an administrator to reset two-factor authentication."
    )
    default_code = "two_factor_secret_unreadable"


class LockedOut(Throttled):
    """429 with ``Retry-After``: the user's code attempts are locked for now."""

    default_detail = _("Too many wrong codes. Try again later.")
    default_code = "two_factor_locked"

    def __init__(self, until: datetime) -> None:
        seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
        detail = ngettext(
            "Too many wrong codes. Try again in %(wait)d second.",
            "Too many wrong codes. Try again in %(wait)d seconds.",
            seconds,
        ) % {"wait": seconds}
        APIException.__init__(self, detail, self.default_code)
        self.wait = seconds


class Blocked(APIException):
    """403: ``FAILURE_LIMIT`` wrong codes in a row; a password change or a reset lifts it."""

    status_code = status.HTTP_403_FORBIDDEN
    default_detail = _(
        "Too many wrong codes: every code is refused until the password is changed "
        "or an administrator resets two-factor authentication."
    )
    default_code = "two_factor_blocked"


CHALLENGE_DESCRIPTION = "A more recent authentication is required"


class InsufficientUserAuthentication(APIException):
    """RFC 9470's challenge: the last authentication is older than ``max_age`` seconds.

    401 with ``WWW-Authenticate: Bearer error="insufficient_user_authentication",
    error_description="…", max_age="N"``; the body also carries ``max_age`` (an
    integer) so that a client needs no header parsing.
    """

    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = _("A more recent authentication is required: verify a code again.")
    default_code = "insufficient_user_authentication"

    def __init__(self, max_age: int, header_type: str = "Bearer") -> None:
        super().__init__()
        text = str(self.default_detail)
        self.max_age = max_age
        body: Any = {  # set after __init__: DRF would turn max_age into a string
            "detail": ErrorDetail(text, self.default_code),
            "code": self.default_code,
            "max_age": max_age,
        }
        self.detail = body
        # RFC 6750 §3: error_description is printable ASCII, so never translated.
        self.auth_header = (
            f'{header_type} error="{self.default_code}", '
            f'error_description="{CHALLENGE_DESCRIPTION}", max_age="{max_age}"'
        )


class BlacklistUnavailable(APIException):
    """Logging out one token needs SimpleJWT's blacklist app; everywhere does not."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _(
        "Logging out a single token needs the token blacklist app "
        "(rest_framework_simplejwt.token_blacklist); log out everywhere instead."
    )
    default_code = "token_blacklist_unavailable"


class InvalidCode(ValidationError):
    """400 on the field that carried the second factor: ``code`` or ``credential``."""

    def __init__(self, field: str = "code") -> None:
        if field == "code":
            message, code = _("The code is wrong or was already used."), "invalid_code"
        else:
            message = _("The security key's answer is not valid, expired or was already used.")
            code = "invalid_credential"
        super().__init__({field: [message]}, code)


def add_error_code(response: Response | None) -> Response | None:
    """Give a ``{"detail"}`` body the ``code`` SimpleJWT's errors already carry."""
    if response is not None and isinstance(response.data, dict):
        detail = response.data.get("detail")
        if isinstance(detail, ErrorDetail) and "code" not in response.data:
            response.data["code"] = detail.code
    return response


def _first_error(errors: Any) -> Any:
    """The first message of DRF's (possibly nested) field map or list."""
    while isinstance(errors, (dict, list)) and errors:
        errors = next(iter(errors.values())) if isinstance(errors, dict) else errors[0]
    return errors


def _shaped(data: Any) -> bool:
    """Already ``{"detail", "code"}`` (a project's handler may be this module's)."""
    return isinstance(data, dict) and all(isinstance(data.get(k), str) for k in ("detail", "code"))


def one_error_shape(exc: Exception, response: Response | None) -> Response | None:
    """The package views' error body: always ``{"detail", "code"}``.

    A validation error keeps DRF's per-field messages under ``errors`` and
    takes ``detail`` and ``code`` from its first one (a wrong code:
    ``invalid_code``): a client tells every error apart by ``code`` alone,
    where DRF's bare field map would put a list under the request's own field
    named ``code``.
    """
    if response is None or not isinstance(exc, ValidationError) or _shaped(response.data):
        return add_error_code(response)
    data = response.data
    errors = data if isinstance(data, dict) else {api_settings.NON_FIELD_ERRORS_KEY: data}
    first = _first_error(errors)
    response.data = {
        "detail": str(first) if first else str(ValidationError.default_detail),
        "code": getattr(first, "code", None) or ValidationError.default_code,
        "errors": errors,
    }
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with the package's error shape (``one_error_shape``).

    The package's views use it on their own; set it as ``EXCEPTION_HANDLER`` to
    give the rest of an API the same error shape.
    """
    return one_error_shape(exc, drf_exception_handler(exc, context))


class RequestTooLarge(APIException):
    """413: a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, as JSON rather than Django's HTML 400."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


class TooManyFields(ParseError):
    """400: a form with more fields than ``DATA_UPLOAD_MAX_NUMBER_FIELDS``."""

    default_detail = _("The form has too many fields.")
    default_code = "too_many_fields"


class UnsupportedCharset(UnsupportedMediaType):
    """415 ``unsupported_media_type``: the body's charset is not a character set."""

    def __init__(self, media_type: str | None, charset: str) -> None:
        detail = _('Unsupported charset "%(charset)s" in the Content-Type header.') % {
            "charset": charset[:100]
        }
        super().__init__(media_type or "", detail)
