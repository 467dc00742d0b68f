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

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.http import HttpRequest

from ..methods.webauthn.models import WebAuthnCredential

if TYPE_CHECKING:
    _Inline = admin.TabularInline[WebAuthnCredential, Any]
else:
    _Inline = admin.TabularInline  # not subscriptable at run time

#: What the admin shows of a key (``keys.describe`` without the database ID).
KEY_FIELDS = ("name", "created_at", "last_used_at")


class SecurityKeyInline(_Inline):
    model = WebAuthnCredential
    fields = KEY_FIELDS
    readonly_fields = KEY_FIELDS
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False
    template = "django_twofactor/admin/security_keys.html"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Whoever may see the user sees their keys, as the rest of the two-factor section.

        The key model's own permissions are not used: the keys are part of
        the user's record, and no admin page of their own exists for them.
        """
        opts = self.parent_model._meta
        return any(
            request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
            for action in ("view", "change")
        )
