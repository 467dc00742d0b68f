"""Management commands of the package."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from django_twofactor import crypto, services

OLD, NEW = "old-key-" + "a" * 40, "new-key-" + "b" * 40


def stored_secret(user) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT two_factor_secret FROM {user._meta.db_table} WHERE id = %s", [user.pk]
        )
        return cursor.fetchone()[0]


def test_reencrypt_moves_secrets_to_the_current_key(set_up):
    with override_settings(SECRET_KEY=OLD):
        secret = services.begin_setup(set_up.user).secret
        under_old = stored_secret(set_up.user)
    out = StringIO()
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD]):
        call_command("twofactor_reencrypt", stdout=out)
    assert "Re-encrypted 1 secret(s)." in out.getvalue()
    under_new = stored_secret(set_up.user)
    assert under_new != under_old
    with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
        assert crypto.decrypt(under_new) == secret
        with pytest.raises(crypto.SecretUnreadable):
            crypto.decrypt(under_old)


def test_reencrypt_fails_loudly_for_secrets_no_key_opens(set_up):
    with override_settings(SECRET_KEY=OLD):
        services.begin_setup(set_up.user)
    with (
        override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]),
        pytest.raises(CommandError, match=f"user ids: {set_up.user.pk}"),
    ):
        call_command("twofactor_reencrypt", stdout=StringIO())


def test_reencrypt_skips_users_without_a_secret(plain):
    out = StringIO()
    call_command("twofactor_reencrypt", stdout=out)
    assert "Re-encrypted 0 secret(s)." in out.getvalue()
    assert stored_secret(plain.user) == ""


def test_reset_command_turns_two_factor_off(enabled):
    out = StringIO()
    call_command("twofactor_reset", "alice", stdout=out)
    assert "Reset two-factor authentication for alice." in out.getvalue()
    user = enabled.refresh()
    assert (user.two_factor_enabled, user.two_factor_secret) == (False, "")
    assert not user.two_factor_recovery_codes.exists()


def test_reset_command_resets_the_known_and_fails_for_the_unknown(enabled):
    with pytest.raises(CommandError, match="Unknown user\\(s\\): ghost"):
        call_command("twofactor_reset", "ghost", "alice", stdout=StringIO())
    assert enabled.refresh().two_factor_enabled is False


def test_status_command_prints_a_table(enabled):
    from tests.conftest import make_user

    make_user("bob")
    out = StringIO()
    call_command("twofactor_status", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == [
        "user",
        "2fa",
        "recovery",
        "codes",
        "left",
        "failed",
        "attempts",
        "locked",
        "until",
    ]
    assert lines[1].split() == ["alice", "on", "10", "0", "-"]
    assert lines[2].split() == ["bob", "off", "0", "0", "-"]
    assert enabled.secret not in out.getvalue()


def test_status_command_for_named_users_and_unknown_ones(enabled):
    out = StringIO()
    call_command("twofactor_status", "alice", stdout=out)
    assert len(out.getvalue().splitlines()) == 2
    with pytest.raises(CommandError, match="Unknown user\\(s\\): ghost"):
        call_command("twofactor_status", "ghost", stdout=StringIO())
