"""Create (or reset) the demo user and print how to try the flow."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from django_twofactor import services

HOWTO = """\
Demo user ready: username "{username}", password "{password}", address "{email}"
(the security mails it gets are printed to the console).

While `make demo` serves the example project:
  - open http://localhost:8000/ and walk through the flow in the browser (security
    keys work at localhost only, not at 127.0.0.1), or
  - start it with curl (docs/quickstart.rst, "The flow, with curl", has every step):
      curl -s -X POST http://127.0.0.1:8000/api/auth/login/ \\
           -H 'Content-Type: application/json' \\
           -d '{{"username": "{username}", "password": "{password}"}}'
"""


class Command(BaseCommand):
    help = "Create the demo user, or reset its password and two-factor state."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="demo-password")

    def handle(self, *args: Any, **options: Any) -> None:
        username, password = options["username"], options["password"]
        user, _ = get_user_model()._default_manager.get_or_create(username=username)
        user.set_password(password)
        user.email = ""  # no security mail about the reset below: it is the demo's housekeeping
        user.save()
        services.reset(user)
        user.email = f"{username}@example.com"  # the visitor's own events print their mails
        user.save(update_fields=["email"])
        self.stdout.write(HOWTO.format(username=username, password=password, email=user.email))
