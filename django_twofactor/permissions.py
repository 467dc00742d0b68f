"""Permission classes that read the second-factor claim; no database query."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from .tokens import has_second_factor

TWO_FACTOR_REQUIRED = "two_factor_required"
TWO_FACTOR_NOT_ENABLED = "two_factor_not_enabled"


class IsTwoFactorAuthenticated(BasePermission):
    """Authenticated, and either 2FA off for the user or ``mfa`` in the token."""

    message: Any = {
        "detail": _("Two-factor authentication is required: complete the second step first."),
        "code": TWO_FACTOR_REQUIRED,
    }
    code = TWO_FACTOR_REQUIRED

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not getattr(user, "two_factor_enabled", False):
            return True
        return has_second_factor(request.auth)


class TwoFactorRequired(IsTwoFactorAuthenticated):
    """For sensitive views: 2FA must be on and verified in this token."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not getattr(user, "two_factor_enabled", False):
            self.message = {
                "detail": _("Turn on two-factor authentication to use this."),
                "code": TWO_FACTOR_NOT_ENABLED,
            }
            self.code = TWO_FACTOR_NOT_ENABLED
            return False
        return has_second_factor(request.auth)
