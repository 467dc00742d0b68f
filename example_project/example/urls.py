from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from django_twofactor.schema import FORBIDDEN, UNAUTHORIZED, documented, error_responses

from . import views


class MeViewSchema(OpenApiViewExtension):
    """The OpenAPI description of ``GET api/me/``, the demo's protected resource."""

    target_class = "example.views.MeView"

    def view_replacement(self) -> Any:
        me = inline_serializer(
            "Me",
            {
                "id": serializers.IntegerField(),
                "username": serializers.CharField(),
                "email": serializers.CharField(),
                "two_factor_enabled": serializers.BooleanField(),
            },
        )
        return documented(
            self.target,
            "get",
            operation_id="me",
            summary="The current user",
            description="Needs a full token that passes `IsTwoFactorAuthenticated`.",
            tags=["demo"],
            responses={
                (200, "application/json"): OpenApiResponse(me),
                **error_responses({401: UNAUTHORIZED, 403: FORBIDDEN}),
            },
        )


# The project's default permission is IsTwoFactorAuthenticated; the schema and
# its docs are public, so they take no credentials at all.
public: dict[str, Any] = {"authentication_classes": [], "permission_classes": [AllowAny]}

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("django_twofactor.urls")),
    path("api/me/", views.MeView.as_view(), name="me"),
    path("api/schema/", SpectacularAPIView.as_view(**public), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="schema", **public),
        name="docs",
    ),
]
