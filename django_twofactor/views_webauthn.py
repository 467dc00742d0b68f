"""Thin views for security keys and passkeys (CONTRACT §13)."""

from __future__ import annotations

from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from .authentication import PendingOrAccessAuthentication
from .methods.webauthn import keys
from .methods.webauthn import method as webauthn
from .methods.webauthn.models import WebAuthnCredential
from .serializers import RegistrationSerializer, RenameSerializer
from .tokens import methods_of
from .views import TwoFactorAPIView, ensure_recently_authenticated, object_id


class RegisterOptionsView(TwoFactorAPIView):
    """``PublicKeyCredentialCreationOptionsJSON`` for ``navigator.credentials.create()``."""

    two_factor_setup_allowed = True  # open to a user the REQUIRED policy makes enrol

    def post(self, request: Request) -> Response:
        ensure_recently_authenticated(request)
        return Response(keys.registration_options(request.user, request._request))


class RegisterView(TwoFactorAPIView):
    """A new key (201); the account's first method also turns 2FA on, as turn-on does."""

    two_factor_setup_allowed = True

    def post(self, request: Request) -> Response:
        ensure_recently_authenticated(request)
        serializer = RegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = keys.register(
            request.user,
            data["credential"],
            str(data["name"]),
            methods_of(request.auth),
            request._request,
        )
        return Response(result, status=status.HTTP_201_CREATED)


class KeysView(TwoFactorAPIView):
    two_factor_setup_allowed = True

    def get(self, request: Request) -> Response:
        return Response([keys.describe(key) for key in keys.of(request.user)])


class KeyView(TwoFactorAPIView):
    """Rename (``PATCH {"name"}``) or delete one key; another user's key is a 404."""

    def patch(self, request: Request, pk: str) -> Response:
        serializer = RenameSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        name = str(serializer.validated_data["name"])
        try:
            return Response(keys.rename(request.user, object_id(pk), name))
        except WebAuthnCredential.DoesNotExist as exc:
            raise NotFound from exc

    def delete(self, request: Request, pk: str) -> Response:
        ensure_recently_authenticated(request)
        try:
            keys.delete(request.user, object_id(pk), request._request)
        except WebAuthnCredential.DoesNotExist as exc:
            raise NotFound from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuthenticateOptionsView(TwoFactorAPIView):
    """``PublicKeyCredentialRequestOptionsJSON`` for ``navigator.credentials.get()``:
    with the pending token before ``2fa/authenticate/``, or a full token before
    ``2fa/verify/``."""

    authentication_classes = [PendingOrAccessAuthentication]
    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        return Response(webauthn.begin(request.user, request._request))
