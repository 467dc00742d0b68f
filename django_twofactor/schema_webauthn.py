"""OpenAPI descriptions of security keys and passkeys (CONTRACT §13), for drf-spectacular.

Loaded with ``schema`` (see ``apps.py``) and built on its helpers. WebAuthn's
JSON types are named as WebAuthn Level 3 names them, so that a client can hand
``PublicKeyCredentialCreationOptionsJSON`` to
``PublicKeyCredential.parseCreationOptionsFromJSON()`` and send back what
``PublicKeyCredential.toJSON()`` gives. Their string-valued members (``type``,
``transports``, ``userVerification``…) are plain strings, not enums: the
Level 3 JSON types declare them ``DOMString`` so that browsers and servers
stay compatible as values are added.

Where the webauthn extra is not installed the views are not routed, so these
operations are simply absent from the schema.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
    OpenApiViewExtension,
)
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from .authentication import PendingTokenAuthentication, TwoFactorJWTAuthentication
from .methods.webauthn.models import NAME_MAX_LENGTH, REGISTRATION
from .schema import (
    BLOCKED,
    FORBIDDEN,
    JSON,
    LOCKED,
    MISSING_FIELD,
    NEEDS_MFA,
    RETRY_AFTER,
    TOO_LARGE,
    UNAUTHORIZED,
    UNSUPPORTED,
    WWW_AUTHENTICATE,
    answer_example,
    bad_request,
    documented,
    documented_methods,
    error_responses,
    jwt_scheme,
    link,
    pending_token_scheme,
    recent_authentication,
    text_field,
)
from .serializers import RegistrationSerializer, RenameSerializer

BASE64URL = "base64url, no padding"

# What the browser sends: PublicKeyCredential.toJSON() -------------------------


def _string(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _credential(name: str, what: str, response: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "title": name,
        "description": (
            f"{what}, as `PublicKeyCredential.toJSON()` serializes it (WebAuthn Level 3 "
            f"`{name}`). Other members are allowed and ignored."
        ),
        "properties": {
            "id": _string(f"The credential ID ({BASE64URL})."),
            "rawId": _string(f"The credential ID again ({BASE64URL})."),
            "type": _string("`public-key`."),
            "response": response,
            "authenticatorAttachment": {
                **_string("`platform` or `cross-platform`, when the browser tells."),
                "nullable": True,
            },
            "clientExtensionResults": {
                "type": "object",
                "additionalProperties": True,
                "description": "The extensions' outputs (none are asked for).",
            },
        },
        "required": ["id", "rawId", "type", "response"],
        "additionalProperties": True,
    }


ASSERTION_RESPONSE = {
    "type": "object",
    "description": "`AuthenticatorAssertionResponseJSON`.",
    "properties": {
        "clientDataJSON": _string(f"The client data ({BASE64URL})."),
        "authenticatorData": _string(f"The authenticator data ({BASE64URL})."),
        "signature": _string(f"The signature ({BASE64URL})."),
        "userHandle": {**_string(f"The user handle ({BASE64URL}), if any."), "nullable": True},
    },
    "required": ["clientDataJSON", "authenticatorData", "signature"],
    "additionalProperties": True,
}

ATTESTATION_RESPONSE = {
    "type": "object",
    "description": "`AuthenticatorAttestationResponseJSON`.",
    "properties": {
        "clientDataJSON": _string(f"The client data ({BASE64URL})."),
        "attestationObject": _string(f"The attestation object ({BASE64URL})."),
        "transports": {
            "type": "array",
            "items": {"type": "string"},
            "description": "How the key talks to the browser (`usb`, `nfc`, `ble`, "
            "`internal`, `hybrid`…): stored, and offered back in the options.",
        },
    },
    "required": ["clientDataJSON", "attestationObject"],
    "additionalProperties": True,
}


class CredentialFieldSchema(OpenApiSerializerFieldExtension):
    """``CredentialField`` is a JSON object: the registration or the assertion, by ceremony."""

    target_class = "django_twofactor.serializers.CredentialField"

    def get_name(self) -> str:
        return (
            "RegistrationResponseJSON"
            if self.target.ceremony == REGISTRATION
            else "AuthenticationResponseJSON"
        )

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        if self.target.ceremony == REGISTRATION:
            return _credential(
                "RegistrationResponseJSON",
                "What `navigator.credentials.create()` resolves to for the options of "
                "`2fa/webauthn/register/options/`",
                ATTESTATION_RESPONSE,
            )
        return _credential(
            "AuthenticationResponseJSON",
            "What `navigator.credentials.get()` resolves to for the options of "
            "`2fa/webauthn/authenticate/options/`",
            ASSERTION_RESPONSE,
        )


# What the server sends: the options ---------------------------------------------


class PublicKeyCredentialRpEntity(serializers.Serializer[Any]):
    id = serializers.CharField(help_text="The RP ID: the site's domain (`WEBAUTHN_RP_ID`).")
    name = serializers.CharField(help_text="The site's name for people (`WEBAUTHN_RP_NAME`).")


class PublicKeyCredentialUserEntityJSON(serializers.Serializer[Any]):
    id = serializers.CharField(
        help_text=f"An opaque user handle ({BASE64URL}); no personal data in it."
    )
    name = serializers.CharField(help_text="The username.")
    displayName = serializers.CharField(help_text="The name the browser shows.")


class PublicKeyCredentialParameters(serializers.Serializer[Any]):
    type = serializers.CharField(help_text="`public-key`.")
    alg = serializers.IntegerField(help_text="A COSE algorithm (-7: ES256, -8: EdDSA, …).")


class PublicKeyCredentialDescriptorJSON(serializers.Serializer[Any]):
    id = serializers.CharField(help_text=f"A credential ID of the user ({BASE64URL}).")
    type = serializers.CharField(help_text="`public-key`.")
    transports = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="How that key talks to the browser, as it said at registration.",
    )


class AuthenticatorSelectionCriteria(serializers.Serializer[Any]):
    residentKey = serializers.CharField(help_text="`discouraged`.")
    requireResidentKey = serializers.BooleanField(help_text="`false`.")
    userVerification = serializers.CharField(help_text="`preferred`.")


def _timeout() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0, help_text="Milliseconds the browser may wait for the user."
    )


def _challenge() -> serializers.CharField:
    return serializers.CharField(
        help_text=f"A random challenge ({BASE64URL}), good once and for a few minutes."
    )


class PublicKeyCredentialCreationOptionsJSON(serializers.Serializer[Any]):
    """For `PublicKeyCredential.parseCreationOptionsFromJSON()`, then
    `navigator.credentials.create({publicKey})` (WebAuthn Level 3, §5.4.3). Other
    members may come and are to be passed on."""

    rp = PublicKeyCredentialRpEntity()
    user = PublicKeyCredentialUserEntityJSON()
    challenge = _challenge()
    pubKeyCredParams = PublicKeyCredentialParameters(many=True)
    timeout = _timeout()
    excludeCredentials = PublicKeyCredentialDescriptorJSON(
        many=True, help_text="The user's keys, so that none is registered twice."
    )
    authenticatorSelection = AuthenticatorSelectionCriteria()
    attestation = serializers.CharField(help_text="`none`: no attestation is asked for.")


class PublicKeyCredentialRequestOptionsJSON(serializers.Serializer[Any]):
    """For `PublicKeyCredential.parseRequestOptionsFromJSON()`, then
    `navigator.credentials.get({publicKey})` (WebAuthn Level 3, §5.5.1). Other
    members may come and are to be passed on."""

    challenge = _challenge()
    timeout = _timeout()
    rpId = serializers.CharField(help_text="The RP ID (`WEBAUTHN_RP_ID`).")
    allowCredentials = PublicKeyCredentialDescriptorJSON(
        many=True, help_text="The user's keys: one of them is to answer."
    )
    userVerification = serializers.CharField(help_text="`preferred`.")


# The API's own bodies -------------------------------------------------------------


class SecurityKey(serializers.Serializer[Any]):
    """A security key or passkey of the user; never its credential ID or public key."""

    id = serializers.IntegerField(help_text="The key's id, for rename and delete.")
    name = serializers.CharField(max_length=NAME_MAX_LENGTH, help_text="The user's name for it.")
    created_at = serializers.DateTimeField(help_text="When it was registered.")
    last_used_at = serializers.DateTimeField(
        allow_null=True, help_text="When it last answered a challenge; `null` if never."
    )


class RegisteredSecurityKey(SecurityKey):
    """The new key; when it was the account's first method, also what turn-on gives."""

    recovery_codes = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Only when this key turned 2FA on: new recovery codes `xxxxx-xxxxx`, "
        "shown this once.",
    )
    access = serializers.CharField(
        required=False,
        help_text="Only when this key turned 2FA on: a full access token with `mfa` (the "
        "tokens of before stop working).",
    )
    refresh = serializers.CharField(
        required=False, help_text="Only when this key turned 2FA on: its refresh token."
    )


