from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from django_twofactor.permissions import IsTwoFactorAuthenticated


class MeView(APIView):
    """The protected resource of the demo: the user's public fields."""

    authentication_classes = [JWTAuthentication]
    permission_classes = [IsTwoFactorAuthenticated]

    def get(self, request: Request) -> Response:
        user = request.user
        return Response(
            {
                "id": user.pk,
                "username": user.get_username(),
                "email": user.email,
                "two_factor_enabled": user.two_factor_enabled,
            }
        )
