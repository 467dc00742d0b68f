"""The example project's own views: the demo page and the protected resource."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import URLPattern, reverse
from django.views.generic import TemplateView
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_twofactor import urls as twofactor_urls
from django_twofactor.authentication import TwoFactorJWTAuthentication
from django_twofactor.conf import twofactor_settings
from django_twofactor.methods.webauthn.relying_party import RelyingParty
from django_twofactor.permissions import IsTwoFactorAuthenticated, TwoFactorRequired


class MeSerializer(serializers.Serializer[Any]):
    """The user's public fields."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(source="get_username", read_only=True)
    email = serializers.CharField(read_only=True)
    two_factor_enabled = serializers.BooleanField(read_only=True)


class SchemaOnlyAPIView(APIView):
    """As the package's views: no OPTIONS (405), so every answer is one the OpenAPI
    schema documents; what an endpoint takes is the schema's to say."""

    http_method_names = [m for m in APIView.http_method_names if m != "options"]


class MeView(SchemaOnlyAPIView):
    """The protected resource of the demo: the user's public fields."""

    authentication_classes = [TwoFactorJWTAuthentication]
    permission_classes = [IsTwoFactorAuthenticated]

    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class PayoutView(SchemaOnlyAPIView):
    """A sensitive action: 2FA on and a second factor verified in the last 5 minutes.

    An older verification is RFC 9470's 401 challenge; the client verifies a
    code again at ``2fa/verify/`` and retries with the fresh token.
    """

    authentication_classes = [TwoFactorJWTAuthentication]
    permission_classes = [TwoFactorRequired.max_age(300)]

    def post(self, request: Request) -> Response:
        return Response({"status": "accepted"}, status=status.HTTP_202_ACCEPTED)


class DemoView(TemplateView):
    """The page at ``/``: the whole flow in a browser, through the JSON API.

    A plain Django view, so the API's default permission does not apply. The
    page gets the API's URLs from ``reverse`` and the code length, claim and
    username field from the settings, so none of them is written twice.
    """

    template_name = "example/demo.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        api = {p.name: api_path(p) for p in twofactor_urls.urlpatterns if p.name}
        context["digits"] = twofactor_settings.DIGITS
        context["openapi"] = apps.is_installed("drf_spectacular")
        context["config"] = {
            "api": {**api, "me": reverse("me"), "payout": reverse("payout")},
            "digits": twofactor_settings.DIGITS,
            "claim": twofactor_settings.CLAIM,
            "usernameField": get_user_model().USERNAME_FIELD,
            # Keys work only where the page's host is within the RP ID; the
            # page says so instead of letting the browser refuse.
            "rpId": RelyingParty.for_request(self.request).id,
        }
        return context


def api_path(pattern: URLPattern) -> str:
    """The pattern's path; one with arguments (a key's ``pk``) gets 0 for each, which
    the page replaces (``webauthn-key`` ends in ``/0/``)."""
    arguments = pattern.pattern.regex.groupindex  # of a path() or a re_path()
    return reverse(f"django_twofactor:{pattern.name}", kwargs=dict.fromkeys(arguments, 0))
