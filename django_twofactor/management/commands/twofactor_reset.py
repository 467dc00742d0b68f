"""Turn two-factor authentication off for users who lost their device."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_twofactor import services

from ._users import find_users


class Command(BaseCommand):
    help = (
        "Reset two-factor authentication for the named users (lost device): "
        "secret, recovery codes and lockout are cleared; they log in with the "
        "password alone and can set it up again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("usernames", nargs="+", metavar="username")

    def handle(self, *args: Any, **options: Any) -> None:
        users, unknown = find_users(options["usernames"])
        for user in users:
            services.reset(user)
            self.stdout.write(f"Reset two-factor authentication for {user.get_username()}.")
        if unknown:
            raise CommandError(f"Unknown user(s): {', '.join(unknown)}.")
