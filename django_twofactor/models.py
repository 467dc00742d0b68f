"""The two-factor state on the user row, and the recovery codes beside it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class TwoFactorMixin(models.Model):
    """Mix into the project's custom user model.

    Every field is ``editable=False`` so no ModelForm or admin form can show or
    change it by accident; the services in ``django_twofactor.services`` are
    the only writers.
    """

    two_factor_enabled = models.BooleanField(
        _("two-factor authentication enabled"),
        default=False,
        editable=False,
        help_text=_("Whether logging in needs a one-time code."),
    )
    two_factor_secret = models.TextField(
        _("two-factor secret (encrypted)"),
        blank=True,
        default="",
        editable=False,
        help_text=_("The TOTP secret, Fernet-encrypted; empty until set-up starts. Never shown."),
    )
    two_factor_last_step = models.BigIntegerField(
        _("last accepted time step"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Codes of this TOTP time step or earlier are refused (replay protection)."),
    )
    two_factor_failed_attempts = models.PositiveIntegerField(
        _("failed code attempts"),
        default=0,
        editable=False,
        help_text=_("Wrong codes in a row; reset by a correct one."),
    )
    two_factor_locked_until = models.DateTimeField(
        _("two-factor locked until"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Until then every code is refused with 429."),
    )

    class Meta:
        abstract = True


class RecoveryCode(models.Model):
    """One single-use recovery code, stored only as a keyed hash."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="two_factor_recovery_codes",
        verbose_name=_("user"),
    )
    code_hash = models.CharField(
        _("code hash"),
        max_length=64,
        help_text=_("HMAC-SHA256 of the normalised code under a key derived from SECRET_KEY."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    used_at = models.DateTimeField(
        _("used at"),
        null=True,
        blank=True,
        help_text=_("Set when the code is spent; a used code never works again."),
    )

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "code_hash"], name="django_twofactor_unique_code_per_user"
            )
        ]

    def __str__(self) -> str:
        return gettext("recovery code #%(pk)s of user %(user)s") % {
            "pk": self.pk,
            "user": self.user_id,
        }
