"""OpenAPI descriptions of the endpoints, for drf-spectacular (an optional extra).

The app's ``ready()`` imports this module only when drf-spectacular is
installed; the extensions register themselves on import. The views stay plain
DRF views: each extension hands drf-spectacular an annotated subclass instead.
Request bodies derive from the serializers the views use, so fields cannot
drift; response bodies are described here, as CONTRACT.md §5 gives them.

The security keys' endpoints and WebAuthn's JSON types are described in
``schema_webauthn``, on the helpers of this module.

Views that can answer RFC 9470's challenge (a 401 that asks for a more recent
authentication) document it with ``challenge_responses`` and the
``WWW_AUTHENTICATE`` header; a project's views behind
``TwoFactorRequired.max_age(N)`` can do the same (see the example project).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.core.validators import MinLengthValidator, RegexValidator
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
    OpenApiViewExtension,
)
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.settings import api_settings

from .codes import TOTP, WEBAUTHN
from .conf import jwt_settings, twofactor_settings
from .exceptions import CHALLENGE_DESCRIPTION
from .methods import webauthn
from .methods.recovery import codes as recovery_codes
from .serializers import (
    AuthenticateSerializer,
    CodeSerializer,
    LoginSerializer,
    LogoutSerializer,
    RefreshSerializer,
)
from .trusted_devices.models import NAME_MAX_LENGTH as DEVICE_NAME_MAX_LENGTH

JSON = "application/json"
TAGS = ["two-factor"]


class Closed:
    # A mixin for serializers: their schema admits no other keys, so that of a
    # ``oneOf`` exactly one shape matches a body. No docstring: drf-spectacular
    # would describe every subclass with it.
    pass


# Request bodies ----------------------------------------------------------------


class LoginRequest(LoginSerializer):
    """The user model's `USERNAME_FIELD` and the password; and, from a trusted device,
    its token."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            text_field(field)
            field.help_text = "The password." if name == "password" else f"The user's {name}."
        self.fields["device_token"].help_text = (
            "A trusted device's `device_token` (from `2fa/authenticate/`): while the device "
            "is live, full tokens at once, no code. Any other token (unknown, expired, "
            "forgotten, another user's, or trusted devices off) is ignored."
        )


class RefreshRequest(RefreshSerializer):
    """A refresh token."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("access", None)  # a response field
        text_field(self.fields["refresh"])
        self.fields["refresh"].help_text = "A refresh token from login, authenticate or turn-on."


class LogoutRequest(LogoutSerializer):
    """A refresh token, and whether to end every token of its user."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        text_field(self.fields["refresh"])
        self.fields["refresh"].help_text = "A refresh token of the session to end."
        self.fields[
            "everywhere"
        ].help_text = "`true`: end every token of the user, on every device (no blacklist needed)."


def totp_pattern() -> str:
    """``DIGITS`` ASCII digits; spaces anywhere are ignored (as the server reads them)."""
    return rf"^ *(?:[0-9] *){{{twofactor_settings.DIGITS}}}$"


def recovery_pattern() -> str:
    """A recovery code: its letters and digits, in any case; dashes and spaces ignored."""
    return rf"^[ -]*(?:[A-Za-z2-7][ -]*){{{recovery_codes.LENGTH}}}$"


def code_field(*, recovery: bool, help_text: str) -> serializers.RegexField:
    """The ``code`` of a request body, with the ``pattern`` the server accepts."""
    pattern = f"{totp_pattern()}|{recovery_pattern()}" if recovery else totp_pattern()
    return serializers.RegexField(
        pattern, min_length=twofactor_settings.DIGITS, max_length=64, help_text=help_text
    )


#: What DRF's ``CharField`` refuses in any string: NUL. (It refuses lone surrogates
#: too, which no valid JSON text decodes to and which a pattern cannot name in the
#: regex dialects generators read.)
_ANY = "[^\\u0000]"


def text_field(field: serializers.Field[Any, Any, Any, Any]) -> None:
    """A required string as DRF reads it: ``minLength`` 1, no NUL and, where the
    server trims it, a character that is not a space (``pattern``)."""
    if isinstance(field, serializers.CharField):
        field.validators.append(MinLengthValidator(1))
        if field.trim_whitespace:
            # Python's strip() also takes U+001C..U+001F, which are no \s elsewhere.
            pattern = f"^{_ANY}*[^\\s\\u0000\\u001c-\\u001f]{_ANY}*$"
        else:
            pattern = f"^{_ANY}+$"
        field.validators.append(RegexValidator(pattern))


