"""A user's security keys on their admin page: name and dates, read-only.

The credential ID, public key and signature counter are not secret, but they
are of no use to an administrator and a key's ID tracks the key across
sites: the inline shows what ``keys.describe`` shows, nothing more. Keys
are added and renamed by their owner only, through the API (the ceremony
needs the authenticator), and no key is deleted here: deleting one is a
state change of its own (``keys.delete``: the last method turns 2FA off),
and the reset action already forgets every key at once.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..methods.webauthn.models import WebAuthnCredential
from .read_only import ReadOnlyUserInline

#: What the admin shows of a key (``keys.describe`` without the database ID).
KEY_FIELDS = ("name", "created_at", "last_used_at")


class SecurityKeyInline(ReadOnlyUserInline):
    model = WebAuthnCredential
    fields = KEY_FIELDS
    readonly_fields = KEY_FIELDS
    empty_text = _("No security keys.")
