"""The demo's OpenAPI schema and Swagger UI, present only with drf-spectacular.

``/api/schema/`` and ``/api/docs/`` are public: the project's default
permission is IsTwoFactorAuthenticated, so they take no credentials at all.
The UI's assets come from drf-spectacular-sidecar's static files: no CDN.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from django_twofactor.schema import FORBIDDEN, UNAUTHORIZED, documented, error_responses

from .views import MeSerializer


class MeViewSchema(OpenApiViewExtension):
    target_class = "example.views.MeView"

    def view_replacement(self) -> type[Any]:
        return documented(
            self.target,
            "get",
            operation_id="me",
            summary="The current user",
            description="Needs a full token that passes `IsTwoFactorAuthenticated`.",
            tags=["demo"],
            responses={
                (200, "application/json"): MeSerializer,
                **error_responses({401: UNAUTHORIZED, 403: FORBIDDEN}),
            },
        )


public: dict[str, Any] = {"authentication_classes": [], "permission_classes": [AllowAny]}

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(**public), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema", **public), name="docs"),
]
