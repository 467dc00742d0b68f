from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.urls import include, path

from django_twofactor.admin import protect

from . import views

protect(admin.site)  # the admin's login asks for the second factor

urlpatterns = [
    path("", views.DemoView.as_view(), name="demo"),
    path("admin/", admin.site.urls),
    path("api/auth/", include("django_twofactor.urls")),
    path("api/me/", views.MeView.as_view(), name="me"),
    path("api/payout/", views.PayoutView.as_view(), name="payout"),
]

if apps.is_installed("drf_spectacular"):  # the openapi extra
    from .openapi import urlpatterns as openapi_urlpatterns

    urlpatterns += openapi_urlpatterns
