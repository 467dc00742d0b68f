"""Each signal fires for its event, with user and request, only after commit."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import transaction
from django.dispatch import Signal

from django_twofactor import services, signals
from tests.conftest import START, bearer, code_at, log_in, make_user, wrong_code


@contextmanager
def listening(*watched):
    heard: list[tuple[object, dict]] = []

    def receiver(signal, sender, **kwargs):
        heard.append((signal, kwargs))

    for signal in watched:
        signal.connect(receiver)
    try:
        yield heard
    finally:
        for signal in watched:
            signal.disconnect(receiver)


def names(heard) -> list[str]:
    lookup = {signal: name for name, signal in vars(signals).items() if isinstance(signal, Signal)}
    return [lookup[signal] for signal, _ in heard]


ALL = [
    signals.two_factor_enabled,
    signals.two_factor_disabled,
    signals.two_factor_reset,
    signals.code_verified,
    signals.code_failed,
    signals.user_locked_out,
    signals.recovery_code_used,
    signals.recovery_codes_regenerated,
]


def post(api, path, token, code):
    return api.post(f"/api/auth/2fa/{path}/", {"code": code}, format="json", **bearer(token))


def test_turn_on_sends_enabled_with_the_request(set_up, api, django_capture_on_commit_callbacks):
    with listening(*ALL) as heard, django_capture_on_commit_callbacks(execute=True):
        response = post(api, "turn-on", set_up.tokens["access"], code_at(set_up.secret, START))
    assert response.status_code == 200
    assert names(heard) == ["two_factor_enabled"]
    kwargs = heard[0][1]
    assert kwargs["user"].pk == set_up.user.pk
    assert kwargs["request"].path == "/api/auth/2fa/turn-on/"


def test_authenticate_sends_verified_and_failed(
    enabled, api, clock, django_capture_on_commit_callbacks
):
    pending = log_in(api)["pending_token"]
    with listening(*ALL) as heard, django_capture_on_commit_callbacks(execute=True):
        wrong = wrong_code(enabled.secret, START + 30)
        assert post(api, "authenticate", pending, wrong).status_code == 400
        assert (
            post(api, "authenticate", pending, code_at(enabled.secret, START + 30)).status_code
            == 200
        )
    assert names(heard) == ["code_failed", "code_verified"]
    assert heard[0][1]["failures"] == 1
    assert heard[1][1]["method"] == "totp"


def test_recovery_code_use_reports_what_is_left(enabled, api, django_capture_on_commit_callbacks):
    pending = log_in(api)["pending_token"]
    with listening(*ALL) as heard, django_capture_on_commit_callbacks(execute=True):
        assert post(api, "authenticate", pending, enabled.recovery_codes[0]).status_code == 200
    assert names(heard) == ["code_verified", "recovery_code_used"]
    assert heard[0][1]["method"] == "recovery"
    assert heard[1][1]["remaining"] == 9


def test_lockout_is_announced_once(enabled, api, django_capture_on_commit_callbacks):
    pending = log_in(api)["pending_token"]
    wrong = "aaaaa-aaaaa"  # a well-formed recovery code that is not one of the user's
    with (
        listening(signals.user_locked_out) as heard,
        django_capture_on_commit_callbacks(execute=True),
    ):
        for _ in range(5):
            assert post(api, "authenticate", pending, wrong).status_code == 400
        assert post(api, "authenticate", pending, wrong).status_code == 429
    assert names(heard) == ["user_locked_out"]
    enabled.refresh()
    assert heard[0][1]["until"] == enabled.user.two_factor_locked_until


def test_regenerate_and_turn_off(enabled, api, clock, django_capture_on_commit_callbacks):
    access = enabled.tokens["access"]
    with listening(*ALL) as heard, django_capture_on_commit_callbacks(execute=True):
        assert (
            post(api, "recovery-codes", access, code_at(enabled.secret, START + 30)).status_code
            == 200
        )
        clock.shift(30)
        assert post(api, "turn-off", access, code_at(enabled.secret, START + 60)).status_code == 204
    assert names(heard) == [
        "code_verified",
        "recovery_codes_regenerated",
        "code_verified",
        "two_factor_disabled",
    ]


def test_reset_names_who_did_it(enabled, django_capture_on_commit_callbacks):
    admin = type(enabled.user).objects.create_superuser("root", "root@example.com", "x")
    with listening(*ALL) as heard, django_capture_on_commit_callbacks(execute=True):
        services.reset(enabled.user, by=admin)
    assert names(heard) == ["two_factor_reset"]
    assert heard[0][1]["by"] == admin
    assert heard[0][1]["request"] is None


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_for_a_change_that_rolls_back(clock):
    user = make_user("bob")

    def reset_then_roll_back() -> None:
        with transaction.atomic():
            services.reset(user)
            raise RuntimeError("roll it back")

    with listening(*ALL) as heard, pytest.raises(RuntimeError, match="roll it back"):
        reset_then_roll_back()
    assert heard == []
    with listening(*ALL) as heard:
        services.reset(user)  # outside any transaction: sent at once
    assert names(heard) == ["two_factor_reset"]


def test_security_keys_added_and_removed(plain, api, django_capture_on_commit_callbacks):
    pytest.importorskip("webauthn", reason="the webauthn extra is not installed")
    from tests.webauthn_authenticator import SoftAuthenticator
    from tests.webauthn_helpers import key_url, register

    watched = [
        signals.two_factor_enabled,
        signals.two_factor_disabled,
        signals.security_key_added,
        signals.security_key_removed,
    ]
    with listening(*watched) as heard, django_capture_on_commit_callbacks(execute=True):
        first = register(api, plain.tokens["access"], SoftAuthenticator(), name="One").json()
        access = first["access"]
        second = register(api, access, SoftAuthenticator(), name="Two").json()
        api.delete(key_url(second["id"]), **bearer(access))
        api.delete(key_url(first["id"]), **bearer(access))
    assert names(heard) == [
        "two_factor_enabled",  # the first key: 2FA on, no "key added" besides
        "security_key_added",
        "security_key_removed",
        "two_factor_disabled",  # the last method: 2FA off, no "key removed" besides
    ]
    assert [kwargs.get("name") for _, kwargs in heard] == [None, "Two", "Two", None]
    assert all(kwargs["user"] == plain.user for _, kwargs in heard)
