"""Input validation only: shapes and formats, never account state."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenRefreshSerializer

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
    refresh = StrictCharField(max_length=4096)
