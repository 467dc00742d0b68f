"""OpenAPI descriptions of the endpoints, for drf-spectacular (an optional extra).

The app's ``ready()`` imports this module only when drf-spectacular is
installed; the extensions register themselves on import. The views stay plain
DRF views: each extension hands drf-spectacular an annotated subclass instead.
Request bodies derive from the serializers the views use, so fields cannot
drift; response bodies are described here, as CONTRACT.md §5 gives them.

Views that can answer RFC 9470's challenge (a 401 that asks for a more recent
authentication) document it with ``challenge_responses`` and the
``WWW_AUTHENTICATE`` header; a project's views behind
``TwoFactorRequired.max_age(N)`` can do the same (see the example project).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
    OpenApiViewExtension,
)
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.settings import api_settings

from .conf import jwt_settings, twofactor_settings
from .exceptions import CHALLENGE_DESCRIPTION, InsufficientUserAuthentication
from .serializers import CodeSerializer, LoginSerializer, LogoutSerializer, RefreshSerializer

JSON = "application/json"
TAGS = ["two-factor"]

# Request bodies ----------------------------------------------------------------


class LoginRequest(LoginSerializer):
    """The user model's `USERNAME_FIELD` and the password."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.help_text = "The password." if name == "password" else f"The user's {name}."


class RefreshRequest(RefreshSerializer):
    """A refresh token."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("access", None)  # a response field
        self.fields["refresh"].help_text = "A refresh token from login, authenticate or turn-on."


class LogoutRequest(LogoutSerializer):
    """A refresh token, and whether to end every token of its user."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["refresh"].help_text = "A refresh token of the session to end."
        self.fields[
            "everywhere"
        ].help_text = "`true`: end every token of the user, on every device (no blacklist needed)."


class TotpCode(CodeSerializer):
    """A code from the authenticator app."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = (
            f"The {twofactor_settings.DIGITS}-digit code from the authenticator app, as a "
            "string (spaces inside are ignored)."
        )


class TotpOrRecoveryCode(CodeSerializer):
    """A code from the authenticator app, or a recovery code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, allow_recovery=True, **kwargs)
        self.fields["code"].help_text = (
            f"The {twofactor_settings.DIGITS}-digit code from the authenticator app, or an "
            "unused recovery code `xxxxx-xxxxx`, as a string."
        )


# Response bodies ---------------------------------------------------------------


@extend_schema_field({"type": "boolean", "enum": [False]})
class _FalseField(serializers.BooleanField):
    pass


@extend_schema_field({"type": "boolean", "enum": [True]})
class _TrueField(serializers.BooleanField):
    pass


class Closed:
    # A mixin for serializers: their schema admits no other keys, so that of a
    # ``oneOf`` exactly one shape matches a body. No docstring: drf-spectacular
    # would describe every subclass with it.
    pass


def _token(what: str) -> serializers.CharField:
    return serializers.CharField(help_text=what)


def _codes() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(),
        help_text="New recovery codes `xxxxx-xxxxx`, shown this once; each works once.",
    )


class TwoFactorError(serializers.Serializer[Any]):
    detail = serializers.CharField(help_text="A human-readable, translated message.")
    code = serializers.CharField(help_text="A stable machine code, e.g. `two_factor_required`.")


class AuthenticationError(TwoFactorError):
    messages = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        required=False,
        help_text="SimpleJWT's details on each token type tried.",
    )


class Unauthorized(Closed, AuthenticationError):
    """No token, or a bad, expired, wrong-type or revoked one (SimpleJWT's error)."""


class StepUpChallenge(serializers.Serializer[Any]):
    """RFC 9470: the last verification of a code is too old; `2fa/verify/`, then retry."""

    detail = serializers.CharField(help_text="A human-readable, translated message.")
    # A plain string, not an enum: a component "CodeEnum" would rename the
    # enums of a project's own fields named `code`.
    code = serializers.CharField(help_text=f"`{InsufficientUserAuthentication.default_code}`.")
    max_age = serializers.IntegerField(
        min_value=0,
        help_text="Seconds: the oldest authentication this endpoint accepts (as in "
        "`WWW-Authenticate`).",
    )


class TokenPair(serializers.Serializer[Any]):
    access = _token("Full access token; its claim holds `mfa`.")
    refresh = _token("Full refresh token; its claim holds `mfa`.")


class LoginTokens(serializers.Serializer[Any]):
    two_factor_required = _FalseField()
    two_factor_setup_required = serializers.BooleanField(
        help_text='`true`: `TWO_FACTOR["REQUIRED"]` covers the user; until 2FA is on, these '
        "tokens open only generate, turn-on, `2fa/`, refresh and logout."
    )
    access = _token("Full access token.")
    refresh = _token("Full refresh token.")


