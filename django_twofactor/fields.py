"""Model fields whose comparisons are the same on every database Django supports."""

from __future__ import annotations

from typing import Any

from django.db import models

#: MySQL/MariaDB's byte-for-byte collation of the utf8mb4 character set.
MYSQL_BINARY_COLLATION = "utf8mb4_bin"


class CaseSensitiveCharField(models.CharField):  # type: ignore[type-arg]
    """A ``CharField`` whose ``=`` compares the exact characters, on MySQL too.

    MySQL and MariaDB compare text by the column's collation, and their
    defaults (``utf8mb4_general_ci``, ``utf8mb4_0900_ai_ci``) fold case, so
    ``"aB" = "Ab"`` there; PostgreSQL and SQLite compare exactly. A WebAuthn
    challenge is base64url, where case is part of the value. ``db_collation``
    would put one backend's collation name in the migration, which the others
    refuse; this field asks for ``utf8mb4_bin`` on MySQL only (a column
    ``COLLATE`` also sets its character set there), and for nothing elsewhere.
    """

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().db_parameters(connection)
        if connection.vendor == "mysql" and not self.db_collation:
            params["collation"] = MYSQL_BINARY_COLLATION
        return params
