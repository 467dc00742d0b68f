"""CONTRACT §15: trusted devices, over HTTP and below it.

A device token buys full tokens at ``login/`` while it is live; every other
token is ignored, so ``login/`` answers as if none had been sent.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings

from django_twofactor import lifecycle, services
from django_twofactor.models import TrustedDevice
from django_twofactor.trusted_devices import flows
from tests.api_helpers import (
    AUTHENTICATE,
    LOGIN,
    LOGOUT,
    STATUS,
    TURN_OFF,
    TURN_ON,
    assert_error,
    claims,
    lock,
    now_code,
    pending_login,
)
from tests.conftest import PASSWORD, bearer, log_in, make_user

DEVICES = "/api/auth/2fa/devices/"
PAYOUT = "/api/payout/"
LIFETIME = timedelta(days=30)

pytestmark = pytest.mark.usefixtures("trusting")


@pytest.fixture
def trusting(settings):
    settings.TWO_FACTOR = {**(settings.TWO_FACTOR or {}), "TRUSTED_DEVICE_LIFETIME": LIFETIME}


def trusted_login(api, secret, username="alice", **extra):
    """Password, then a fresh code with ``trust_device``: the 200 body."""
    pending = pending_login(api, username)
    body = {"code": now_code(secret, offset=1), "trust_device": True, **extra}
    response = api.post(AUTHENTICATE, body, format="json", **bearer(pending))
    assert response.status_code == 200, response.content
    return response.json()


def login_with(api, token, username="alice"):
    body = {"username": username, "password": PASSWORD, "device_token": token}
    response = api.post(LOGIN, body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def skipped_the_code(body):
    """The device vouched: full tokens at once, and the claim says a device stood in."""
    return "access" in body and "trusted_device" in claims(body["access"])["amr"]


def test_a_trusted_device_skips_the_code(enabled, api, clock):
    clock.shift(60)
    trusted = trusted_login(api, enabled.secret, device_name="Work laptop")
    token = trusted["device_token"]
    assert len(token) >= 22  # >= 128 bits in base64url
    verified_at = claims(trusted["access"])["auth_time"]
    clock.shift(3600)
    body = login_with(api, token)
    assert skipped_the_code(body)
    assert body["two_factor_setup_required"] is False
    access = claims(body["access"])
    assert access["amr"] == ["pwd", "mfa", "trusted_device"]
    assert "otp" not in access["amr"]
    assert access["auth_time"] == verified_at  # the real verification, not this login
    assert api.get(STATUS, **bearer(body["access"])).status_code == 200
    (device,) = api.get(DEVICES, **bearer(body["access"])).json()
    assert device["name"] == "Work laptop"
    assert device["last_used_at"] is not None


def test_step_up_still_asks_for_a_code(enabled, api, clock):
    token = trusted_login(api, enabled.secret)["device_token"]
    clock.shift(301)
    access = login_with(api, token)["access"]
    response = api.post(PAYOUT, **bearer(access))
    assert_error(response, 401, "insufficient_user_authentication")


def test_the_token_is_shown_once_and_stored_as_a_keyed_hash(enabled, api, clock):
    token = trusted_login(api, enabled.secret)["device_token"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {TrustedDevice._meta.db_table}")
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert token not in repr(rows)
    (device,) = TrustedDevice.objects.all()
    assert device.token_hash in flows._hashes(token)
    listed = api.get(DEVICES, **bearer(log_in_full(api, enabled, clock))).json()
    assert token not in repr(listed)
    assert set(listed[0]) == {"id", "name", "created_at", "last_used_at", "expires_at"}


def log_in_full(api, account, clock):
    """Password and a code of the next time step (the clock moves on to it)."""
    clock.shift(30)
    pending = pending_login(api)
    response = api.post(
        AUTHENTICATE, {"code": now_code(account.secret, offset=1)}, format="json", **bearer(pending)
    )
    assert response.status_code == 200, response.content
    return response.json()["access"]


def test_the_name_falls_back_to_the_user_agent(enabled, api):
    pending = pending_login(api)
    body = {"code": now_code(enabled.secret, offset=1), "trust_device": True}
    api.post(
        AUTHENTICATE, body, format="json", HTTP_USER_AGENT="Firefox " + "x" * 300, **bearer(pending)
    )
    (device,) = TrustedDevice.objects.all()
    assert device.name.startswith("Firefox ")
    assert len(device.name) == 128


def test_without_trust_device_no_token(enabled, api):
    pending = pending_login(api)
    response = api.post(
        AUTHENTICATE, {"code": now_code(enabled.secret, offset=1)}, format="json", **bearer(pending)
    )
    assert "device_token" not in response.json()
    assert not TrustedDevice.objects.exists()


def test_off_by_default(enabled, api, settings):
    settings.TWO_FACTOR = {**settings.TWO_FACTOR, "TRUSTED_DEVICE_LIFETIME": None}
    body = trusted_login(api, enabled.secret)
    assert "device_token" not in body
    assert not TrustedDevice.objects.exists()


def test_a_token_turned_off_since_is_ignored(enabled, api, settings):
    token = trusted_login(api, enabled.secret)["device_token"]
    settings.TWO_FACTOR = {**settings.TWO_FACTOR, "TRUSTED_DEVICE_LIFETIME": None}
    assert login_with(api, token)["two_factor_required"] is True


def test_an_expired_device_is_ignored(enabled, api, clock):
    token = trusted_login(api, enabled.secret)["device_token"]
    clock.shift(LIFETIME.total_seconds() - 1)
    assert skipped_the_code(login_with(api, token))
    clock.shift(1)
    body = login_with(api, token)
    assert body["two_factor_required"] is True
    assert "pending_token" in body


def test_another_users_device_is_ignored(enabled, api, clock):
    token = trusted_login(api, enabled.secret)["device_token"]
    bob = make_user("bob")
    secret = services.begin_setup(bob).secret
    bob_tokens = log_in(api, "bob")
    assert (
        api.post(
            TURN_ON, {"code": now_code(secret)}, format="json", **bearer(bob_tokens["access"])
        ).status_code
        == 200
    )
    assert login_with(api, token, "bob")["two_factor_required"] is True


@pytest.mark.parametrize("token", ["", "x", "a" * 43, "ä" * 10])
def test_an_unknown_token_is_ignored(enabled, api, token):
    body = {"username": "alice", "password": PASSWORD, "device_token": token}
    response = api.post(LOGIN, body, format="json")
    if token == "":
        assert response.status_code == 400  # a blank field, as for every string field
    else:
        assert response.json()["two_factor_required"] is True


def test_a_wrong_password_with_a_live_token_is_refused(enabled, api):
    token = trusted_login(api, enabled.secret)["device_token"]
    body = {"username": "alice", "password": "wrong", "device_token": token}
    assert_error(api.post(LOGIN, body, format="json"), 401, "no_active_account")


def test_with_two_factor_off_a_token_changes_nothing(plain, api):
    body = login_with(api, "a" * 43)
    assert body["two_factor_required"] is False
    assert claims(body["access"])["amr"] == ["pwd"]


def test_forget_one_device(enabled, api, clock):
    token = trusted_login(api, enabled.secret)["device_token"]
    access = log_in_full(api, enabled, clock)
    (device,) = api.get(DEVICES, **bearer(access)).json()
    assert api.delete(f"{DEVICES}{device['id']}/", **bearer(access)).status_code == 204
    assert api.get(DEVICES, **bearer(access)).json() == []
    assert login_with(api, token)["two_factor_required"] is True


def test_another_users_device_cannot_be_forgotten(enabled, api):
    trusted_login(api, enabled.secret)
    (device,) = TrustedDevice.objects.all()
    make_user("bob")
    bob = log_in(api, "bob")
    assert_error(api.delete(f"{DEVICES}{device.pk}/", **bearer(bob["access"])), 404, "not_found")
    assert TrustedDevice.objects.exists()


def test_a_locked_account_gets_no_help_from_a_device(enabled, api):
    token = trusted_login(api, enabled.secret)["device_token"]
    lock(api, AUTHENTICATE, pending_login(api), enabled.secret)
    assert login_with(api, token)["two_factor_required"] is True


# Every §9 event forgets every device --------------------------------------------


def turn_off(api, account, clock):
    access = log_in_full(api, account, clock)
    response = api.post(
        TURN_OFF, {"code": account.recovery_codes[0]}, format="json", **bearer(access)
    )
    assert response.status_code == 204


def reset(api, account, clock):
    services.reset(account.user)


def password_change(api, account, clock):
    account.user.set_password("a new password, long enough")
    account.user.save()
    account.user.set_password(PASSWORD)  # back, through the same path: a second event
    account.user.save()


def logout_everywhere(api, account, clock):
    refresh = trusted_login(api, account.secret, username="alice")["refresh"]
    TrustedDevice.objects.order_by("-pk").first().delete()  # only the first device is watched
    response = api.post(LOGOUT, {"refresh": refresh, "everywhere": True}, format="json")
    assert response.status_code == 204


def reenrolment(api, account, clock):
    """Off and on again: the devices of the earlier enrolment stay forgotten."""
    turn_off(api, account, clock)
    account.user.refresh_from_db()
    secret = services.begin_setup(account.user).secret
    tokens = log_in(api)
    response = api.post(
        TURN_ON, {"code": now_code(secret)}, format="json", **bearer(tokens["access"])
    )
    assert response.status_code == 200
    account.secret = secret


@pytest.mark.parametrize(
    "event",
    [turn_off, reset, password_change, logout_everywhere, reenrolment],
    ids=lambda f: f.__name__,
)
def test_every_account_event_forgets_every_device(enabled, api, clock, event):
    token = trusted_login(api, enabled.secret)["device_token"]
    clock.shift(30)
    event(api, enabled, clock)
    clock.shift(30)
    enabled.user.refresh_from_db()
    assert not TrustedDevice.objects.filter(user=enabled.user).exists()
    response = api.post(
        LOGIN, {"username": "alice", "password": PASSWORD, "device_token": token}, format="json"
    )
    assert not skipped_the_code(response.json())


def test_a_device_outlived_by_the_account_is_ignored_even_if_its_row_stays(enabled, api):
    """A password changed by a path that skips the model's save (a queryset update):
    the state stamp still forgets the device."""
    token = trusted_login(api, enabled.secret)["device_token"]
    type(enabled.user).objects.filter(pk=enabled.user.pk).update(password="!changed-elsewhere")
    enabled.user.refresh_from_db()
    assert TrustedDevice.objects.exists()
    assert flows.vouching(enabled.user, token) is None
    assert flows.live(enabled.user) == []


def test_a_device_forgotten_while_it_logs_in_is_not_used(enabled, api, monkeypatch):
    """The forget commits between the login's look-up and its mark: the mark's
    conditional UPDATE finds no row, and the login gets the pending token."""
    token = trusted_login(api, enabled.secret)["device_token"]
    checked = lifecycle.is_current

    def forget_meanwhile(value, user):
        TrustedDevice.objects.filter(user=user).delete()
        return checked(value, user)

    monkeypatch.setattr(lifecycle, "is_current", forget_meanwhile)
    body = login_with(api, token)
    assert body["two_factor_required"] is True
    monkeypatch.undo()
    assert login_with(api, token)["two_factor_required"] is True


def test_key_rotation_keeps_devices(enabled, api, settings):
    token = trusted_login(api, enabled.secret)["device_token"]
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-that-is-long-enough-for-hkdf-0123456789abcdef"
    settings.SECRET_KEY_FALLBACKS = [old]
    enabled.user.refresh_from_db()
    # the state stamp and the token hash both accept the fallback key
    assert flows.vouching(enabled.user, token) is not None


def test_trusting_a_device_with_a_security_key(keyed, api):
    pytest.importorskip("webauthn", reason="the webauthn extra is not installed")
    from tests.webauthn_helpers import assertion

    pending = pending_login(api)
    body = {"credential": assertion(api, pending, keyed.authenticator), "trust_device": True}
    response = api.post(AUTHENTICATE, body, format="json", **bearer(pending))
    assert response.status_code == 200, response.content
    assert skipped_the_code(login_with(api, response.json()["device_token"]))


@pytest.mark.parametrize(
    "body",
    [
        {"trust_device": "maybe"},
        {"trust_device": True, "device_name": "x" * 129},
        {"device_name": 7},
    ],
)
def test_bad_trust_fields_are_a_400_and_no_attempt(enabled, api, body):
    pending = pending_login(api)
    payload = {"code": now_code(enabled.secret, offset=1), **body}
    response = api.post(AUTHENTICATE, payload, format="json", **bearer(pending))
    assert response.status_code == 400
    enabled.user.refresh_from_db()
    assert enabled.user.two_factor_failed_attempts == 0
    assert not TrustedDevice.objects.exists()


def test_devices_are_named_without_their_token(enabled, api):
    trusted_login(api, enabled.secret, device_name="Phone")
    (device,) = TrustedDevice.objects.all()
    assert str(device) == f"trusted device Phone of user {enabled.user.pk}"


def test_trust_needs_the_setting(enabled):
    with override_settings(TWO_FACTOR={}), pytest.raises(ValueError, match="off"):
        flows.trust(enabled.user, "x")


def test_turn_on_tokens_do_not_trust(set_up, api):
    """Only 2fa/authenticate/ trusts a device: turn-on's body has no such field."""
    response = api.post(
        TURN_ON,
        {"code": now_code(set_up.secret), "trust_device": True},
        format="json",
        **bearer(set_up.tokens["access"]),
    )
    assert response.status_code == 200
    assert "device_token" not in response.json()
    assert not TrustedDevice.objects.exists()
    assert time.time()  # the clock fixture is not needed here