class KeyRegistration(RegistrationSerializer):
    """The browser's answer to the creation options, and a name for the key."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        text_field(self.fields["name"])
        self.fields[
            "name"
        ].help_text = "A name to tell the keys apart (default: `Security key`); a string."


class KeyRename(RenameSerializer):
    """A new name for the key."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        text_field(self.fields["name"])
        self.fields["name"].help_text = "The key's new name; a string."

    # drf-spectacular describes a PATCH body as DRF's partial update would read it,
    # every field optional; the view reads a whole RenameSerializer: `name` is required.
    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value: bool) -> None:
        pass


# Authentication -----------------------------------------------------------------


class PendingOrAccessScheme(OpenApiAuthenticationExtension):
    """Either token: the pending one before `2fa/authenticate/`, a full one before
    `2fa/verify/`. The two schemes are the ones the other views declare, registered
    under their own classes so that drf-spectacular sees no name clash."""

    target_class = "django_twofactor.authentication.PendingOrAccessAuthentication"
    name: list[str] = []  # registered below, not by drf-spectacular

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        for name, owner, definition in [
            ("pendingToken", PendingTokenAuthentication, pending_token_scheme()),
            ("jwtAuth", TwoFactorJWTAuthentication, jwt_scheme()),
        ]:
            auto_schema.registry.register_on_missing(
                ResolvedComponent(
                    name=name,
                    type=ResolvedComponent.SECURITY_SCHEMA,
                    object=owner,
                    schema=definition,
                )
            )
        return [{"pendingToken": []}, {"jwtAuth": []}]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        return []


