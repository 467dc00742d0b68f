"""Who a token speaks for: the pending token's authentication, a refresh token's owner."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import Token

from .conf import jwt_settings
from .tokens import PendingToken


class PendingTokenAuthentication(JWTAuthentication):
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
