from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import Token

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