# Views ----------------------------------------------------------------------------

KEY_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The key's `id`."
)
NO_BODY = "No request body (one sent is ignored)."
REGISTRATION_REFUSED = (
    "Or the server refuses the key's answer (not for its challenge, origin or RP ID, the "
    "challenge expired or was used, or the key is registered already): on field "
    "`credential`."
)


KEY_EXAMPLE = answer_example(
    "A key",
    200,
    {
        "id": 1,
        "name": "Office key",
        "created_at": "2027-01-15T08:00:00Z",
        "last_used_at": "2027-01-16T09:30:00Z",
    },
)
# Made-up base64url values: the shapes a browser and the server exchange.
_CREDENTIAL_ID = "3q2-7wABAgMEBQYHCAkKCw"
CREATION_OPTIONS_EXAMPLE = answer_example(
    "Creation options",
    200,
    {
        "rp": {"id": "example.com", "name": "Example"},
        "user": {"id": "q83vEjRWeJA", "name": "alice", "displayName": "alice"},
        "challenge": "kF8Cq0Jf3vWm9T4yYl6cHg",
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -8}],
        "timeout": 60000,
        "excludeCredentials": [],
        "authenticatorSelection": {
            "residentKey": "discouraged",
            "requireResidentKey": False,
            "userVerification": "preferred",
        },
        "attestation": "none",
    },
)
REGISTRATION_EXAMPLE = OpenApiExample(
    "A key's answer (what the browser gives)",
    value={
        "credential": {
            "id": _CREDENTIAL_ID,
            "rawId": _CREDENTIAL_ID,
            "type": "public-key",
            "response": {
                "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0",
                "attestationObject": "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YQ",
                "transports": ["usb"],
            },
            "clientExtensionResults": {},
        },
        "name": "Office key",
    },
    request_only=True,
)
REQUEST_OPTIONS_EXAMPLE = answer_example(
    "Request options",
    200,
    {
        "challenge": "bW9yZS1yYW5kb20tYnl0ZXM",
        "timeout": 60000,
        "rpId": "example.com",
        "allowCredentials": [{"id": _CREDENTIAL_ID, "type": "public-key", "transports": ["usb"]}],
        "userVerification": "preferred",
    },
)
KEY_NOT_FOUND_EXAMPLE = answer_example(
    "No such key", 404, {"detail": "Not found.", "code": "not_found"}
)
# One item: drf-spectacular lists the example of a list response itself.
KEYS_EXAMPLE = answer_example("One key", 200, KEY_EXAMPLE.value)


class RegisterOptionsViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views_webauthn.RegisterOptionsView"

    def view_replacement(self) -> type:
        recent, challenge = recent_authentication()
        return documented(
            self.target,
            "post",
            operation_id="two_factor_webauthn_register_options",
            examples=[CREATION_OPTIONS_EXAMPLE],
            summary="Start registering a security key: the creation options",
            description=(
                "The options for `navigator.credentials.create()`, with a challenge good "
                "once; the user's keys are in `excludeCredentials`. Open while 2FA is off "
                "(a first key turns it on). Needs a recent authentication: a token whose "
                f"`auth_time` is at most {recent} seconds old. {NO_BODY}"
            ),
            request=None,
            parameters=[WWW_AUTHENTICATE],
            responses={
                (200, JSON): OpenApiResponse(
                    PublicKeyCredentialCreationOptionsJSON,
                    description="The creation options; send the browser's answer to "
                    "`2fa/webauthn/register/`.",
                ),
                **challenge,
                **error_responses({403: NEEDS_MFA}),
            },
        )


class RegisterViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views_webauthn.RegisterView"

    def view_replacement(self) -> type:
        recent, challenge = recent_authentication()
        return documented(
            self.target,
            "post",
            operation_id="two_factor_webauthn_register",
            examples=[REGISTRATION_EXAMPLE],
            summary="Register a security key (the first one turns 2FA on)",
            description=(
                "The browser's answer to the options of `2fa/webauthn/register/options/`. "
                "With 2FA off, the key turns it on as turn-on does: the response adds "
                "recovery codes and new tokens (`amr` with `mfa`, `hwk` or `swk`, and "
                "`user`), and the tokens of before stop working. Needs a recent "
                f"authentication: a token whose `auth_time` is at most {recent} seconds old."
            ),
            request={JSON: KeyRegistration},
            parameters=[RETRY_AFTER, WWW_AUTHENTICATE],
            responses={
                (201, JSON): OpenApiResponse(
                    RegisteredSecurityKey,
                    description="The key; with 2FA off before, also recovery codes and tokens.",
                ),
                (400, JSON): bad_request(
                    "KeyRegistrationBadRequest",
                    KeyRegistration,
                    f"{MISSING_FIELD} {REGISTRATION_REFUSED}",
                ),
                **challenge,
                **error_responses(
                    {
                        403: f"{NEEDS_MFA} Or {BLOCKED}",
                        409: "2FA was turned on by another request meanwhile: "
                        "`two_factor_already_enabled`.",
                        413: TOO_LARGE,
                        415: UNSUPPORTED,
                        429: LOCKED,
                    }
                ),
            },
        )


class KeysViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views_webauthn.KeysView"

    def view_replacement(self) -> type:
        return documented(
            self.target,
            "get",
            operation_id="two_factor_webauthn_keys",
            examples=[KEYS_EXAMPLE],
            links={
                200: {
                    "rename": link(
                        "two_factor_webauthn_rename",
                        "Rename the first key.",
                        path__id="$response.body#/0/id",
                        body={"name": "Office key"},
                    ),
                    "delete": link(
                        "two_factor_webauthn_delete",
                        "Delete the first key.",
                        path__id="$response.body#/0/id",
                    ),
                }
            },
            summary="The user's security keys",
            description="Oldest first. Empty while the user has none.",
            responses={
                (200, JSON): OpenApiResponse(SecurityKey(many=True)),
                **error_responses({401: UNAUTHORIZED, 403: NEEDS_MFA}),
            },
        )


class KeyViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views_webauthn.KeyView"

    def view_replacement(self) -> type:
        recent, challenge = recent_authentication()
        not_found = "No key of the user has this `id`: `not_found`."
        return documented_methods(
            self.target,
            {
                "patch": {
                    "operation_id": "two_factor_webauthn_rename",
                    "examples": [
                        OpenApiExample(
                            "A new name", value={"name": "Office key"}, request_only=True
                        ),
                        KEY_EXAMPLE,
                    ],
                    "summary": "Rename a security key",
                    "description": "Only the name changes.",
                    "request": {JSON: KeyRename},
                    "parameters": [KEY_ID],
                    "responses": {
                        (200, JSON): OpenApiResponse(SecurityKey, description="The key."),
                        (400, JSON): bad_request("KeyRenameBadRequest", KeyRename, MISSING_FIELD),
                        **error_responses(
                            {
                                401: UNAUTHORIZED,
                                403: FORBIDDEN,
                                404: not_found,
                                413: TOO_LARGE,
                                415: UNSUPPORTED,
                            }
                        ),
                    },
                },
                "delete": {
                    "operation_id": "two_factor_webauthn_delete",
                    "examples": [KEY_NOT_FOUND_EXAMPLE],
                    "summary": "Delete a security key (the last method turns 2FA off)",
                    "description": (
                        "Without another method (another key or the authenticator app), 2FA "
                        "goes off as with turn-off: recovery codes are gone and every token "
                        "of the user stops working. Needs a recent authentication: a token "
                        f"whose `auth_time` is at most {recent} seconds old."
                    ),
                    "request": None,
                    "parameters": [KEY_ID, WWW_AUTHENTICATE],
                    "responses": {
                        204: OpenApiResponse(
                            description="Deleted; with the last method, 2FA is off."
                        ),
                        **challenge,
                        **error_responses({403: FORBIDDEN, 404: not_found}),
                    },
                },
            },
        )


class AuthenticateOptionsViewSchema(OpenApiViewExtension):
    target_class = "django_twofactor.views_webauthn.AuthenticateOptionsView"

    def view_replacement(self) -> type:
        return documented(
            self.target,
            "post",
            operation_id="two_factor_webauthn_authenticate_options",
            examples=[REQUEST_OPTIONS_EXAMPLE],
            summary="A security key's challenge: the request options",
            description=(
                "The options for `navigator.credentials.get()`, with a challenge good once "
                "and the user's keys in `allowCredentials`. With the pending token before "
                "`2fa/authenticate/`, or with a full token before `2fa/verify/`, "
                f"`2fa/turn-off/` or `2fa/recovery-codes/`. {NO_BODY}"
            ),
            request=None,
            responses={
                (200, JSON): OpenApiResponse(
                    PublicKeyCredentialRequestOptionsJSON,
                    description="The request options; send the browser's answer as `credential`.",
                ),
                **error_responses(
                    {
                        401: "No token, a bad or expired one (neither a pending nor an "
                        "access token), or one the account has outlived (`token_revoked`).",
                        409: "2FA is off: `two_factor_not_enabled`; or the user has no "
                        "security key: `two_factor_no_security_key`.",
                    }
                ),
            },
        )
