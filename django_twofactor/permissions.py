"""Permission classes that read the second-factor claim; no database query."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework_simplejwt.tokens import Token

from . import lifecycle, sessions
from .authentication import TwoFactorJWTAuthentication, token_revoked
from .tokens import has_second_factor

TWO_FACTOR_REQUIRED = "two_factor_required"
TWO_FACTOR_NOT_ENABLED = "two_factor_not_enabled"


def _ensure_token_current(request: Request, user: Any) -> None:
    """Refuse (401) a SimpleJWT token the account has outlived.

    ``TwoFactorJWTAuthentication`` has checked it already; this covers projects
    that kept SimpleJWT's plain ``JWTAuthentication``.
    """
    token = request.auth
    if not isinstance(token, Token):
        return
    if isinstance(getattr(request, "successful_authenticator", None), TwoFactorJWTAuthentication):
        return
    if not lifecycle.token_is_current(token, user):
        raise token_revoked()


def _second_factor_verified(request: Request, user: Any) -> bool:
    """A token with ``mfa``, or a session that passed the admin's code step."""
    if isinstance(getattr(request, "successful_authenticator", None), SessionAuthentication):
        return sessions.is_verified(request._request, user)
    return has_second_factor(request.auth)


class IsTwoFactorAuthenticated(BasePermission):
    """Authenticated, and either 2FA off for the user or the second factor verified."""

    message: Any = {
        "detail": _("Two-factor authentication is required: complete the second step first."),
        "code": TWO_FACTOR_REQUIRED,
    }
    code = TWO_FACTOR_REQUIRED

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        _ensure_token_current(request, user)
        if not getattr(user, "two_factor_enabled", False):
            return True
        return _second_factor_verified(request, user)


class TwoFactorRequired(IsTwoFactorAuthenticated):
    """For sensitive views: 2FA must be on and verified for this request."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        _ensure_token_current(request, user)
        if not getattr(user, "two_factor_enabled", False):
            self.message = {
                "detail": _("Turn on two-factor authentication to use this."),
                "code": TWO_FACTOR_NOT_ENABLED,
            }
            self.code = TWO_FACTOR_NOT_ENABLED
            return False
        return _second_factor_verified(request, user)