class LoginPending(serializers.Serializer[Any]):
    two_factor_required = _TrueField()
    two_factor_setup_required = serializers.BooleanField(
        help_text="Always `false`: 2FA is on already."
    )
    pending_token = _token("Short-lived token good only for `2fa/authenticate/`.")


class AccessToken(serializers.Serializer[Any]):
    access = _token("New access token; the claim of the refresh token is kept.")
    refresh = serializers.CharField(
        required=False, help_text="A new refresh token, only with `ROTATE_REFRESH_TOKENS`."
    )


class Setup(serializers.Serializer[Any]):
    secret = serializers.CharField(help_text="The new TOTP secret (base32).")
    otpauth_url = serializers.CharField(help_text="`otpauth://totp/…` URI for the app.")
    qr_code = serializers.CharField(help_text="The QR code as a `data:image/png;base64,` URI.")


class TwoFactorEnabled(TokenPair):
    recovery_codes = _codes()


class TwoFactorStatus(serializers.Serializer[Any]):
    enabled = serializers.BooleanField(help_text="Whether 2FA is on for the user.")
    recovery_codes_remaining = serializers.IntegerField(
        min_value=0, help_text="Unused recovery codes (0 while 2FA is off)."
    )


class RecoveryCodes(serializers.Serializer[Any]):
    recovery_codes = _codes()


class FieldErrors(Closed, serializers.Serializer[Any]):
    """Per field, its error messages (a wrong code: on `code`, `invalid_code`)."""


class ClosedSchema(OpenApiSerializerExtension):
    """No other keys: so a ``{"detail", "code"}`` body never matches field errors
    too, nor a challenge ``{"detail", "code", "max_age"}`` a token error."""

    target_class = Closed
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": False}


def field_errors(name: str, request: type[serializers.Serializer[Any]]) -> type[FieldErrors]:
    keys = [n for n, f in request().fields.items() if not f.read_only]
    fields = {
        key: serializers.ListField(child=serializers.CharField(), required=False)
        for key in [*keys, api_settings.NON_FIELD_ERRORS_KEY]
    }
    return type(name, (FieldErrors,), fields)


# Responses ---------------------------------------------------------------------

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    description="Whole seconds until code attempts are accepted again.",
)

WWW_AUTHENTICATE = OpenApiParameter(
    "WWW-Authenticate",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[401],
    required=True,
    description=(
        "RFC 9470's challenge when the authentication is too old: `Bearer "
        'error="insufficient_user_authentication", '
        f'error_description="{CHALLENGE_DESCRIPTION}", max_age="N"`; otherwise '
        '`Bearer realm="api"`.'
    ),
)

UNAUTHORIZED = (
    "No token, or a bad, expired or wrong-type token (SimpleJWT's error), or one the "
    "account has outlived: 2FA turned on, off or reset, password changed, logged out "
    "everywhere (`token_revoked`)."
)

UNAUTHORIZED_OR_CHALLENGE = PolymorphicProxySerializer(
    component_name="UnauthorizedOrChallenge",
    serializers=[Unauthorized, StepUpChallenge],
    resource_type_field_name=None,
)


def challenge_responses(when: str) -> dict[tuple[int, str], OpenApiResponse]:
    """The 401 of a view that can also answer RFC 9470's challenge, ``when`` says when.

    Give the operation ``parameters=[WWW_AUTHENTICATE]`` too: the header's
    ``max_age`` is the body's.
    """
    text = (
        f"{UNAUTHORIZED} Or RFC 9470's challenge, `insufficient_user_authentication`, with "
        f"`max_age` (seconds) in the body and in `WWW-Authenticate`: {when}."
    )
    return {(401, JSON): OpenApiResponse(UNAUTHORIZED_OR_CHALLENGE, description=text)}


@cache  # one component class per name, however many operations share it
def bad_request(name: str, request: type[serializers.Serializer[Any]], text: str) -> Any:
    body = PolymorphicProxySerializer(
        component_name=name,
        serializers=[field_errors(f"{name}Fields", request), TwoFactorError],
        resource_type_field_name=None,
    )
    return OpenApiResponse(body, description=text + " A body that is not JSON: `detail`.")


def error_responses(texts: dict[int, str]) -> dict[tuple[int, str], OpenApiResponse]:
    """``{status: description}`` as JSON error responses with ``detail`` and ``code``.

    Keyed by media type: errors are JSON even where the success is an image.
    """
    return {
        (status, JSON): OpenApiResponse(
            AuthenticationError if status == 401 else TwoFactorError, description=text
        )
        for status, text in texts.items()
    }


