"""Who a token speaks for: JWT authentication bound to the account's state,
the pending token's authentication, a refresh token's owner."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError
from rest_framework_simplejwt.tokens import Token

from . import lifecycle
from .conf import jwt_settings
from .tokens import PendingToken

TOKEN_REVOKED = "token_revoked"  # noqa: S105  # an error code, not a secret


def token_revoked() -> AuthenticationFailed:
    detail = str(_("Token was revoked by a change to the account: log in again."))
    return AuthenticationFailed(detail, TOKEN_REVOKED)


def no_active_account() -> AuthenticationFailed:
    detail = str(_("No active account found for the given token."))
    return AuthenticationFailed(detail, "no_active_account")


class TwoFactorJWTAuthentication(JWTAuthentication):
    """SimpleJWT's ``JWTAuthentication``, refusing tokens the account has outlived.

    A token issued before 2FA was turned on, off or reset, before the password
    changed, or before "log out everywhere" is a 401 ``token_revoked``. The
    check compares the token's stamp with one computed from the user row this
    class loads anyway: no extra query.
    """

    def get_user(self, validated_token: Token) -> Any:
        user = super().get_user(validated_token)
        if not lifecycle.token_is_current(validated_token, user):
            raise token_revoked()
        return user


class PendingTokenAuthentication(TwoFactorJWTAuthentication):
    """Accepts the pending token only: the one credential ``2fa/authenticate/`` takes."""

    def get_validated_token(self, raw_token: bytes) -> Token:
        try:
            return PendingToken(raw_token)  # type: ignore[arg-type]  # annotated Token; takes bytes
        except TokenError as exc:
            raise InvalidToken(
                {
                    "detail": _("Token is not a valid pending two-factor token."),
                    "messages": [{"token_type": PendingToken.token_type, "message": exc.args[0]}],
                }
            ) from exc


class PendingOrAccessAuthentication(TwoFactorJWTAuthentication):
    """A pending token or a full access token: for what both steps share (a WebAuthn
    challenge for ``2fa/authenticate/`` or for ``2fa/verify/``).

    One class, not two in ``authentication_classes``: DRF stops at the first
    class that refuses a token, so a pending-only class would refuse every
    access token before the second class saw it.
    """

    def get_validated_token(self, raw_token: bytes) -> Token:
        try:
            return PendingToken(raw_token)  # type: ignore[arg-type]  # as above
        except TokenError:
            return super().get_validated_token(raw_token)


def live_owner(payload: Mapping[str, Any]) -> Any | None:
    """The user a token names, if they still exist and may log in; otherwise None.

    An id the user model cannot hold (its key type changed since the token was
    issued) names no one, like an id of a deleted user.
    """
    settings = jwt_settings()
    user_id = payload.get(settings.USER_ID_CLAIM)
    if user_id is None:
        return None
    model = get_user_model()
    try:
        user = model._default_manager.get(**{settings.USER_ID_FIELD: user_id})
    except (model.DoesNotExist, TypeError, ValueError, ValidationError):
        return None
    return user if settings.USER_AUTHENTICATION_RULE(user) else None


def current_owner(payload: Mapping[str, Any]) -> Any:
    """The user a refresh token speaks for: 401 ``no_active_account`` when they
    are gone or may not log in, 401 ``token_revoked`` when the account has
    outlived the token."""
    owner = live_owner(payload)
    if owner is None:
        raise no_active_account()
    if not lifecycle.token_is_current(payload, owner):
        raise token_revoked()
    return owner
