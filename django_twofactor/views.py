"""Thin views: validate the body, call a service, respond."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenRefreshView

from . import qrcodes, services
from .authentication import PendingTokenAuthentication, TwoFactorJWTAuthentication
from .codes import SubmittedCode
from .conf import LOGIN_SCOPE, jwt_settings, twofactor_settings
from .exceptions import one_error_shape
from .models import TrustedDevice
from .parsers import SafeJSONParser
from .permissions import IsTwoFactorAuthenticated, ensure_recent_authentication
from .renderers import FormatNegotiation, PNGQRCodeRenderer, SVGQRCodeRenderer
from .serializers import (
    AuthenticateSerializer,
    CodeSerializer,
    LoginSerializer,
    LogoutSerializer,
    RefreshSerializer,
)
from .tokens import methods_of
from .trusted_devices import flows as trusted_devices

if TYPE_CHECKING:
    from rest_framework.views import AsView, GenericView


class TwoFactorBaseView(APIView):
    """What every endpoint of the package shares.

    - Never wrapped in ``ATOMIC_REQUESTS``: a wrong code answers 400 *and*
      must leave the failure counter incremented, which a request-wide
      transaction rolled back by DRF's exception handler would undo.
    - Bodies are JSON, both ways: a form gets 415, and ``Accept`` without
      JSON (the browsable API's ``text/html``) 406, whatever the project's
      default parsers and renderers; OPTIONS is not answered (405): what a
      client may send is the OpenAPI schema's to say.
    - Every error body is ``{"detail", "code"}`` (validation errors add
      ``errors``, per field); responses are never cached (they hold tokens,
      secrets or recovery codes).
    """

    parser_classes: Sequence[type[BaseParser]] = [SafeJSONParser]
    renderer_classes: Sequence[type[BaseRenderer]] = [JSONRenderer]
    http_method_names = [m for m in APIView.http_method_names if m != "options"]

    @classmethod
    def as_view(cls, **initkwargs: Any) -> AsView[GenericView]:
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def get_exception_handler(self) -> Callable[..., Response | None]:
        handler = super().get_exception_handler()

        def with_code(exc: Exception, context: dict[str, Any]) -> Response | None:
            return one_error_shape(exc, handler(exc, context))

        return with_code

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    def get_authenticate_header(self, request: Request) -> str:
        # Login and refresh take no credentials, yet their failures are 401s.
        header_type = jwt_settings().AUTH_HEADER_TYPES[0]
        return f'{header_type} realm="api"'


class TwoFactorAPIView(TwoFactorBaseView):
    authentication_classes = [TwoFactorJWTAuthentication]
    permission_classes = [IsTwoFactorAuthenticated]

    def code(
        self, request: Request, *, allow_recovery: bool, allow_credential: bool = True
    ) -> SubmittedCode:
        """``{"code"}`` or, where allowed, ``{"credential"}`` (a WebAuthn assertion), classified."""
        serializer = CodeSerializer(
            data=request.data,
            allow_recovery=allow_recovery,
            allow_credential=allow_credential,
            context={"request": request._request},
        )
        serializer.is_valid(raise_exception=True)
        code: SubmittedCode = serializer.validated_data["code"]
        return code


class LoginView(TwoFactorAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    # For DRF's ScopedRateThrottle, where the project sets a rate for it.
    throttle_scope = LOGIN_SCOPE

    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        credentials = dict(serializer.validated_data)
        device_token = credentials.pop("device_token", None)
        return Response(services.log_in(request._request, credentials, device_token))


class RefreshView(TwoFactorBaseView, TokenRefreshView):
    """SimpleJWT's refresh; the claim is copied into the new tokens, never added."""

    serializer_class = RefreshSerializer


class LogoutView(TwoFactorBaseView):
    """The refresh token is the proof: no access token needed, as after it expired."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.log_out(
            data["token"], data["user"], everywhere=data["everywhere"], request=request._request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuthenticateView(TwoFactorAPIView):
    authentication_classes = [PendingTokenAuthentication]
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        serializer = AuthenticateSerializer(
            data=request.data, allow_recovery=True, context={"request": request._request}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tokens: dict[str, Any] = services.complete_login(
            request.user, data["code"], methods_of(request.auth), request._request
        )
        if data["trust_device"] and trusted_devices.enabled():
            name = trusted_devices.device_name(data["device_name"], request._request)
            tokens["device_token"] = trusted_devices.trust(request.user, name, request._request)
        return Response(tokens)


class VerifyView(TwoFactorAPIView):
    """Step-up (RFC 9470): a code again, for tokens with a fresh ``auth_time``."""

    def post(self, request: Request) -> Response:
        code = self.code(request, allow_recovery=True)
        tokens = services.step_up(request.user, code, methods_of(request.auth), request._request)
        return Response(tokens)


class GenerateView(TwoFactorAPIView):
    two_factor_setup_allowed = True  # open to a user the REQUIRED policy makes enrol
    renderer_classes = [JSONRenderer, PNGQRCodeRenderer, SVGQRCodeRenderer]
    content_negotiation_class = FormatNegotiation

    def post(self, request: Request) -> Response:
        setup = services.begin_setup(request.user)
        data = {"secret": setup.secret, "otpauth_url": setup.otpauth_url}
        if request.accepted_renderer.format == "json":
            data["qr_code"] = qrcodes.png_data_uri(setup.otpauth_url)
        return Response(data)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if response.status_code >= 400:
            # Errors are JSON even when the client asked for an image.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class GeneratePNGView(GenerateView):
    """``2fa/generate.png``: generate, answered with the QR code as a PNG and nothing
    else, for clients that read one media type per operation (generated ones)."""

    renderer_classes = [PNGQRCodeRenderer]


class GenerateSVGView(GenerateView):
    """``2fa/generate.svg``: the same, as an SVG."""

    renderer_classes = [SVGQRCodeRenderer]


def ensure_recently_authenticated(request: Request) -> None:
    """Changing the account's methods needs a recent authentication (OWASP ASVS 5.0
    7.5.1): ``RECENT_AUTHENTICATION``, else the RFC 9470 challenge."""
    max_age = int(twofactor_settings.RECENT_AUTHENTICATION.total_seconds())
    ensure_recent_authentication(request, max_age)


class TurnOnView(TwoFactorAPIView):
    two_factor_setup_allowed = True

    def post(self, request: Request) -> Response:
        ensure_recently_authenticated(request)
        code = self.code(request, allow_recovery=False, allow_credential=False)
        return Response(
            services.enable(request.user, code, methods_of(request.auth), request._request)
        )


class TurnOffView(TwoFactorAPIView):
    def post(self, request: Request) -> Response:
        services.disable(request.user, self.code(request, allow_recovery=True), request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StatusView(TwoFactorAPIView):
    two_factor_setup_allowed = True

    def get(self, request: Request) -> Response:
        return Response(services.status(request.user))


class RecoveryCodesView(TwoFactorAPIView):
    def post(self, request: Request) -> Response:
        code = self.code(request, allow_recovery=False)
        codes = services.regenerate_recovery_codes(request.user, code, request._request)
        return Response({"recovery_codes": codes})


class DevicesView(TwoFactorAPIView):
    """The trusted devices that can still stand in for the second factor."""

    def get(self, request: Request) -> Response:
        return Response([trusted_devices.describe(d) for d in trusted_devices.live(request.user)])


def object_id(value: str) -> int:
    """A path's ``id``: a positive integer a database column holds, else a 404.

    The routes take any path segment, so that an id that is no number gets the
    API's JSON 404 rather than Django's HTML page (or, past 2**63, a database
    error).
    """
    if value.isascii() and value.isdigit() and 0 < int(value) < 2**63:
        return int(value)
    raise NotFound


class DeviceView(TwoFactorAPIView):
    """Forget one device; another user's is a 404."""

    def delete(self, request: Request, pk: str) -> Response:
        try:
            trusted_devices.forget(request.user, object_id(pk))
        except TrustedDevice.DoesNotExist as exc:
            raise NotFound from exc
        return Response(status=status.HTTP_204_NO_CONTENT)
