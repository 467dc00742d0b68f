from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from . import views

# The project's default permission is IsTwoFactorAuthenticated; the schema and
# its docs are public, so they take no credentials at all.
public: dict[str, Any] = {"authentication_classes": [], "permission_classes": [AllowAny]}

urlpatterns = [
    path("", views.DemoView.as_view(), name="demo"),
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
