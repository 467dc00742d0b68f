"""A table of users' two-factor state (never their secrets)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q

from ._users import find_users

COLUMNS = ("user", "2fa", "recovery codes left", "failed attempts", "locked until")


class Command(BaseCommand):
    help = "Show two-factor state for the named users, or for every user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("usernames", nargs="*", metavar="username")

    def handle(self, *args: Any, **options: Any) -> None:
        names = options["usernames"]
        model = get_user_model()
        if names:
            users, unknown = find_users(names)
            if unknown:
                raise CommandError(f"Unknown user(s): {', '.join(unknown)}.")
            queryset = model._default_manager.filter(pk__in=[u.pk for u in users])
        else:
            queryset = model._default_manager.all()
        left = Count(
            "two_factor_recovery_codes",
            filter=Q(two_factor_recovery_codes__used_at__isnull=True),
        )
        rows = [
            (
                user.get_username(),
                "on" if user.two_factor_enabled else "off",
                str(user.codes_left if user.two_factor_enabled else 0),
                str(user.two_factor_failed_attempts),
                user.two_factor_locked_until.isoformat() if user.two_factor_locked_until else "-",
            )
            for user in queryset.annotate(codes_left=left).order_by(model.USERNAME_FIELD)
        ]
        widths = [max(len(r[i]) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
        for row in [COLUMNS, *rows]:
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
