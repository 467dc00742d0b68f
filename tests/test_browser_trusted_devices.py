"""Trusted devices on the demo page (CONTRACT §15), in Chromium.

"Trust this device" at the code step keeps the device token in the page's
``localStorage`` (the access and refresh tokens stay in memory); the next
log-in of that username sends it, and a live device stands in for the code.
A token the server ignored (forgotten, or outlived by "Log out everywhere")
is dropped, and the code is asked again. The server's clock is the ``clock``
fixture's, as in ``test_browser``.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import pytest

from django_twofactor.models import TrustedDevice
from tests.browser import (  # noqa: F401  # fixtures
    chromium,
    expect,
    screenshot,
    tab,
    virtual_authenticator,
)
from tests.conftest import code_at, make_user
from tests.test_browser import enabled_user, error, heading, log_in, notice

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads the data

LOGIN = "/api/auth/login/"
CODE = "Enter the code from your app, or a recovery code"
STORAGE_KEY = "django-twofactor-demo:trusted-device:alice"
DEVICE = "Chrome on Linux"  # the page's short name for headless Chromium on Linux
NOW_TRUSTED = "This device is trusted now: the next log-ins here ask for the password alone."
TRUSTED = "This device is trusted: it stood in for the code, so none was asked."
TRUST_ENDED = (
    "This device is no longer trusted (it expired, was forgotten, or the account "
    "logged out everywhere): enter a code."
)


@pytest.fixture(autouse=True)
def trusting(settings):
    """Trusted devices on for 30 days, as in the example project."""
    settings.TWO_FACTOR = {**settings.TWO_FACTOR, "TRUSTED_DEVICE_LIFETIME": timedelta(days=30)}


def logins(page: Any) -> list[Any]:
    """The page's ``login/`` responses, in order, to read once the test is done."""
    seen: list[Any] = []
    page.on("response", lambda r: seen.append(r) if urlparse(r.url).path == LOGIN else None)
    return seen


def stored(page: Any) -> dict[str, Any] | None:
    """What the page keeps in ``localStorage`` for alice's device, if anything."""
    value = page.evaluate("key => localStorage.getItem(key)", STORAGE_KEY)
    return None if value is None else json.loads(value)


def devices(page: Any) -> Any:
    return page.get_by_test_id("devices").get_by_role("listitem")


def sign_in_trusting(page: Any, secret: str, *, screenshot_as: str | None = None) -> None:
    """Password, then a code with "Trust this device" ticked."""
    log_in(page)
    expect(heading(page, "Second step")).to_be_visible()
    trust = page.get_by_label("Trust this device")
    expect(trust).not_to_be_checked()
    trust.check()
    page.get_by_label(CODE).fill(code_at(secret, time.time()))
    if screenshot_as:
        screenshot(page, screenshot_as)
    page.get_by_role("button", name="Continue").click()
    expect(heading(page, "Logged in")).to_be_focused()
    expect(notice(page)).to_have_text(NOW_TRUSTED)


def test_a_trusted_device_skips_the_code_until_it_is_forgotten(tab, live_server, clock):
    user, secret = enabled_user(clock)
    calls = logins(tab)
    tab.goto(live_server.url)
    sign_in_trusting(tab, secret, screenshot_as="trusted-device-code-step.png")
    expect(tab.get_by_test_id("methods")).to_have_text("pwd, mfa, otp")
    (device,) = TrustedDevice.objects.filter(user=user)
    assert device.name == DEVICE
    expect(devices(tab)).to_have_count(1)
    expect(devices(tab)).to_contain_text(f"{DEVICE} this browser")
    expect(devices(tab)).to_contain_text("never used")
    # Only the device token outlives the page; the access and refresh tokens do not.
    kept = stored(tab)
    assert kept is not None
    assert kept["id"] == device.pk
    assert tab.evaluate("Object.keys(localStorage)") == [STORAGE_KEY]
    assert tab.evaluate("sessionStorage.length") == 0
    assert tab.context.cookies() == []
    tab.get_by_role("button", name="Log out", exact=True).click()
    expect(heading(tab, "Log in")).to_be_visible()
    expect(tab.get_by_label("Trust this device")).not_to_be_checked()

    # The password alone: the device stands in for the code.
    clock.shift(3_600)
    log_in(tab)
    expect(heading(tab, "Logged in")).to_be_focused()
    expect(notice(tab)).to_have_text(TRUSTED)
    expect(tab.get_by_test_id("methods")).to_have_text("pwd, mfa, trusted_device")
    expect(devices(tab)).to_have_count(1)
    expect(devices(tab)).to_contain_text("last used")
    expect(devices(tab)).to_contain_text("expires")
    screenshot(tab, "trusted-device-list.png")
    device.refresh_from_db()
    assert device.last_used_at is not None

    tab.get_by_role("button", name=f"Forget {DEVICE}").click()
    expect(notice(tab)).to_have_text(
        f'"{DEVICE}" forgotten: this browser will be asked for a code again.'
    )
    expect(devices(tab)).to_have_count(0)
    expect(tab.get_by_text('None yet: tick "Trust this device" at the code step.')).to_be_visible()
    assert not TrustedDevice.objects.filter(user=user).exists()
    assert stored(tab) is None
    expect(heading(tab, "Logged in")).to_be_visible()

    tab.get_by_role("button", name="Log out", exact=True).click()
    log_in(tab)
    expect(heading(tab, "Second step")).to_be_visible()
    expect(notice(tab)).to_be_empty()  # nothing was sent, so nothing was ignored
    expect(error(tab)).to_be_empty()

    sent = [r.request.post_data_json.get("device_token") for r in calls]
    assert sent == [None, kept["token"], None]
    assert [r.json()["two_factor_required"] for r in calls] == [True, False, True]