MISSING_FIELD = (
    "A field is missing or ill-formed; or the body is not valid JSON or form data in its "
    "charset (`parse_error`), or a form has too many fields (`too_many_fields`)."
)
WRONG_CODE = "A wrong, used or ill-formed code: on field `code`."
NEEDS_MFA = "2FA is on and the token lacks `mfa`: `two_factor_required`."
SETUP_REQUIRED = (
    'Or `TWO_FACTOR["REQUIRED"]` covers the user, who has 2FA off: '
    "`two_factor_setup_required` (generate, turn-on, `2fa/`, refresh and logout stay "
    "open)."
)
#: Any view behind ``IsTwoFactorAuthenticated``.
FORBIDDEN = f"{NEEDS_MFA} {SETUP_REQUIRED}"
#: Any view behind ``TwoFactorRequired``.
FORBIDDEN_UNLESS_ENABLED = (
    "2FA is off: `two_factor_not_enabled`; or the token lacks `mfa`: "
    f"`two_factor_required`. {SETUP_REQUIRED}"
)
BLOCKED = (
    "`FAILURE_LIMIT` wrong codes in a row: `two_factor_blocked`, until the password "
    "is changed or an administrator resets 2FA."
)
NOT_ENABLED = "2FA is off: `two_factor_not_enabled`; or `two_factor_secret_unreadable`."
LOCKED = "Too many wrong codes: `two_factor_locked`, with `Retry-After`."
UNSUPPORTED = (
    "The body is neither JSON nor form data, or its charset is not a text encoding: "
    "`unsupported_media_type`."
)
TOO_LARGE = "The body is over `DATA_UPLOAD_MAX_MEMORY_SIZE`: `request_too_large`."
NOT_ACCEPTABLE = "Neither `?format=` nor `Accept` names JSON, PNG or SVG: `not_acceptable`."


def documented(view: type, method: str, **schema: Any) -> type:
    """A subclass of ``view`` whose ``method`` carries ``schema``."""
    replacement = type(view.__name__, (view,), {"__module__": view.__module__})
    schema.setdefault("tags", TAGS)
    return extend_schema_view(**{method: extend_schema(**schema)})(replacement)


# Authentication ----------------------------------------------------------------


class PendingTokenScheme(OpenApiAuthenticationExtension):
    target_class = "django_twofactor.authentication.PendingTokenAuthentication"
    name = "pendingToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        settings = jwt_settings()
        scheme = build_bearer_security_scheme_object(
            header_name=settings.AUTH_HEADER_NAME,
            token_prefix=settings.AUTH_HEADER_TYPES[0],
            bearer_format="JWT",
        )
        scheme["description"] = (
            "The pending token from `login/` (2FA on): accepted by `2fa/authenticate/` "
            "only, rejected everywhere else."
        )
        return scheme


class TwoFactorJWTScheme(OpenApiAuthenticationExtension):
    """The package's JWT authentication is SimpleJWT's bearer scheme, same name."""

    target_class = "django_twofactor.authentication.TwoFactorJWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        settings = jwt_settings()
        return build_bearer_security_scheme_object(
            header_name=settings.AUTH_HEADER_NAME,
            token_prefix=settings.AUTH_HEADER_TYPES[0],
            bearer_format="JWT",
        )


# Views -------------------------------------------------------------------------


class LoginViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views.LoginView"

    def view_replacement(self) -> type:
        return documented(
            self.target,
            "post",
            operation_id="two_factor_login",
            summary="Log in with username and password",
            description=(
                "2FA off: full tokens whose claim holds `pwd`, and whether "
                '`TWO_FACTOR["REQUIRED"]` makes the user turn 2FA on first. 2FA on: only a '
                "short-lived pending token, good for `2fa/authenticate/` and nothing else."
            ),
            request=LoginRequest,
            responses={
                (200, JSON): OpenApiResponse(
                    PolymorphicProxySerializer(
                        component_name="LoginResult",
                        serializers=[LoginTokens, LoginPending],
                        resource_type_field_name=None,
                    ),
                    description="2FA off: full tokens. 2FA on: a pending token only.",
                ),
                (400, JSON): bad_request("LoginBadRequest", LoginRequest, MISSING_FIELD),
                **error_responses(
                    {
                        401: "Wrong credentials or inactive: `no_active_account`.",
                        413: TOO_LARGE,
                        415: UNSUPPORTED,
                    }
                ),
            },
        )


class RefreshViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views.RefreshView"

    def view_replacement(self) -> type:
        return documented(
            self.target,
            "post",
            operation_id="two_factor_refresh",
            summary="Refresh the access token (the claim is kept, never added)",
            description="SimpleJWT's refresh: the new access token keeps the claim.",
            request=RefreshRequest,
            responses={
                (200, JSON): OpenApiResponse(AccessToken, description="A new access token."),
                (400, JSON): bad_request("RefreshBadRequest", RefreshRequest, MISSING_FIELD),
                **error_responses(
                    {
                        401: "The refresh token is bad, expired or blacklisted "
                        "(`token_not_valid`), its user was deleted or is inactive "
                        "(`no_active_account`), or the account has outlived it "
                        "(`token_revoked`).",
                        413: TOO_LARGE,
                        415: UNSUPPORTED,
                    }
                ),
            },
        )


class LogoutViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views.LogoutView"

    def view_replacement(self) -> type:
        return documented(
            self.target,
            "post",
            operation_id="two_factor_logout",
            summary="Log out: end one refresh token, or every token of the user",
            description=(
                "The refresh token is the proof; no access token is needed. Without "
                "`everywhere`, that refresh token is blacklisted (SimpleJWT's blacklist app; "
                "access tokens it issued run out on their own). With `everywhere: true`, "
                "every access, refresh and pending token of the user stops working at once."
            ),
            request=LogoutRequest,
            responses={
                204: OpenApiResponse(description="Logged out."),
                (400, JSON): bad_request(
                    "LogoutBadRequest",
                    LogoutRequest,
                    MISSING_FIELD + " Or one token asked for without the blacklist app: "
                    "`token_blacklist_unavailable`.",
                ),
                **error_responses(
                    {
                        401: "The refresh token is bad, expired or blacklisted "
                        "(`token_not_valid`), its user is gone (`no_active_account`), or "
                        "the account has outlived it (`token_revoked`).",
                        413: TOO_LARGE,
                        415: UNSUPPORTED,
                    }
                ),
            },
        )


class AuthenticateViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views.AuthenticateView"

    def view_replacement(self) -> type:
        return documented(
            self.target,
            "post",
            operation_id="two_factor_authenticate",
            summary="Trade the pending token and a code for full tokens",
            description=(
                "A TOTP code adds `mfa` and `otp` to the claim, a recovery code `mfa` (and "
                "is spent). Each code works once; wrong codes count towards a lockout."
            ),
            request=TotpOrRecoveryCode,
            parameters=[RETRY_AFTER],
            responses={
                (200, JSON): OpenApiResponse(TokenPair, description="Full tokens with `mfa`."),
                (400, JSON): bad_request("CodeBadRequest", TotpOrRecoveryCode, WRONG_CODE),
                **error_responses(
                    {
                        401: "No pending token, a bad or expired one, or one the account "
                        "has outlived (`token_revoked`).",
                        403: BLOCKED,
                        409: "2FA is off for the user: `two_factor_not_enabled`; or "
                        "`two_factor_secret_unreadable`.",
                        413: TOO_LARGE,
                        415: UNSUPPORTED,
                        429: LOCKED,
                    }
                ),
            },
        )


class VerifyViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views.VerifyView"

    def view_replacement(self) -> type:
        return documented(
            self.target,
            "post",
            operation_id="two_factor_verify",
            summary="Step up: a code again, for tokens with a fresh `auth_time`",
            description=(
                "The answer to RFC 9470's challenge (401 `insufficient_user_authentication`): "
                "send a code with the full token, then retry with the new access token. A "
                "recovery code is spent. The same replay, lockout and block rules as "
                "`2fa/authenticate/`."
            ),
            request=TotpOrRecoveryCode,
            parameters=[RETRY_AFTER],
            responses={
                (200, JSON): OpenApiResponse(
                    TokenPair, description="Full tokens with `mfa` and `auth_time` of now."
                ),
                (400, JSON): bad_request("CodeBadRequest", TotpOrRecoveryCode, WRONG_CODE),
                **error_responses(
                    {
                        401: UNAUTHORIZED,
                        403: f"{FORBIDDEN} Or {BLOCKED}",
                        409: NOT_ENABLED,
                        413: TOO_LARGE,
                        415: UNSUPPORTED,
                        429: LOCKED,
                    }
                ),
            },
        )


class GenerateViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views.GenerateView"

    def view_replacement(self) -> type:
        return documented(
            self.target,
            "post",
            operation_id="two_factor_generate",
            summary="Start set-up: a new secret and its QR code",
            description=(
                "Stores a new secret (replacing an unconfirmed one) until turn-on. "
                "The response type follows `Accept` or `?format=`."
            ),
            request=None,
            parameters=[
                OpenApiParameter(
                    "format",
                    str,
                    OpenApiParameter.QUERY,
                    enum=["json", "png", "svg"],
                    description="Overrides `Accept`: JSON (default), a PNG or an SVG QR code.",
                )
            ],
            responses={
                (200, JSON): OpenApiResponse(Setup, description="The secret and its QR code."),
                (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
                (200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.STR),
                **error_responses(
                    {
                        401: UNAUTHORIZED,
                        403: NEEDS_MFA,
                        406: NOT_ACCEPTABLE,
                        409: "2FA is already on: `two_factor_already_enabled`.",
                    }
                ),
            },
        )


class TurnOnViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views.TurnOnView"

    def view_replacement(self) -> type:
        recent = int(twofactor_settings.RECENT_AUTHENTICATION.total_seconds())
        return documented(
            self.target,
            "post",
            operation_id="two_factor_turn_on",
            summary="Confirm set-up with a code and turn 2FA on",
            description=(
                "The first code from the app confirms generate's secret. The recovery codes "
                "are shown this once; the new tokens carry `mfa`. Needs a recent "
                f"authentication: a token whose `auth_time` is at most {recent} seconds old."
            ),
            request=TotpCode,
            parameters=[RETRY_AFTER, WWW_AUTHENTICATE],
            responses={
                (200, JSON): OpenApiResponse(
                    TwoFactorEnabled, description="Recovery codes and new tokens with `mfa`."
                ),
                (400, JSON): bad_request("TotpCodeBadRequest", TotpCode, WRONG_CODE),
                **challenge_responses(
                    f"the token's `auth_time` is missing or more than {recent} seconds old "
                    "(`RECENT_AUTHENTICATION`); log in again, as `refresh/` keeps `auth_time`"
                ),
                **error_responses(
                    {
                        403: f"{NEEDS_MFA} Or {BLOCKED}",
                        409: "`two_factor_already_enabled`; `two_factor_setup_not_started` "
                        "before generate; or `two_factor_secret_unreadable`.",
                        413: TOO_LARGE,
                        415: UNSUPPORTED,
                        429: LOCKED,
                    }
                ),
            },
        )


class TurnOffViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views.TurnOffView"

    def view_replacement(self) -> type:
        return documented(
            self.target,
            "post",
            operation_id="two_factor_turn_off",
            summary="Turn 2FA off (needs a code or a recovery code)",
            description="Removes the secret and the recovery codes.",
            request=TotpOrRecoveryCode,
            parameters=[RETRY_AFTER],
            responses={
                204: OpenApiResponse(description="2FA is off; recovery codes are gone."),
                (400, JSON): bad_request("CodeBadRequest", TotpOrRecoveryCode, WRONG_CODE),
                **error_responses(
                    {
                        401: UNAUTHORIZED,
                        403: f"{FORBIDDEN} Or {BLOCKED}",
                        409: NOT_ENABLED,
                        413: TOO_LARGE,
                        415: UNSUPPORTED,
                        429: LOCKED,
                    }
                ),
            },
        )


class StatusViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views.StatusView"

    def view_replacement(self) -> type:
        return documented(
            self.target,
            "get",
            operation_id="two_factor_status",
            summary="Whether 2FA is on, and how many recovery codes are left",
            description="The state only: the secret is never shown again after turn-on.",
            responses={
                (200, JSON): OpenApiResponse(TwoFactorStatus),
                **error_responses({401: UNAUTHORIZED, 403: NEEDS_MFA}),
            },
        )


class RecoveryCodesViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views.RecoveryCodesView"

    def view_replacement(self) -> type:
        return documented(
            self.target,
            "post",
            operation_id="two_factor_recovery_codes",
            summary="Replace the recovery codes (needs a code)",
            description="Needs a TOTP code, not a recovery code. The old codes stop working.",
            request=TotpCode,
            parameters=[RETRY_AFTER],
            responses={
                (200, JSON): OpenApiResponse(
                    RecoveryCodes, description="The new set; the old one stops working."
                ),
                (400, JSON): bad_request("TotpCodeBadRequest", TotpCode, WRONG_CODE),
                **error_responses(
                    {
                        401: UNAUTHORIZED,
                        403: f"{FORBIDDEN} Or {BLOCKED}",
                        409: NOT_ENABLED,
                        413: TOO_LARGE,
                        415: UNSUPPORTED,
                        429: LOCKED,
                    }
                ),
            },
        )