def _one_of(serializer: Any, field: str, *optional: str) -> None:
    """``CodeSerializer`` reads ``code`` or ``credential``: keep ``field``, required
    (and the ``optional`` fields beside it)."""
    for name in list(serializer.fields):
        if name not in (field, *optional):
            del serializer.fields[name]
    serializer.fields[field].required = True


class TotpCode(Closed, CodeSerializer):
    """A code from the authenticator app."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _one_of(self, "code")
        self.fields["code"] = code_field(
            recovery=False,
            help_text=f"The {twofactor_settings.DIGITS}-digit code from the authenticator app, "
            "as a string (spaces inside are ignored).",
        )


def _code_or_recovery_code() -> str:
    return (
        f"The {twofactor_settings.DIGITS}-digit code from the authenticator app, or an "
        "unused recovery code `xxxxx-xxxxx`, as a string."
    )


class TotpOrRecoveryCode(Closed, CodeSerializer):
    """A code from the authenticator app, or a recovery code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, allow_recovery=True, **kwargs)
        _one_of(self, "code")
        self.fields["code"] = code_field(recovery=True, help_text=_code_or_recovery_code())


class SecurityKeyAssertion(Closed, CodeSerializer):
    """A security key's answer in place of a code: what `navigator.credentials.get()`
    gives for the options of `2fa/webauthn/authenticate/options/`, as
    `PublicKeyCredential.toJSON()` serializes it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _one_of(self, "credential")


TRUST_FIELDS = ("trust_device", "device_name")


def _trusting(serializer: Any) -> None:
    """``AuthenticateSerializer``'s fields beside the code or the key's answer."""
    serializer.fields["trust_device"].help_text = (
        "`true`: trust this device, and the answer adds its `device_token`; only where "
        '`TWO_FACTOR["TRUSTED_DEVICE_LIFETIME"]` is set (ignored otherwise).'
    )
    text_field(serializer.fields["device_name"])
    serializer.fields["device_name"].help_text = (
        f"A name for the trusted device, at most {DEVICE_NAME_MAX_LENGTH} characters "
        "(default: the `User-Agent`); a string."
    )


class TrustingTotpOrRecoveryCode(Closed, AuthenticateSerializer):
    """A code from the authenticator app, or a recovery code; and whether to trust
    this device."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, allow_recovery=True, **kwargs)
        _one_of(self, "code", *TRUST_FIELDS)
        self.fields["code"] = code_field(recovery=True, help_text=_code_or_recovery_code())
        _trusting(self)


