"""The ``TWO_FACTOR`` settings dict, read at access time.

Every read goes back to ``django.conf.settings`` so that ``override_settings``
and settings changed by tests take effect at once; nothing is cached here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from rest_framework_simplejwt import settings as simplejwt_settings

#: The ``throttle_scope`` of ``login/``, for DRF's ``ScopedRateThrottle``.
LOGIN_SCOPE = "twofactor_login"

DEFAULTS: dict[str, Any] = {
    "ISSUER_NAME": "My Site",
    "DIGITS": 6,
    "PERIOD": 30,
    "ALGORITHM": "SHA1",
    "VALID_WINDOW": 1,
    "PENDING_TOKEN_LIFETIME": timedelta(minutes=5),
    "CLAIM": "amr",
    "MAX_FAILED_ATTEMPTS": 5,
    "LOCKOUT_BASE_DELAY": timedelta(minutes=1),
    "LOCKOUT_MAX_DELAY": timedelta(hours=1),
    "FAILURE_LIMIT": 100,
    "RECOVERY_CODES_COUNT": 10,
    "ENCRYPTION_KEYS": None,
    "RECENT_AUTHENTICATION": timedelta(minutes=5),
    "REQUIRED": None,
    "WEBAUTHN_RP_ID": None,
    "WEBAUTHN_RP_NAME": None,
    "WEBAUTHN_ORIGINS": None,
    "NOTIFY": True,
    "NOTIFY_LANGUAGE": None,
    "TRUSTED_DEVICE_LIFETIME": None,
}


class TwoFactorSettings:
    """Typed, read-through access to ``settings.TWO_FACTOR`` with defaults."""

    def _get(self, name: str) -> Any:
        configured = getattr(settings, "TWO_FACTOR", None) or {}
        return configured.get(name, DEFAULTS[name])

    @property
    def ISSUER_NAME(self) -> str:
        return str(self._get("ISSUER_NAME"))

    @property
    def DIGITS(self) -> int:
        return int(self._get("DIGITS"))

    @property
    def PERIOD(self) -> int:
        return int(self._get("PERIOD"))

    @property
    def ALGORITHM(self) -> str:
        return str(self._get("ALGORITHM")).upper()

    @property
    def VALID_WINDOW(self) -> int:
        return int(self._get("VALID_WINDOW"))

    @property
    def PENDING_TOKEN_LIFETIME(self) -> timedelta:
        value: timedelta = self._get("PENDING_TOKEN_LIFETIME")
        return value

    @property
    def CLAIM(self) -> str:
        return str(self._get("CLAIM"))

    @property
    def MAX_FAILED_ATTEMPTS(self) -> int:
        return int(self._get("MAX_FAILED_ATTEMPTS"))

    @property
    def LOCKOUT_BASE_DELAY(self) -> timedelta:
        value: timedelta = self._get("LOCKOUT_BASE_DELAY")
        return value

    @property
    def LOCKOUT_MAX_DELAY(self) -> timedelta:
        value: timedelta = self._get("LOCKOUT_MAX_DELAY")
        return value

    @property
    def FAILURE_LIMIT(self) -> int:
        return int(self._get("FAILURE_LIMIT"))

    @property
    def RECOVERY_CODES_COUNT(self) -> int:
        return int(self._get("RECOVERY_CODES_COUNT"))

    @property
    def RECENT_AUTHENTICATION(self) -> timedelta:
        value: timedelta = self._get("RECENT_AUTHENTICATION")
        return value

    @property
    def REQUIRED(self) -> str | None:
        value: str | None = self._get("REQUIRED")
        return value

    @property
    def WEBAUTHN_RP_ID(self) -> str | None:
        """``None``: the request's host name."""
        value: str | None = self._get("WEBAUTHN_RP_ID")
        return value

    @property
    def WEBAUTHN_RP_NAME(self) -> str | None:
        """``None``: ``ISSUER_NAME``."""
        value: str | None = self._get("WEBAUTHN_RP_NAME")
        return value

    @property
    def WEBAUTHN_ORIGINS(self) -> Sequence[str] | None:
        """``None``: the request's own origin."""
        value: Sequence[str] | None = self._get("WEBAUTHN_ORIGINS")
        return value

    @property
    def NOTIFY(self) -> bool:
        """Whether the package mails the owner about their account's two-factor events."""
        return bool(self._get("NOTIFY"))

    @property
    def NOTIFY_LANGUAGE(self) -> str | None:
        """Dotted path of ``user -> language code or None``; ``None``: the request's."""
        value: str | None = self._get("NOTIFY_LANGUAGE")
        return value

    @property
    def TRUSTED_DEVICE_LIFETIME(self) -> timedelta | None:
        """``None``: trusted devices are off."""
        value: timedelta | None = self._get("TRUSTED_DEVICE_LIFETIME")
        return value

    @property
    def ENCRYPTION_KEYS(self) -> Sequence[str] | None:
        value: Sequence[str] | None = self._get("ENCRYPTION_KEYS")
        return value


twofactor_settings = TwoFactorSettings()


def jwt_settings() -> Any:
    """SimpleJWT's settings object as it is now.

    SimpleJWT replaces its module-level ``api_settings`` when ``SIMPLE_JWT``
    changes, so a name imported once would go stale.
    """
    return simplejwt_settings.api_settings
