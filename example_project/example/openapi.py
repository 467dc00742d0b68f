"""The demo's OpenAPI schema and Swagger UI, present only with drf-spectacular.

``/api/schema/`` and ``/api/docs/`` are public: the project's default
permission is IsTwoFactorAuthenticated, so they take no credentials at all.
The UI's assets come from drf-spectacular-sidecar's static files: no CDN.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from django_twofactor.schema import (
    FORBIDDEN,
    FORBIDDEN_UNLESS_ENABLED,
    UNAUTHORIZED,
    WWW_AUTHENTICATE,
    answer_example,
    challenge_responses,
    documented,
    error_responses,
)

from .views import MeSerializer


class MeViewSchema(OpenApiViewExtension):
    target_class = "example.views.MeView"

    def view_replacement(self) -> type[Any]:
        return documented(
            self.target,
            "get",
            operation_id="me",
            examples=[
                answer_example(
                    "The user",
                    200,
                    {
                        "id": 1,
                        "username": "alice",
                        "email": "alice@example.com",
                        "two_factor_enabled": True,
                    },
                )
            ],
            summary="The current user",
            description="Needs a full token that passes `IsTwoFactorAuthenticated`.",
            tags=["demo"],
            responses={
                (200, "application/json"): MeSerializer,
                **error_responses({401: UNAUTHORIZED, 403: FORBIDDEN}),
            },
        )


@extend_schema_field({"type": "string", "enum": ["accepted"]})
class _AcceptedField(serializers.CharField):
    pass


class PayoutAccepted(serializers.Serializer[Any]):
    status = _AcceptedField()


def max_age_of(view: type[Any]) -> int:
    """The ``TwoFactorRequired.max_age(N)`` of ``view``: the schema states what it enforces."""
    ages = [getattr(p, "max_age_seconds", None) for p in view.permission_classes]
    return int(min(age for age in ages if age is not None))


class PayoutViewSchema(OpenApiViewExtension):
    target_class = "example.views.PayoutView"

    def view_replacement(self) -> type[Any]:
        max_age = max_age_of(self.target)
        return documented(
            self.target,
            "post",
            operation_id="payout",
            examples=[answer_example("Accepted", 202, {"status": "accepted"})],
            summary="A sensitive action: needs a code verified in the last minutes",
            description=(
                "Needs 2FA on and a full token whose second factor was verified at most "
                f"{max_age} seconds ago (`TwoFactorRequired.max_age({max_age})`). An older "
                "one gets RFC 9470's challenge: verify a code at `2fa/verify/`, then retry "
                "with the new access token. No request body."
            ),
            tags=["demo"],
            request=None,
            parameters=[WWW_AUTHENTICATE],
            responses={
                (202, "application/json"): OpenApiResponse(
                    PayoutAccepted, description="The payout is accepted."
                ),
                **challenge_responses(
                    f"the second factor was verified more than {max_age} seconds ago, or the "
                    "token has no `auth_time`; verify a code at `2fa/verify/` and retry"
                ),
                **error_responses({403: FORBIDDEN_UNLESS_ENABLED}),
            },
        )


public: dict[str, Any] = {"authentication_classes": [], "permission_classes": [AllowAny]}

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(**public), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema", **public), name="docs"),
]