class TrustingSecurityKeyAssertion(Closed, AuthenticateSerializer):
    """A security key's answer in place of a code (as for `SecurityKeyAssertion`); and
    whether to trust this device."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _one_of(self, "credential", *TRUST_FIELDS)
        _trusting(self)


@cache  # one component per name
def _code_or_assertion(
    name: str, code: type[serializers.Serializer[Any]], key: type[serializers.Serializer[Any]]
) -> Any:
    return PolymorphicProxySerializer(
        component_name=name,
        serializers=[code, key],
        resource_type_field_name=None,
    )


def code_or_key(
    name: str,
    code: type[serializers.Serializer[Any]],
    key: type[serializers.Serializer[Any]] = SecurityKeyAssertion,
) -> dict[str, Any]:
    """The body of a view that takes ``code`` or, with the webauthn extra, ``credential``
    (the ``key`` serializer).

    Bodies are JSON only (the views parse nothing else).
    """
    if not webauthn.available():
        return {JSON: code}
    return {JSON: _code_or_assertion(name, code, key)}


# Response bodies ---------------------------------------------------------------


@extend_schema_field({"type": "boolean", "enum": [False]})
class _FalseField(serializers.BooleanField):
    pass


@extend_schema_field({"type": "boolean", "enum": [True]})
class _TrueField(serializers.BooleanField):
    pass


def _token(what: str) -> serializers.CharField:
    return serializers.CharField(help_text=what)


def _codes() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(),
        help_text="New recovery codes `xxxxx-xxxxx`, shown this once; each works once.",
    )


class TwoFactorError(Closed, serializers.Serializer[Any]):
    """Every error of the package: a message for people, a stable code for programs."""

    detail = serializers.CharField(help_text="A human-readable, translated message.")
    code = serializers.CharField(
        help_text="A stable machine code, e.g. `two_factor_required`: tell errors apart by it."
    )


def _messages() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        required=False,
        help_text="SimpleJWT's details on each token type tried.",
    )


class Unauthorized(TwoFactorError):
    """No token, or a bad, expired, wrong-type or revoked one (SimpleJWT's error)."""

    messages = _messages()


class UnauthorizedOrStepUp(TwoFactorError):
    """No token, a bad one (as `Unauthorized`); or RFC 9470's challenge,
    `insufficient_user_authentication`, with `max_age`: verify at `2fa/verify/`
    (or log in again), then retry."""

    messages = _messages()
    max_age = serializers.IntegerField(
        min_value=0,
        required=False,
        help_text="Only with `insufficient_user_authentication`: seconds, the oldest "
        "authentication this endpoint accepts (as in `WWW-Authenticate`).",
    )


class TokenPair(serializers.Serializer[Any]):
    access = _token("Full access token; its claim holds `mfa`.")
    refresh = _token("Full refresh token; its claim holds `mfa`.")


class AuthenticatedTokens(TokenPair):
    device_token = serializers.CharField(
        required=False,
        help_text="Only when the request asked for `trust_device` and "
        '`TWO_FACTOR["TRUSTED_DEVICE_LIFETIME"]` is set: this device\'s token, shown this '
        "once (the server keeps only a keyed hash of it). Send it to `login/` beside the "
        "password to skip the code until the device expires or is forgotten.",
    )


class LoginTokens(serializers.Serializer[Any]):
    two_factor_required = _FalseField()
    two_factor_setup_required = serializers.BooleanField(
        help_text='`true`: `TWO_FACTOR["REQUIRED"]` covers the user; until 2FA is on, these '
        "tokens open only generate, turn-on, `2fa/`, the security keys' list and registration, "
        "refresh and logout."
    )
    access = _token("Full access token.")
    refresh = _token("Full refresh token.")


class LoginPending(serializers.Serializer[Any]):
    two_factor_required = _TrueField()
    two_factor_setup_required = serializers.BooleanField(
        help_text="Always `false`: 2FA is on already."
    )
    pending_token = _token(
        "Short-lived token good only for `2fa/authenticate/` (and "
        "`2fa/webauthn/authenticate/options/`)."
    )


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


class _MethodField(serializers.CharField):
    pass


class MethodSchema(OpenApiSerializerFieldExtension):
    """One component, not an enum per property: drf-spectacular would name that one
    after the field (``MethodsEnum``) and rename a project's own on a collision."""

    target_class = _MethodField

    def get_name(self) -> str:
        return "TwoFactorMethod"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {
            "type": "string",
            "enum": [TOTP, WEBAUTHN],
            "description": "`totp`: an authenticator app; `webauthn`: security keys or passkeys.",
        }


class TwoFactorStatus(serializers.Serializer[Any]):
    enabled = serializers.BooleanField(help_text="Whether 2FA is on for the user.")
    recovery_codes_remaining = serializers.IntegerField(
        min_value=0, help_text="Unused recovery codes (0 while 2FA is off)."
    )
    methods = serializers.ListField(
        child=_MethodField(),
        help_text="The methods that can answer the second step (empty while 2FA is off); "
        "recovery codes serve them all.",
    )


class NewRecoveryCodes(serializers.Serializer[Any]):
    recovery_codes = _codes()


class TrustedDevice(serializers.Serializer[Any]):
    """A device the user trusted at `2fa/authenticate/`; never its token."""

    id = serializers.IntegerField(help_text="The device's id, to forget it.")
    name = serializers.CharField(
        max_length=DEVICE_NAME_MAX_LENGTH,
        help_text="The name sent as `device_name`, else the browser's `User-Agent`.",
    )
    created_at = serializers.DateTimeField(help_text="When it was trusted.")
    last_used_at = serializers.DateTimeField(
        allow_null=True, help_text="When it last stood in for a code at `login/`; `null` if never."
    )
    expires_at = serializers.DateTimeField(
        help_text="When it stops working: `TRUSTED_DEVICE_LIFETIME` after it was trusted."
    )


class FieldErrors(Closed, serializers.Serializer[Any]):
    """A validation error's messages per field (a wrong code: on `code`; a refused
    security key: on `credential`); `detail` and `code` are its first. Absent when the
    body is not JSON at all (`parse_error`)."""


class ClosedSchema(OpenApiSerializerExtension):
    """No other keys than those described: Schemathesis and typed clients hold the
    server to exactly these bodies."""

    target_class = Closed
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": False}


@cache  # one component class per name
def field_errors(name: str, request: type[serializers.Serializer[Any]]) -> type[FieldErrors]:
    keys = [n for n, f in request().fields.items() if not f.read_only]
    fields = {
        key: serializers.ListField(child=serializers.CharField(), required=False)
        for key in [*keys, api_settings.NON_FIELD_ERRORS_KEY]
    }
    return type(name, (FieldErrors,), fields)


@cache  # one component class per name, however many operations share it
def bad_request_body(name: str, request: type[serializers.Serializer[Any]]) -> type[TwoFactorError]:
    """``{"detail", "code"}``, and for a validation error ``errors`` per field."""
    errors = field_errors(f"{name}Fields", request)(required=False)
    doc = "An error of the request body: `code` says which (`invalid_code`, `required`, ...)."
    return type(name, (TwoFactorError,), {"errors": errors, "__doc__": doc})


# Responses ---------------------------------------------------------------------

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    description="Whole seconds until the next attempt is accepted.",
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


def challenge_responses(when: str) -> dict[tuple[int, str], OpenApiResponse]:
    """The 401 of a view that can also answer RFC 9470's challenge, ``when`` says when.

    Give the operation ``parameters=[WWW_AUTHENTICATE]`` too: the header's
    ``max_age`` is the body's.
    """
    text = (
        f"{UNAUTHORIZED} Or RFC 9470's challenge, `insufficient_user_authentication`, with "
        f"`max_age` (seconds) in the body and in `WWW-Authenticate`: {when}."
    )
    return {(401, JSON): OpenApiResponse(UnauthorizedOrStepUp, description=text)}


def bad_request(name: str, request: type[serializers.Serializer[Any]], text: str) -> Any:
    """A 400: ``{"detail", "code"}``, with ``errors`` per field ``request`` reads."""
    body = bad_request_body(name, request)
    return OpenApiResponse(body, description=text + " A body that is not JSON: `parse_error`.")


def error_responses(texts: dict[int, str]) -> dict[tuple[int, str], OpenApiResponse]:
    """``{status: description}`` as JSON error responses with ``detail`` and ``code``.

    Keyed by media type: errors are JSON even where the success is an image.
    """
    return {
        (status, JSON): OpenApiResponse(
            Unauthorized if status == 401 else TwoFactorError, description=text
        )
        for status, text in texts.items()
    }


MISSING_FIELD = (
    "A field is missing or ill-formed; or the body is not valid JSON or form data in its "
    "charset (`parse_error`), or a form has too many fields (`too_many_fields`)."
)
WRONG_CODE = "A wrong, used or ill-formed code: on field `code`."
WRONG_CODE_OR_KEY = (
    "A wrong, used or ill-formed code: on field `code`. A security key's answer that is "
    "not valid, has expired or was already used, or is no `AuthenticationResponseJSON`, "
    "or a code and a credential both: on field `credential`."
)
NEEDS_MFA = "2FA is on and the token lacks `mfa`: `two_factor_required`."
SETUP_REQUIRED = (
    'Or `TWO_FACTOR["REQUIRED"]` covers the user, who has 2FA off: '
    "`two_factor_setup_required` (generate, turn-on, `2fa/`, the security keys' list and "
    "registration, refresh and logout stay open)."
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
NOT_ACCEPTABLE = "`Accept` names no JSON (the browsable API's `text/html`, say): `not_acceptable`."
NOT_ACCEPTABLE_IMAGE = "Neither `?format=` nor `Accept` names JSON, PNG or SVG: `not_acceptable`."


def documented(view: type, method: str, **schema: Any) -> type:
    """A subclass of ``view`` whose ``method`` carries ``schema``."""
    return documented_methods(view, {method: schema})


def documented_methods(view: type, schemas: dict[str, dict[str, Any]]) -> type:
    """A subclass of ``view`` whose methods carry their schemas (``{"patch": {...}}``).

    Besides ``extend_schema``'s arguments a schema may give ``links`` (``{status:
    {name: OpenAPI link}}``, which drf-spectacular has no argument for) and
    ``public=True`` (no credentials: ``security: []``, whatever a project's
    ``SPECTACULAR_SETTINGS["SECURITY"]`` adds). Every operation documents the 406
    that an ``Accept`` without JSON gets.
    """
    replacement = type(view.__name__, (view,), {"__module__": view.__module__})
    annotated = {}
    for method, schema in schemas.items():
        schema = dict(schema)
        links, public = schema.pop("links", {}), schema.pop("public", False)
        responses = dict(schema.pop("responses", {}))
        if not any(406 in (key if isinstance(key, tuple) else (key,)) for key in responses):
            responses.update(error_responses({406: NOT_ACCEPTABLE}))
        annotated[method] = extend_schema(**{"tags": TAGS, "responses": responses, **schema})
        annotated[method] = _then(annotated[method], _finishing(links, public))
    return extend_schema_view(**annotated)(replacement)


def _finishing(links: dict[int, dict[str, Any]], public: bool) -> Any:
    """What to add to the operation drf-spectacular built."""

    def finish(operation: dict[str, Any]) -> dict[str, Any]:
        # Every body the views read is required; drf-spectacular says so only of a
        # serializer with required fields, not of a oneOf (a code or a key's answer).
        if "requestBody" in operation:
            operation["requestBody"]["required"] = True
        if public:
            operation["security"] = []
        for status, named in links.items():
            operation["responses"][str(status)]["links"] = named
        return operation

    return finish


def _then(decorate: Any, finish: Any) -> Any:
    """``decorate`` (an ``extend_schema``), then ``finish`` on the operation it yields."""

    def decorator(function: Any) -> Any:
        function = decorate(function)
        base = function.kwargs["schema"]

        class Finished(base):  # type: ignore[misc,valid-type]
            def get_operation(self, *args: Any, **kwargs: Any) -> Any:
                operation = super().get_operation(*args, **kwargs)
                return finish(operation) if operation else operation

        function.kwargs["schema"] = Finished
        return function

    return decorator


def link(operation_id: str, description: str, **values: Any) -> dict[str, Any]:
    """An OpenAPI link to ``operation_id``: ``body=`` its request body (runtime
    expressions as values), other keywords its parameters (``path.id=...``)."""
    spec: dict[str, Any] = {"operationId": operation_id, "description": description}
    body = values.pop("body", None)
    if body is not None:
        spec["requestBody"] = body
    if values:
        spec["parameters"] = {name.replace("__", "."): value for name, value in values.items()}
    return spec


def token_links(refresh: str = "$response.body#/refresh") -> dict[str, Any]:
    """From a response with a refresh token: refreshing it, and logging it out."""
    return {
        "refresh": link(
            "two_factor_refresh", "Refresh the access token.", body={"refresh": refresh}
        ),
        "logout": link("two_factor_logout", "End this session.", body={"refresh": refresh}),
    }


def recent_authentication() -> tuple[int, dict[tuple[int, str], OpenApiResponse]]:
    """``RECENT_AUTHENTICATION`` in seconds, and the 401 of a view that enforces it."""
    recent = int(twofactor_settings.RECENT_AUTHENTICATION.total_seconds())
    return recent, challenge_responses(
        f"the token's `auth_time` is missing or more than {recent} seconds old "
        "(`RECENT_AUTHENTICATION`); log in again, or with 2FA on verify at `2fa/verify/`, "
        "as `refresh/` keeps `auth_time`"
    )


# Authentication ----------------------------------------------------------------


def jwt_scheme() -> dict[str, Any]:
    settings = jwt_settings()
    scheme: dict[str, Any] = build_bearer_security_scheme_object(
        header_name=settings.AUTH_HEADER_NAME,
        token_prefix=settings.AUTH_HEADER_TYPES[0],
        bearer_format="JWT",
    )
    return scheme


def pending_token_scheme() -> dict[str, Any]:
    return {
        **jwt_scheme(),
        "description": (
            "The pending token from `login/` (2FA on): accepted by `2fa/authenticate/` "
            "(and, for a security key's challenge, `2fa/webauthn/authenticate/options/`) "
            "only, rejected everywhere else."
        ),
    }


class PendingTokenScheme(OpenApiAuthenticationExtension):
    target_class = "django_twofactor.authentication.PendingTokenAuthentication"
    name = "pendingToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return pending_token_scheme()


class TwoFactorJWTScheme(OpenApiAuthenticationExtension):
    """The package's JWT authentication is SimpleJWT's bearer scheme, same name."""

    target_class = "django_twofactor.authentication.TwoFactorJWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return jwt_scheme()


# Examples ----------------------------------------------------------------------

FAKE_TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJl"  # noqa: S105 (a made-up JWT for the examples)


def answer_example(name: str, status: int, value: Any) -> OpenApiExample:
    """An example of an answer: ``value`` with ``status``."""
    return OpenApiExample(name, value=value, response_only=True, status_codes=[str(status)])


LOGIN_EXAMPLE = OpenApiExample(
    "Username and password",
    value={"username": "alice", "password": "correct horse battery staple"},
    request_only=True,
)
LOGIN_ANSWERS = [
    answer_example(
        "2FA off: full tokens",
        200,
        {
            "two_factor_required": False,
            "two_factor_setup_required": False,
            "access": FAKE_TOKEN,
            "refresh": FAKE_TOKEN,
        },
    ),
    answer_example(
        "2FA on: a pending token",
        200,
        {
            "two_factor_required": True,
            "two_factor_setup_required": False,
            "pending_token": FAKE_TOKEN,
        },
    ),
    answer_example(
        "Wrong password",
        401,
        {
            "detail": "No active account found with the given credentials",
            "code": "no_active_account",
        },
    ),
]
REFRESH_EXAMPLE = OpenApiExample(
    "A refresh token", value={"refresh": FAKE_TOKEN}, request_only=True
)
LOGOUT_EVERYWHERE_EXAMPLE = OpenApiExample(
    "Every session of the user",
    value={"refresh": FAKE_TOKEN, "everywhere": True},
    request_only=True,
)


ACCESS_EXAMPLE = answer_example("A new access token", 200, {"access": FAKE_TOKEN})


def code_example(name: str, code: str, **more: Any) -> OpenApiExample:
    return OpenApiExample(name, value={"code": code, **more}, request_only=True)


WRONG_CODE_EXAMPLE = answer_example(
    "A wrong or used code",
    400,
    {
        "detail": "The code is wrong or was already used.",
        "code": "invalid_code",
        "errors": {"code": ["The code is wrong or was already used."]},
    },
)
LOCKED_EXAMPLE = answer_example(
    "Locked after wrong codes",
    429,
    {"detail": "Too many wrong codes. Try again in 60 seconds.", "code": "two_factor_locked"},
)
SETUP_EXAMPLE = answer_example(
    "A new secret",
    200,
    {
        "secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        "otpauth_url": "otpauth://totp/Example:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        "&issuer=Example",
        "qr_code": "data:image/png;base64,iVBORw0KGgo=",
    },
)
STATUS_EXAMPLE = answer_example(
    "2FA on with an app",
    200,
    {"enabled": True, "recovery_codes_remaining": 10, "methods": ["totp"]},
)
DEVICES_EXAMPLE = answer_example(
    "One trusted device",
    200,
    # One item: drf-spectacular lists the example of a list response itself.
    {
        "id": 1,
        "name": "Work laptop",
        "created_at": "2027-01-15T08:00:00Z",
        "last_used_at": None,
        "expires_at": "2027-02-14T08:00:00Z",
    },
)
ALREADY_ENABLED_EXAMPLE = answer_example(
    "The app is on already",
    409,
    {
        "detail": "Two-factor authentication is already on.",
        "code": "two_factor_already_enabled",
    },
)
NOT_FOUND_EXAMPLE = answer_example(
    "No such device", 404, {"detail": "No device of yours has this id.", "code": "not_found"}
)


# Views -------------------------------------------------------------------------


class LoginViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views.LoginView"

    def view_replacement(self) -> type:
        return documented(
            self.target,
            "post",
            operation_id="two_factor_login",
            public=True,
            examples=[LOGIN_EXAMPLE, *LOGIN_ANSWERS],
            links={200: token_links()},
            summary="Log in with username and password",
            description=(
                "2FA off: full tokens whose claim holds `pwd`, and whether "
                '`TWO_FACTOR["REQUIRED"]` makes the user turn 2FA on first. 2FA on: only a '
                "short-lived pending token, good for `2fa/authenticate/` (and a security key's "
                "challenge) and nothing else; or, with the `device_token` of a live trusted "
                "device of the user, full tokens at once: `amr` holds `trusted_device` (never "
                "`otp`), and `auth_time` stays that of the code the device was trusted with, "
                "so a step-up still asks for a code. A `device_token` that cannot vouch is "
                "ignored: the answer is the one without it."
            ),
            request=LoginRequest,
            parameters=[RETRY_AFTER],
            responses={
                (200, JSON): OpenApiResponse(
                    PolymorphicProxySerializer(
                        component_name="LoginResult",
                        serializers=[LoginTokens, LoginPending],
                        resource_type_field_name=None,
                    ),
                    description="2FA off, or 2FA on and a live trusted device's "
                    "`device_token`: full tokens. 2FA on otherwise: a pending token only.",
                ),
                (400, JSON): bad_request("LoginBadRequest", LoginRequest, MISSING_FIELD),
                **error_responses(
                    {
                        401: "Wrong credentials or inactive: `no_active_account`.",
                        413: TOO_LARGE,
                        415: UNSUPPORTED,
                        429: "Too many logins from this client address, where the project "
                        "sets a rate for the throttle scope `twofactor_login`: `throttled`, "
                        "with `Retry-After`.",
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
            public=True,
            examples=[REFRESH_EXAMPLE, ACCESS_EXAMPLE],
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
            public=True,
            examples=[REFRESH_EXAMPLE, LOGOUT_EVERYWHERE_EXAMPLE],
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
            examples=[
                code_example("A code from the app", "123456"),
                code_example("A recovery code", "a2b3c-d4e5f"),
                code_example(
                    "Trust this device", "123456", trust_device=True, device_name="Work laptop"
                ),
                WRONG_CODE_EXAMPLE,
                LOCKED_EXAMPLE,
            ],
            links={200: token_links()},
            summary="Trade the pending token and a code (or a security key) for full tokens",
            description=(
                "A TOTP code adds `mfa` and `otp` to the claim, a recovery code `mfa` (and "
                "is spent), a security key's answer (`credential`, for the options of "
                "`2fa/webauthn/authenticate/options/`) `mfa`, `hwk` (`swk` for a synced "
                "passkey) and `user`. Each code and each answer works once; wrong ones count "
                'towards a lockout. Where `TWO_FACTOR["TRUSTED_DEVICE_LIFETIME"]` is set, '
                "`trust_device: true` also trusts this device: the answer adds its "
                "`device_token`, shown this once, for `login/`."
            ),
            request=code_or_key(
                "TrustingCodeOrSecurityKey",
                TrustingTotpOrRecoveryCode,
                TrustingSecurityKeyAssertion,
            ),
            parameters=[RETRY_AFTER],
            responses={
                (200, JSON): OpenApiResponse(
                    AuthenticatedTokens,
                    description="Full tokens with `mfa`; with a trusted device, its token.",
                ),
                (400, JSON): bad_request(
                    "AuthenticateBadRequest",
                    AuthenticateSerializer,
                    f"{WRONG_CODE_OR_KEY} A `device_name` over {DEVICE_NAME_MAX_LENGTH} "
                    "characters or not a string, or a `trust_device` that is no boolean: on "
                    "its field.",
                ),
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
            examples=[
                code_example("A code from the app", "123456"),
                code_example("A recovery code", "a2b3c-d4e5f"),
                WRONG_CODE_EXAMPLE,
                LOCKED_EXAMPLE,
            ],
            links={200: token_links()},
            summary="Step up: a code (or a security key) again, for tokens with a fresh "
            "`auth_time`",
            description=(
                "The answer to RFC 9470's challenge (401 `insufficient_user_authentication`): "
                "send a code, or a security key's answer to the options of "
                "`2fa/webauthn/authenticate/options/`, with the full token, then retry with "
                "the new access token. A recovery code is spent. The same replay, lockout and "
                "block rules as `2fa/authenticate/`."
            ),
            request=code_or_key("CodeOrSecurityKey", TotpOrRecoveryCode),
            parameters=[RETRY_AFTER],
            responses={
                (200, JSON): OpenApiResponse(
                    TokenPair, description="Full tokens with `mfa` and `auth_time` of now."
                ),
                (400, JSON): bad_request("CodeBadRequest", CodeSerializer, WRONG_CODE_OR_KEY),
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
            examples=[SETUP_EXAMPLE],
            summary="Start set-up: a new secret and its QR code",
            description=(
                "Stores a new secret (replacing an unconfirmed one) until turn-on. "
                "The response type follows `Accept` or `?format=`; `2fa/generate.png` and "
                "`2fa/generate.svg` answer with one image type each."
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
                        406: NOT_ACCEPTABLE_IMAGE,
                        409: "The authenticator app is on already: "
                        "`two_factor_already_enabled` (with security keys only, TOTP can be "
                        "added).",
                    }
                ),
            },
        )


def _generate_image(view: type, media_type: str, name: str, body: Any) -> type:
    return documented(
        view,
        "post",
        operation_id=f"two_factor_generate_{name}",
        examples=[ALREADY_ENABLED_EXAMPLE],
        summary=f"Start set-up, as generate does: the QR code alone, as {name.upper()}",
        description=(
            "`2fa/generate/` with one media type: stores a new secret (replacing an "
            "unconfirmed one) and answers with its QR code only. The secret is in the "
            "code's `otpauth://` URI; a client that shows the secret too uses "
            "`2fa/generate/`."
        ),
        request=None,
        responses={
            (200, media_type): OpenApiResponse(body, description="The QR code."),
            **error_responses(
                {
                    401: UNAUTHORIZED,
                    403: NEEDS_MFA,
                    406: f"`Accept` names no `{media_type}`: `not_acceptable`.",
                    409: "The authenticator app is on already: `two_factor_already_enabled`.",
                }
            ),
        },
    )


class GeneratePNGViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views.GeneratePNGView"

    def view_replacement(self) -> type:
        return _generate_image(self.target, "image/png", "png", OpenApiTypes.BINARY)


class GenerateSVGViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views.GenerateSVGView"

    def view_replacement(self) -> type:
        return _generate_image(self.target, "image/svg+xml", "svg", OpenApiTypes.STR)


class TurnOnViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views.TurnOnView"

    def view_replacement(self) -> type:
        recent, challenge = recent_authentication()
        return documented(
            self.target,
            "post",
            operation_id="two_factor_turn_on",
            examples=[code_example("The first code from the app", "123456"), WRONG_CODE_EXAMPLE],
            links={200: token_links()},
            summary="Confirm set-up with a code and turn 2FA on",
            description=(
                "The first code from the app confirms generate's secret: TOTP is on, as the "
                "first method or beside security keys. The recovery codes (a new set) are "
                "shown this once; the new tokens carry `mfa`. Needs a recent "
                f"authentication: a token whose `auth_time` is at most {recent} seconds old."
            ),
            request={JSON: TotpCode},
            parameters=[RETRY_AFTER, WWW_AUTHENTICATE],
            responses={
                (200, JSON): OpenApiResponse(
                    TwoFactorEnabled, description="Recovery codes and new tokens with `mfa`."
                ),
                (400, JSON): bad_request("CodeBadRequest", CodeSerializer, WRONG_CODE),
                **challenge,
                **error_responses(
                    {
                        403: f"{NEEDS_MFA} Or {BLOCKED}",
                        409: "The authenticator app is on already: "
                        "`two_factor_already_enabled`; `two_factor_setup_not_started` "
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
            examples=[
                code_example("A code from the app", "123456"),
                code_example("A recovery code", "a2b3c-d4e5f"),
                WRONG_CODE_EXAMPLE,
            ],
            summary="Turn 2FA off (needs a code, a recovery code or a security key)",
            description=(
                "Removes every method: the secret, the security keys and the recovery codes. "
                "Every token of the user stops working."
            ),
            request=code_or_key("CodeOrSecurityKey", TotpOrRecoveryCode),
            parameters=[RETRY_AFTER],
            responses={
                204: OpenApiResponse(
                    description="2FA is off; security keys and recovery codes are gone."
                ),
                (400, JSON): bad_request("CodeBadRequest", CodeSerializer, WRONG_CODE_OR_KEY),
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
            examples=[STATUS_EXAMPLE],
            summary="Whether 2FA is on, with which methods, and how many recovery codes are left",
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
            examples=[code_example("A code from the app", "123456"), WRONG_CODE_EXAMPLE],
            summary="Replace the recovery codes (needs a code or a security key)",
            description=(
                "Needs a TOTP code or a security key's answer, not a recovery code. The old "
                "codes stop working."
            ),
            request=code_or_key("TotpCodeOrSecurityKey", TotpCode),
            parameters=[RETRY_AFTER],
            responses={
                (200, JSON): OpenApiResponse(
                    NewRecoveryCodes, description="The new set; the old one stops working."
                ),
                (400, JSON): bad_request("CodeBadRequest", CodeSerializer, WRONG_CODE_OR_KEY),
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


DEVICE_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The device's `id`."
)


class DevicesViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views.DevicesView"

    def view_replacement(self) -> type:
        return documented(
            self.target,
            "get",
            operation_id="two_factor_devices",
            examples=[DEVICES_EXAMPLE],
            links={
                200: {
                    "forget": link(
                        "two_factor_device_forget",
                        "Forget the first device.",
                        path__id="$response.body#/0/id",
                    )
                }
            },
            summary="The user's trusted devices",
            description=(
                "The devices that can still stand in for a code at `login/`: unexpired, and "
                "trusted since the account's last turn-off, reset, password change or logout "
                "everywhere (each forgets them all). Oldest first; empty while there are none."
            ),
            responses={
                (200, JSON): OpenApiResponse(TrustedDevice(many=True)),
                **error_responses({401: UNAUTHORIZED, 403: FORBIDDEN}),
            },
        )


class DeviceViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views.DeviceView"

    def view_replacement(self) -> type:
        return documented(
            self.target,
            "delete",
            operation_id="two_factor_device_forget",
            examples=[NOT_FOUND_EXAMPLE],
            summary="Forget a trusted device",
            description=(
                "Its token stops working at once: `login/` with it asks for a code again."
            ),
            request=None,
            parameters=[DEVICE_ID],
            responses={
                204: OpenApiResponse(description="Forgotten."),
                **error_responses(
                    {
                        401: UNAUTHORIZED,
                        403: FORBIDDEN,
                        404: "No device of the user has this `id`: `not_found`.",
                    }
                ),
            },
        )
