from __future__ import annotations

from importlib.util import find_spec

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TwoFactorConfig(AppConfig):
    name = "django_twofactor"
    verbose_name = _("Two-factor authentication")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  # registers the system checks
        from .notifications import connect

        connect()  # the security mails (CONTRACT §12), receivers of our signals

        if find_spec("drf_spectacular") is not None:
            # OpenAPI extensions register themselves on import; optional extra.
            from . import schema, schema_webauthn  # noqa: F401
