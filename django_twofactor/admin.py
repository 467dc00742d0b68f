"""Admin pieces for the project's own user admin: state shown, secret never."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import services
from .models import RecoveryCode

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

    Adds a read-only "Two-factor authentication" section, a list column and
    filter, and the "Reset two-factor authentication" action. The secret is
    never listed: every two-factor field is ``editable=False`` and only the
    ones above are shown.
    """

    actions = ["reset_two_factor"]

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

    @admin.display(description=_("recovery codes left"))
    def two_factor_recovery_codes_left(self, obj: Any) -> int:
        left: int = RecoveryCode.objects.filter(user=obj, used_at__isnull=True).count()
        return left

    @admin.action(description=_("Reset two-factor authentication (lost device)"))
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = 0
        for user in queryset.filter(Q(two_factor_enabled=True) | ~Q(two_factor_secret="")):
            services.reset(user, request=request, by=request.user)
            self.log_change(request, user, gettext("Reset two-factor authentication."))
            logger.warning(
                "Two-factor authentication of user %s reset by %s at %s",
                user.pk,
                request.user.pk,
                timezone.now().isoformat(),
            )
            count += 1
        self.message_user(
            request,
            ngettext(
                "Two-factor authentication reset for %(count)d user.",
                "Two-factor authentication reset for %(count)d users.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
