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
from .codes import WEBAUTHN, SubmittedCode, classify
from .conf import twofactor_settings
from .methods.webauthn import available as webauthn_available
from .methods.webauthn.method import Assertion
from .methods.webauthn.models import AUTHENTICATION, NAME_MAX_LENGTH, REGISTRATION
from .methods.webauthn.relying_party import RelyingParty
from .trusted_devices.models import NAME_MAX_LENGTH as DEVICE_NAME_MAX_LENGTH


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


class CredentialField(serializers.Field):  # type: ignore[type-arg]
    """A WebAuthn response as ``PublicKeyCredential.toJSON()`` gives it, parsed by py_webauthn.

    ``ceremony`` is ``"registration"`` or ``"authentication"``. Anything that
    is not such a JSON object is a 400 ``malformed_credential``; whether it is
    a valid signature is for the services to say.
    """

    default_error_messages = {
        "malformed_credential": _(
            "Not a WebAuthn credential as PublicKeyCredential.toJSON() gives it."
        ),
        "unavailable": _("Security keys are not available on this server."),
    }

    def __init__(self, *, ceremony: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ceremony = ceremony

    def to_internal_value(self, data: Any) -> Any:
        if not webauthn_available():
            self.fail("unavailable")
        from .methods.webauthn import ceremonies

        parse = (
            ceremonies.parse_registration
            if self.ceremony == REGISTRATION
            else ceremonies.parse_authentication
        )
        try:
            return parse(data)
        except ceremonies.Refused:
            self.fail("malformed_credential")

    def to_representation(self, value: Any) -> Any:  # pragma: no cover  # input only
        return value


class CodeSerializer(serializers.Serializer[Any]):
    """``{"code"}``: a TOTP code and, where the view allows it, a recovery code;
    or ``{"credential"}``: a WebAuthn assertion (``AuthenticationResponseJSON``).

    ``validated_data["code"]`` is the ``SubmittedCode`` either way.
    """

    code = StrictCharField(max_length=64, required=False)
    credential = CredentialField(ceremony=AUTHENTICATION, required=False)

    default_error_messages = {
        "both": _("Send a code or a security key's credential, not both."),
    }

    def __init__(
        self,
        *args: Any,
        allow_recovery: bool = False,
        allow_credential: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.allow_recovery = allow_recovery
        if not allow_credential:  # turn-on: only a code of the app it turns on
            del self.fields["credential"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "credential" in attrs:
            if "code" in attrs:
                raise serializers.ValidationError(
                    {"credential": [self.error_messages["both"]]}, "malformed_credential"
                )
            rp = RelyingParty.for_request(self.context["request"])
            return {"code": SubmittedCode(WEBAUTHN, Assertion(attrs["credential"], rp))}
        if "code" not in attrs:
            raise serializers.ValidationError(
                {"code": [self.fields["code"].error_messages["required"]]}, "required"
            )
        return attrs

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


class AuthenticateSerializer(CodeSerializer):
    """``2fa/authenticate/``: the second factor, and whether to trust this device
    (CONTRACT §15: only where ``TRUSTED_DEVICE_LIFETIME`` is set; ignored otherwise)."""

    trust_device = serializers.BooleanField(default=False)
    device_name = StrictCharField(max_length=DEVICE_NAME_MAX_LENGTH, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        trust = {
            "trust_device": attrs.pop("trust_device"),
            "device_name": attrs.pop("device_name", None),
        }
        return {**super().validate(attrs), **trust}


class KeyNameField(StrictCharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=NAME_MAX_LENGTH, **kwargs)


class RegistrationSerializer(serializers.Serializer[Any]):
    """``{"credential": RegistrationResponseJSON, "name"}``."""

    credential = CredentialField(ceremony=REGISTRATION)
    name = KeyNameField(required=False, default=_("Security key"))


class RenameSerializer(serializers.Serializer[Any]):
    """``{"name"}``: a security key's new name."""

    name = KeyNameField()


class LoginSerializer(serializers.Serializer[Any]):
    """The user model's ``USERNAME_FIELD`` and ``password``."""

    password = StrictCharField(max_length=4096, trim_whitespace=False)
    #: A trusted device's token (CONTRACT §15); an unusable one is ignored.
    device_token = StrictCharField(max_length=256, required=False)

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
