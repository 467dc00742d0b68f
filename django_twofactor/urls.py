from __future__ import annotations

from django.urls import path, re_path

from . import views
from .methods import webauthn

app_name = "django_twofactor"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("refresh/", views.RefreshView.as_view(), name="refresh"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("2fa/", views.StatusView.as_view(), name="status"),
    path("2fa/authenticate/", views.AuthenticateView.as_view(), name="authenticate"),
    path("2fa/verify/", views.VerifyView.as_view(), name="verify"),
    path("2fa/generate/", views.GenerateView.as_view(), name="generate"),
    # The same, one media type each: the QR code alone.
    path("2fa/generate.png", views.GeneratePNGView.as_view(), name="generate-png"),
    path("2fa/generate.svg", views.GenerateSVGView.as_view(), name="generate-svg"),
    path("2fa/turn-on/", views.TurnOnView.as_view(), name="turn-on"),
    path("2fa/turn-off/", views.TurnOffView.as_view(), name="turn-off"),
    path("2fa/recovery-codes/", views.RecoveryCodesView.as_view(), name="recovery-codes"),
    path("2fa/devices/", views.DevicesView.as_view(), name="devices"),
    # Any segment as the id: one that is no id is the view's JSON 404.
    re_path(r"^2fa/devices/(?P<pk>[^/]*)/$", views.DeviceView.as_view(), name="device"),
]

if webauthn.available():  # the webauthn extra
    from . import views_webauthn as keys

    urlpatterns += [
        path("2fa/webauthn/", keys.KeysView.as_view(), name="webauthn-keys"),
        path(
            "2fa/webauthn/register/options/",
            keys.RegisterOptionsView.as_view(),
            name="webauthn-register-options",
        ),
        path("2fa/webauthn/register/", keys.RegisterView.as_view(), name="webauthn-register"),
        path(
            "2fa/webauthn/authenticate/options/",
            keys.AuthenticateOptionsView.as_view(),
            name="webauthn-authenticate-options",
        ),
        # Last: any other segment is a key's id (or the view's JSON 404).
        re_path(r"^2fa/webauthn/(?P<pk>[^/]*)/$", keys.KeyView.as_view(), name="webauthn-key"),
    ]
