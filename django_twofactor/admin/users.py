"""Admin pieces for the project's own user admin: state shown, secret never."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import RecoveryCode
from .security_keys import SecurityKeyInline
from .trusted_devices import TrustedDeviceInline

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = admin.ModelAdmin  # not subscriptable at run time

TWO_FACTOR_FIELDS = (
    "two_factor_enabled",
    "two_factor_recovery_codes_left",
    "two_factor_failed_attempts",
    "two_factor_locked_until",
)
RESET_ACTION = "reset_two_factor"
RESET_CONFIRMATION_TEMPLATE = "django_twofactor/admin/reset_confirmation.html"


class TwoFactorEnabledFilter(admin.SimpleListFilter):
    title = _("two-factor authentication")
    parameter_name = "two_factor"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("on", _("On")), ("off", _("Off"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        choice = {"on": True, "off": False}.get(str(self.value()))
        return queryset if choice is None else queryset.filter(two_factor_enabled=choice)


class TwoFactorUserAdminMixin(_ModelAdmin):
    """Put before ``UserAdmin``: ``class MyUserAdmin(TwoFactorUserAdminMixin, UserAdmin)``.

    Adds a read-only "Two-factor authentication" section, the user's security
    keys and trusted devices (name and dates, read-only: ``SecurityKeyInline``,
    ``TrustedDeviceInline``), a list column and filter, and the "Reset
    two-factor authentication" action, which forgets the keys and devices too.
    The secret is never listed: every two-factor field is ``editable=False``
    and only the ones above are shown.
    """

    def get_list_display(self, request: HttpRequest) -> Any:
        return [*super().get_list_display(request), "two_factor_enabled"]

    def get_list_filter(self, request: HttpRequest) -> Any:
        return [*super().get_list_filter(request), TwoFactorEnabledFilter]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, *TWO_FACTOR_FIELDS]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [*fieldsets, (_("Two-factor authentication"), {"fields": TWO_FACTOR_FIELDS})]

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        inlines = super().get_inlines(request, obj)
        return inlines if obj is None else [*inlines, SecurityKeyInline, TrustedDeviceInline]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Keep the reset among the actions, also when the project sets its own.

        Django then offers it as any action: only to those with the change
        permission (``@admin.action(permissions=["change"])``), not in popups,
        and not at all with ``actions = None``.
        """
        super().__init__(*args, **kwargs)
        if self.actions is not None and RESET_ACTION not in self.actions:
            self.actions = [*self.actions, RESET_ACTION]

    @admin.display(description=_("recovery codes left"))
    def two_factor_recovery_codes_left(self, obj: Any) -> int:
        left: int = RecoveryCode.objects.filter(user=obj, used_at__isnull=True).count()
        return left

    @admin.action(
        permissions=["change"],
        description=_("Reset two-factor authentication (lost device)"),
    )
    def reset_two_factor(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> TemplateResponse | None:
        """Ask first, as "delete selected" does; reset on the confirming POST."""
        users = list(queryset.filter(Q(two_factor_enabled=True) | ~Q(two_factor_secret="")))
        if not users:
            self.message_user(
                request,
                gettext("None of the selected users has two-factor authentication set up."),
                messages.WARNING,
            )
            return None
        if request.POST.get("post") != "yes":
            return self._confirm_reset(request, users)
        for user in users:
            services.reset(user, request=request, by=request.user)
            self.log_change(request, user, gettext("Reset two-factor authentication."))
            logger.warning(
                "Two-factor authentication of user %s reset by %s at %s",
                user.pk,
                request.user.pk,
                timezone.now().isoformat(),
            )
        self.message_user(
            request,
            ngettext(
                "Two-factor authentication reset for %(count)d user.",
                "Two-factor authentication reset for %(count)d users.",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )
        return None

    def _confirm_reset(self, request: HttpRequest, users: list[Any]) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Reset two-factor authentication"),
            "subtitle": None,
            "users": users,
            "opts": self.opts,
            "action": RESET_ACTION,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, RESET_CONFIRMATION_TEMPLATE, context)
