"""Input validation: shapes and formats, never account state.

The one exception is ``RefreshSerializer``: SimpleJWT's refresh serializer
checks the token's owner itself, and this one makes that check total.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from .authentication import current_owner, no_active_account
from .codes import SubmittedCode, classify
from .conf import twofactor_settings


class StrictCharField(serializers.CharField):
    """A string and nothing else: numbers are refused, not coerced.

    A code sent as a JSON number has already lost its leading zeros, so
    accepting it would fail one user in ten for no visible reason.
    """

    default_error_messages = {"not_a_string": _("Not a valid string.")}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return str(super().to_internal_value(data))


class CodeSerializer(serializers.Serializer[Any]):
    """``{"code"}``: a TOTP code and, where the view allows it, a recovery code."""

    code = StrictCharField(max_length=64)

    def __init__(self, *args: Any, allow_recovery: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allow_recovery = allow_recovery

    def validate_code(self, value: str) -> SubmittedCode:
        digits = twofactor_settings.DIGITS
        code = classify(value, digits, allow_recovery=self.allow_recovery)
        if code is not None:
            return code
        message = (
            _("Enter the %(digits)d-digit code from your app or a recovery code.")
            if self.allow_recovery
            else _("Enter the %(digits)d-digit code from your app.")
        )
        raise serializers.ValidationError(message % {"digits": digits}, code="malformed_code")


class LoginSerializer(serializers.Serializer[Any]):
    """The user model's ``USERNAME_FIELD`` and ``password``."""

    password = StrictCharField(max_length=4096, trim_whitespace=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[get_user_model().USERNAME_FIELD] = StrictCharField(
            max_length=254, trim_whitespace=False
        )


class RefreshSerializer(TokenRefreshSerializer):
    """SimpleJWT's refresh, for live accounts only, whatever the SimpleJWT version.

    SimpleJWT 5.5 answers the refresh token of a deleted user with a 500 and
    5.3 with a new access token. Here a deleted or inactive user, or an id that
    names no one, is 401 ``no_active_account``; a token the account has
    outlived (``lifecycle``) is 401 ``token_revoked``, so a rotation chain ends
    at the first account event.
    """

    refresh = StrictCharField(max_length=4096)

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        current_owner(self.token_class(attrs["refresh"]).payload)  # TokenError: the view's 401
        try:
            return super().validate(attrs)
        except ObjectDoesNotExist as exc:  # deleted since current_owner() read it
            raise no_active_account() from exc


class LogoutSerializer(serializers.Serializer[Any]):
    """``{"refresh", "everywhere"}``: a refresh token that still speaks for its owner.

    ``validated_data`` holds the decoded ``token`` and its live ``user``.
    """

    refresh = StrictCharField(max_length=4096)
    everywhere = serializers.BooleanField(default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            token = RefreshToken(attrs["refresh"])
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return {**attrs, "token": token, "user": current_owner(token.payload)}
