"""What the server keeps of a WebAuthn credential, and the challenges it sent.

Nothing here is secret: a credential's public key proves nothing without the
authenticator's private key, and a challenge only has to be unpredictable and
used once. Neither is ever shown: the admin and the API list a credential's
name and dates only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ...fields import CaseSensitiveCharField

#: The WebAuthn ceremonies a challenge is bound to.
REGISTRATION = "registration"
AUTHENTICATION = "authentication"

NAME_MAX_LENGTH = 64


class WebAuthnCredential(models.Model):
    """One security key or passkey of a user, registered as a second factor."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="two_factor_webauthn_credentials",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    credential_id = models.TextField(
        _("credential ID"), help_text=_("The authenticator's ID of the key, base64url.")
    )
    # The credential ID is up to 1023 bytes: its SHA-256 is what the unique
    # index holds, so every database can index it.
    credential_id_hash = models.CharField(
        _("credential ID hash"),
        max_length=64,
        unique=True,
        help_text=_("SHA-256 of the credential ID, hex: one key belongs to one account."),
    )
    public_key = models.BinaryField(
        _("public key"), help_text=_("The credential's COSE public key.")
    )
    sign_count = models.BigIntegerField(
        _("signature counter"),
        default=0,
        help_text=_("The last counter the key reported; a lower one means a cloned key."),
    )
    backed_up = models.BooleanField(
        _("backed up"),
        default=False,
        help_text=_('A passkey synced between devices ("swk"), not bound to one ("hwk").'),
    )
    transports = models.JSONField(_("transports"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("security key")
        verbose_name_plural = _("security keys")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return gettext("security key %(name)s of user %(user)s") % {
            "name": self.name,
            "user": self.user_id,
        }


class WebAuthnChallenge(models.Model):
    """A challenge sent in a ceremony's options, spent by the answer that signs it.

    Spending is one ``DELETE`` of the row whose user, ceremony and challenge
    match and which has not expired: of concurrent answers, on any number of
    server processes, exactly one deletes it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    ceremony = models.CharField(
        _("ceremony"),
        max_length=16,
        choices=[(REGISTRATION, _("registration")), (AUTHENTICATION, _("authentication"))],
    )
    # base64url, where case is part of the value: byte for byte on MySQL too.
    challenge = CaseSensitiveCharField(_("challenge"), max_length=128, help_text=_("base64url"))
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("WebAuthn challenge")
        verbose_name_plural = _("WebAuthn challenges")
        indexes = [models.Index(fields=["user", "ceremony", "challenge"])]

    def __str__(self) -> str:
        return gettext("%(ceremony)s challenge of user %(user)s") % {
            "ceremony": self.ceremony,
            "user": self.user_id,
        }
