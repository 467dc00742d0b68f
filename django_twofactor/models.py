"""The two-factor state on the user row, and the recovery codes beside it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .methods.recovery import codes as recovery
from .methods.webauthn.models import WebAuthnChallenge, WebAuthnCredential
from .trusted_devices.models import TrustedDevice

__all__ = [
    "RecoveryCode",
    "TrustedDevice",
    "TwoFactorMixin",
    "WebAuthnChallenge",
    "WebAuthnCredential",
]


class TwoFactorMixin(models.Model):
    """Mix into the project's custom user model.

    Every field is ``editable=False`` so no ModelForm or admin form can show or
    change it by accident; the services in ``django_twofactor.services`` are
    the only writers. A plain ``save()`` of a user loaded earlier writes every
    field but these, so it can never undo a used code, a lock or a revocation
    that happened since it was loaded. A password change (``set_password`` and
    ``save``, the way Django defines one) clears the failure counter and lock,
    and forgets the trusted devices.
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
    two_factor_epoch = models.PositiveIntegerField(
        _("two-factor credential epoch"),
        default=0,
        editable=False,
        help_text=_(
            "Raised when two-factor authentication is turned on, off or reset, and by "
            "logging out everywhere: tokens and sessions from an earlier epoch are refused."
        ),
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        password_changed = getattr(self, "_password", None) is not None
        plain = not (self._state.adding or args or kwargs.get("force_insert"))
        if plain and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = _fields_but_two_factor(self)
        super().save(*args, **kwargs)
        if password_changed:
            self._after_password_change()

    def _after_password_change(self) -> None:
        """The owner is back in charge: no lock, and no device trusted before."""
        type(self)._default_manager.filter(pk=self.pk).update(
            two_factor_failed_attempts=0, two_factor_locked_until=None
        )
        from .trusted_devices import flows as trusted_devices  # they import the models

        trusted_devices.forget_all(self)
        self.two_factor_failed_attempts = 0
        self.two_factor_locked_until = None


# The mixin's ``Meta`` says only "abstract", which Django gives every abstract
# model anyway. Left in place it would be what ``class User(TwoFactorMixin,
# AbstractUser)`` inherits (the first base's ``Meta``), and the user model would
# lose ``AbstractUser``'s verbose names: the admin would say "users" in every
# language, and an existing project would need an ``AlterModelOptions``.
del TwoFactorMixin.Meta

TWO_FACTOR_STATE = frozenset(f.name for f in TwoFactorMixin._meta.local_fields)


def _fields_but_two_factor(user: models.Model) -> list[str]:
    deferred = user.get_deferred_fields()
    return [
        f.name
        for f in user._meta.concrete_fields
        if not (f.primary_key or getattr(f, "generated", False))
        and f.name not in TWO_FACTOR_STATE
        and f.attname not in deferred
    ]


class RecoveryCodeQuerySet(models.QuerySet["RecoveryCode"]):
    def unused(self) -> RecoveryCodeQuerySet:
        unused: RecoveryCodeQuerySet = self.filter(used_at__isnull=True)
        return unused

    def matching(self, user: Any, canonical: str) -> RecoveryCode | None:
        """The row of ``user`` among these that stores the code ``canonical``.

        The lookup leaves the rows the code's keyed hashes point at: its own,
        and now and then another by chance. Only those cost a derivation.
        """
        keyed = recovery.peppered(canonical)
        lookups = {recovery.lookup(k) for k in keyed}
        candidates: list[RecoveryCode] = list(
            self.filter(user=user, lookup__in=lookups).order_by("pk")
        )
        for row in candidates:
            for k in keyed:
                if recovery.lookup(k) == row.lookup and recovery.verify(k, row.code_hash):
                    return row
        return None


class RecoveryCode(models.Model):
    """One single-use recovery code, stored salted and hashed (``recovery``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="two_factor_recovery_codes",
        verbose_name=_("user"),
    )
    lookup = models.CharField(
        _("lookup"),
        max_length=recovery.LOOKUP_LENGTH,
        help_text=_("The first digits of the code's keyed hash: which row to check."),
    )
    code_hash = models.CharField(
        _("code hash"),
        max_length=128,
        help_text=_("The code's keyed hash (HMAC-SHA256), salted and derived with PBKDF2."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    used_at = models.DateTimeField(
        _("used at"),
        null=True,
        blank=True,
        help_text=_("Set when the code is spent; a used code never works again."),
    )

    objects = RecoveryCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return gettext("recovery code #%(pk)s of user %(user)s") % {
            "pk": self.pk,
            "user": self.user_id,
        }
