"""Re-encrypt all TOTP secrets under the current key, after a key rotation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from django_twofactor import services


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored TOTP secret under the current key (the first of "
        "TWO_FACTOR['ENCRYPTION_KEYS'], or SECRET_KEY). Run it after rotating the "
        "key, before removing the old one from SECRET_KEY_FALLBACKS."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = services.reencrypt_secrets()
        self.stdout.write(f"Re-encrypted {result.reencrypted} secret(s).")
        if result.unreadable:
            ids = ", ".join(str(pk) for pk in result.unreadable)
            raise CommandError(
                f"{len(result.unreadable)} secret(s) could not be decrypted with any "
                f"configured key (user ids: {ids}). Restore the old key in "
                "SECRET_KEY_FALLBACKS, or reset two-factor authentication for them."
            )
