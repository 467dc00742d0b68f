"""The Django admin, with the second factor.

- ``protect(admin.site)``: the admin's login asks a user with 2FA on for a
  code, and no session that skipped that step gets in (``login``).
- ``TwoFactorUserAdminMixin``: the project's user admin shows two-factor
  state, the user's security keys (``SecurityKeyInline``) and trusted devices
  (``TrustedDeviceInline``), never a secret, and resets it (``users``).

Django's admin autodiscovery imports this module; importing it changes nothing.
"""

from __future__ import annotations

from .login import protect
from .security_keys import SecurityKeyInline
from .trusted_devices import TrustedDeviceInline
from .users import TwoFactorEnabledFilter, TwoFactorUserAdminMixin

__all__ = [
    "SecurityKeyInline",
    "TrustedDeviceInline",
    "TwoFactorEnabledFilter",
    "TwoFactorUserAdminMixin",
    "protect",
]
