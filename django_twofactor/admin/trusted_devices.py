"""A user's trusted devices on their admin page: name and dates, read-only.

What ``trusted_devices.flows.describe`` shows, never the token's hash or the
state stamp: the hash is all an attacker with the database and the key would
need to check a stolen token, and neither is of use to an administrator.
Devices are trusted by their owner only, at the code step; none is added or
changed here. None is deleted here either: the owner forgets one through the
API, and the reset action forgets them all at once (``services.clear``).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..trusted_devices.models import TrustedDevice
from .read_only import ReadOnlyUserInline

#: What the admin shows of a device (``flows.describe`` without the database ID).
DEVICE_FIELDS = ("name", "created_at", "last_used_at", "expires_at")


class TrustedDeviceInline(ReadOnlyUserInline):
    model = TrustedDevice
    fields = DEVICE_FIELDS
    readonly_fields = DEVICE_FIELDS
    empty_text = _("No trusted devices.")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TrustedDevice]:
        """The unexpired devices: an expired one stands in for nothing any more.

        A device outlived by an account event is deleted by that event, so
        what remains is what the owner's own list (``2fa/devices/``) shows.
        """
        devices: QuerySet[TrustedDevice] = super().get_queryset(request)
        live: QuerySet[TrustedDevice] = devices.filter(expires_at__gt=timezone.now())
        return live
