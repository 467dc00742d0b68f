"""A read-only list of a user's two-factor things on their admin page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.http import HttpRequest

if TYPE_CHECKING:
    _Inline = admin.TabularInline[Any, Any]
else:
    _Inline = admin.TabularInline  # not subscriptable at run time


class ReadOnlyUserInline(_Inline):
    """Shown, never added, changed or deleted here: those are state changes the
    owner makes through the API, or the reset action makes all at once.

    Whoever may see the user sees these rows, as with the rest of the
    two-factor section: they are part of the user's record, and the rows'
    own model permissions are not used (no admin page of their own exists).
    """

    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False
    template = "django_twofactor/admin/read_only_inline.html"
    #: What the list says when it is empty.
    empty_text: Any = ""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        opts = self.parent_model._meta
        return any(
            request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
            for action in ("view", "change")
        )
