"""Recovery codes: from a keyed hash to a salted key derivation of it.

Rows made before held ``code_hash`` = HMAC-SHA256 of the code under the key
derived from ``SECRET_KEY``: exactly the keyed hash the new scheme derives
from, so each row is converted in place and every existing code keeps working
(while the key it was made under stays in ``SECRET_KEY`` or its fallbacks).

The conversion costs one derivation a row (``recovery.ITERATIONS``, about
24 ms on the machine the benchmark ran on) and runs in this migration's
transaction, which on PostgreSQL keeps the table locked until it is done.

Going back deletes every recovery code: a derived hash cannot be turned back
into the keyed hash the old code compares. Users make new ones with a TOTP
code.
"""

from typing import Any

from django.db import migrations, models

from django_twofactor.methods.recovery import codes as recovery

BATCH = 500


def derive_existing(apps: Any, schema_editor: Any) -> None:
    RecoveryCode = apps.get_model("django_twofactor", "RecoveryCode")
    rows = RecoveryCode.objects.using(schema_editor.connection.alias).order_by("pk")
    last = 0
    while batch := list(rows.filter(pk__gt=last).only("pk", "code_hash")[:BATCH]):
        for row in batch:
            stored = recovery.store(row.code_hash)  # the old hash is the keyed hash
            row.lookup, row.code_hash = stored.lookup, stored.code_hash
        RecoveryCode.objects.using(schema_editor.connection.alias).bulk_update(
            batch, ["lookup", "code_hash"]
        )
        last = batch[-1].pk


def delete_all(apps: Any, schema_editor: Any) -> None:
    RecoveryCode = apps.get_model("django_twofactor", "RecoveryCode")
    RecoveryCode.objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("django_twofactor", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="recoverycode",
            name="django_twofactor_unique_code_per_user",
        ),
        migrations.AddField(
            model_name="recoverycode",
            name="lookup",
            field=models.CharField(
                default="",
                help_text="The first digits of the code's keyed hash: which row to check.",
                max_length=2,
                verbose_name="lookup",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="recoverycode",
            name="code_hash",
            field=models.CharField(
                help_text="The code's keyed hash (HMAC-SHA256), salted and derived with PBKDF2.",
                max_length=128,
                verbose_name="code hash",
            ),
        ),
        migrations.RunPython(derive_existing, delete_all, elidable=False),
    ]