def test_after_log_out_everywhere_the_stored_token_skips_nothing(tab, live_server, clock):
    """The server forgot the device; the page learns it at the next log-in and drops it."""
    user, secret = enabled_user(clock)
    calls = logins(tab)
    tab.goto(live_server.url)
    sign_in_trusting(tab, secret)
    kept = stored(tab)
    assert kept is not None
    tab.get_by_role("button", name="Log out everywhere").click()
    expect(notice(tab)).to_contain_text("every device must log in again")
    assert not TrustedDevice.objects.filter(user=user).exists()
    assert stored(tab) == kept  # the page keeps it: the server decides

    clock.shift(30)
    log_in(tab)
    expect(heading(tab, "Second step")).to_be_visible()
    expect(notice(tab)).to_have_text(TRUST_ENDED)
    assert stored(tab) is None
    tab.get_by_label(CODE).fill(code_at(secret, time.time()))
    tab.get_by_role("button", name="Continue").click()
    expect(heading(tab, "Logged in")).to_be_focused()
    expect(tab.get_by_test_id("methods")).to_have_text("pwd, mfa, otp")
    expect(devices(tab)).to_have_count(0)

    assert [r.request.post_data_json.get("device_token") for r in calls] == [None, kept["token"]]
    assert calls[1].json()["two_factor_required"] is True  # ignored: the pending token


def test_forgetting_another_browser_leaves_this_one_trusted(chromium, tab, live_server, clock):
    """Two browsers trusted; one forgets the other's device, which is asked for a code."""
    user, secret = enabled_user(clock)
    other = chromium.new_context().new_page()
    try:
        for page in (tab, other):
            page.goto(live_server.url)
            sign_in_trusting(page, secret)
            clock.shift(30)  # a fresh code for the second browser
        tab.get_by_role("button", name="Log out", exact=True).click()
        log_in(tab)  # the list is read again: two devices, this one marked
        expect(devices(tab)).to_have_count(2)
        mine = devices(tab).filter(has_text="this browser")
        theirs = devices(tab).filter(has_not_text="this browser")
        expect(mine).to_have_count(1)
        theirs.get_by_role("button", name="Forget").click()
        expect(notice(tab)).to_have_text(f'"{DEVICE}" forgotten.')
        expect(devices(tab)).to_have_count(1)
        expect(devices(tab)).to_contain_text("this browser")
        assert stored(tab) is not None
        assert TrustedDevice.objects.filter(user=user).count() == 1

        other.get_by_role("button", name="Log out", exact=True).click()
        log_in(other)
        expect(heading(other, "Second step")).to_be_visible()
        expect(notice(other)).to_have_text(TRUST_ENDED)
        assert stored(other) is None
    finally:
        other.context.close()


def test_turning_two_factor_off_ends_the_trust(tab, live_server, clock):
    """Turn-off forgets the devices; the next log-in (password alone now) drops the token."""
    user, secret = enabled_user(clock)
    tab.goto(live_server.url)
    sign_in_trusting(tab, secret)
    clock.shift(30)
    off = "To turn 2FA off, enter a code from your app or a recovery code"
    tab.get_by_label(off).fill(code_at(secret, time.time()))
    tab.get_by_role("button", name="Turn 2FA off").click()
    expect(heading(tab, "Log in")).to_be_visible()
    assert stored(tab) is not None
    log_in(tab)
    expect(heading(tab, "Set up two-factor authentication")).to_be_visible()
    assert stored(tab) is None
    assert not TrustedDevice.objects.filter(user=user).exists()


def test_trusting_the_device_with_a_security_key(tab, virtual_authenticator, live_server, clock):
    """The key's answer carries "Trust this device" as a code does."""
    pytest.importorskip("webauthn", reason="py_webauthn (the webauthn extra) is not installed")
    from tests.test_browser_webauthn import add_key

    user = make_user()
    tab.goto(live_server.url)
    add_key(tab)
    tab.get_by_role("button", name="I have saved them").click()
    tab.get_by_role("button", name="Log out", exact=True).click()
    log_in(tab)
    tab.get_by_label("Trust this device").check()
    tab.get_by_role("button", name="Use security key").click()
    expect(heading(tab, "Logged in")).to_be_focused()
    expect(notice(tab)).to_have_text(NOW_TRUSTED)
    expect(tab.get_by_test_id("methods")).to_have_text("pwd, mfa, hwk, user")
    assert TrustedDevice.objects.filter(user=user).count() == 1

    tab.get_by_role("button", name="Log out", exact=True).click()
    log_in(tab)
    expect(heading(tab, "Logged in")).to_be_focused()
    expect(tab.get_by_test_id("methods")).to_have_text("pwd, mfa, trusted_device")
