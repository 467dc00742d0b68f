"""Permission classes that read the second-factor claim; no database query."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework_simplejwt.tokens import Token

from . import exceptions as errors  # the module: exceptions imports DRF's views, which
from . import lifecycle, policy, sessions  # import the default permission classes
from .authentication import TwoFactorJWTAuthentication, token_revoked
from .conf import jwt_settings
from .tokens import auth_time_of, has_second_factor

TWO_FACTOR_REQUIRED = "two_factor_required"
TWO_FACTOR_NOT_ENABLED = "two_factor_not_enabled"
TWO_FACTOR_SETUP_REQUIRED = "two_factor_setup_required"

SETUP_REQUIRED_MESSAGE = {
    "detail": _("Turn on two-factor authentication first: this account must use it."),
    "code": TWO_FACTOR_SETUP_REQUIRED,
}


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


def _by_session(request: Request) -> bool:
    return isinstance(getattr(request, "successful_authenticator", None), SessionAuthentication)


def _second_factor_verified(request: Request, user: Any) -> bool:
    """A token with ``mfa``, or a session that passed the admin's code step."""
    if _by_session(request):
        return sessions.is_verified(request._request, user)
    return has_second_factor(request.auth)


def ensure_recent_authentication(request: Request, max_age: int) -> None:
    """RFC 9470: the last interactive authentication must be ``max_age`` seconds old
    at most (the token's ``auth_time``, or when a session passed the code step);
    otherwise the 401 challenge."""
    if _by_session(request):
        authenticated_at = sessions.verified_at(request._request, request.user)
    else:
        authenticated_at = auth_time_of(request.auth)
    if authenticated_at is None or time.time() - authenticated_at > max_age:
        raise errors.InsufficientUserAuthentication(max_age, jwt_settings().AUTH_HEADER_TYPES[0])


class IsTwoFactorAuthenticated(BasePermission):
    """Authenticated, and either 2FA off for the user or the second factor verified.

    A user whom ``TWO_FACTOR["REQUIRED"]`` obliges to enrol, and who has not, is
    refused (403 ``two_factor_setup_required``) except on views that set
    ``two_factor_setup_allowed = True``: the package's set-up views.
    """

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
            if policy.setup_required(user) and not getattr(view, "two_factor_setup_allowed", False):
                return self._refuse(SETUP_REQUIRED_MESSAGE)
            return True
        return _second_factor_verified(request, user)

    def _refuse(self, message: dict[str, Any]) -> bool:
        self.message = message
        self.code = message["code"]
        return False


class TwoFactorRequired(IsTwoFactorAuthenticated):
    """For sensitive views: 2FA must be on and verified for this request.

    ``TwoFactorRequired.max_age(300)`` also asks that the verification be at
    most 300 seconds old (RFC 9470): an older one is the 401 challenge.
    """

    max_age_seconds: ClassVar[int | None] = None

    @classmethod
    def max_age(cls, seconds: int) -> type[TwoFactorRequired]:
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
            raise ValueError("max_age takes a whole number of seconds, 0 or more")
        name = f"{cls.__name__}MaxAge{seconds}"
        return type(name, (cls,), {"max_age_seconds": seconds, "__module__": cls.__module__})

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        _ensure_token_current(request, user)
        if not getattr(user, "two_factor_enabled", False):
            if policy.setup_required(user):
                return self._refuse(SETUP_REQUIRED_MESSAGE)
            return self._refuse(
                {
                    "detail": _("Turn on two-factor authentication to use this."),
                    "code": TWO_FACTOR_NOT_ENABLED,
                }
            )
        if not _second_factor_verified(request, user):
            return False
        if self.max_age_seconds is not None:
            ensure_recent_authentication(request, self.max_age_seconds)
        return True
