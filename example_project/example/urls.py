from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("django_twofactor.urls")),
    path("api/me/", views.MeView.as_view(), name="me"),
]
