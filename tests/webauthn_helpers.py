"""What the WebAuthn HTTP tests share: paths, an account with a key, the ceremonies.

Importing it skips the importing module where the ``webauthn`` extra is not
installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

pytest.importorskip("webauthn", reason="the webauthn extra is not installed")

from rest_framework.test import APIClient

from tests.conftest import bearer
from tests.webauthn_authenticator import SoftAuthenticator

KEYS = "/api/auth/2fa/webauthn/"
REGISTER_OPTIONS = "/api/auth/2fa/webauthn/register/options/"
REGISTER = "/api/auth/2fa/webauthn/register/"
AUTHENTICATE_OPTIONS = "/api/auth/2fa/webauthn/authenticate/options/"
ORIGIN = "http://localhost:8000"  # the example accepts http://localhost on any port


def key_url(pk: Any) -> str:
    return f"{KEYS}{pk}/"


def post(api: APIClient, url: str, token: str, body: Any = None) -> Any:
    return api.post(url, {} if body is None else body, format="json", **bearer(token))


def register_options(api: APIClient, token: str) -> dict[str, Any]:
    response = post(api, REGISTER_OPTIONS, token)
    assert response.status_code == 200, response.content
    return dict(response.json())


def register(
    api: APIClient, token: str, authenticator: SoftAuthenticator, name: str = "YubiKey"
) -> Any:
    """Both steps of the registration ceremony; the response of the second."""
    credential = authenticator.register(register_options(api, token))
    return post(api, REGISTER, token, {"credential": credential, "name": name})


def assertion(
    api: APIClient, token: str, authenticator: SoftAuthenticator, **kwargs: Any
) -> dict[str, Any]:
    """Options fetched with ``token`` (pending or full), answered by ``authenticator``."""
    response = post(api, AUTHENTICATE_OPTIONS, token)
    assert response.status_code == 200, response.content
    return authenticator.authenticate(response.json(), **kwargs)


@dataclass
class KeyAccount:
    """A user whose only method is one security key."""

    user: Any
    authenticator: SoftAuthenticator
    key_id: int
    recovery_codes: list[str] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
