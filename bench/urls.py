"""The example project's URLs plus the baselines the benchmark compares against.

The two protected views sit side by side, so URL resolution costs both the
same. They differ in what the package adds: the example's ``api/me/`` has
``TwoFactorJWTAuthentication`` (the state stamp) and ``IsTwoFactorAuthenticated``;
the baseline has SimpleJWT's plain ``JWTAuthentication`` and DRF's
``IsAuthenticated``.
"""

from __future__ import annotations

from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.views import TokenObtainPairView

from django_twofactor.permissions import TwoFactorRequired
from example.urls import urlpatterns as example_urlpatterns
from example.views import MeView


class PlainMeView(MeView):
    """The example's ``api/me/`` with SimpleJWT's and DRF's own classes only."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]


class MaxAgeMeView(MeView):
    """``api/me/`` asking for a second factor verified within the hour (RFC 9470)."""

    permission_classes = [TwoFactorRequired.max_age(3600)]


urlpatterns = [
    path("bench/me/twofactor/", MeView.as_view()),
    path("bench/me/max-age/", MaxAgeMeView.as_view()),
    path("bench/me/plain/", PlainMeView.as_view()),
    path("bench/simplejwt/login/", TokenObtainPairView.as_view()),
    *example_urlpatterns,
]
