"""A device the owner chose to trust: what the server keeps of it, never its token."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 128


class TrustedDevice(models.Model):
    """One remembered device. Its token is stored only as a keyed hash (``token_hash``).

    ``state`` is the account's state stamp when the device was trusted
    (``lifecycle.stamp``): every event that revokes tokens (turn-off, reset,
    re-enrolment, a password change, logging out everywhere) changes the
    stamp, so the device is forgotten by the same rule as the tokens, on
    whatever path the event took. The flows delete the rows as well.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="two_factor_trusted_devices",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    token_hash = models.CharField(
        _("token hash"),
        max_length=64,
        unique=True,
        help_text=_("HMAC-SHA256 of the device token under the server's key; never the token."),
    )
    state = models.CharField(
        _("account state"),
        max_length=64,
        help_text=_("The account's state stamp when the device was trusted."),
    )
    verified_at = models.DateTimeField(
        _("second factor verified at"),
        help_text=_("The real verification the device stands in for: the tokens' auth_time."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("trusted device")
        verbose_name_plural = _("trusted devices")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return gettext("trusted device %(name)s of user %(user)s") % {
            "name": self.name,
            "user": self.user_id,
        }
