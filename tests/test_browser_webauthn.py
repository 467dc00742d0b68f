"""Security keys on the demo page, in Chromium's virtual authenticator.

The page calls ``navigator.credentials`` as it would with a real key; the
DevTools protocol's WebAuthn domain plugs a virtual one into the browser
(``tests.browser.VirtualAuthenticator``) that answers at once. The live
server is ``http://localhost:<port>``, inside the example's RP ID
"localhost". The server's clock is the ``clock`` fixture's, as in
``test_browser``.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlparse

import pytest

from django_twofactor.methods.webauthn.models import WebAuthnCredential
from tests.api_helpers import field_error
from tests.browser import (  # noqa: F401  # fixtures
    chromium,
    expect,
    screenshot,
    tab,
    virtual_authenticator,
)
from tests.conftest import make_user
from tests.test_browser import TOO_OLD, error, heading, log_in, notice
from tests.webauthn_helpers import AUTHENTICATE_OPTIONS  # skips without py_webauthn

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads the data

AUTHENTICATE = "/api/auth/2fa/authenticate/"
REFUSED = "The security key's answer is not valid, expired or was already used."
NOT_ANSWERED = (
    "The security key did not answer: it was cancelled, timed out, "
    "or is not one of this account's keys."
)
ALL_OFF = "every session has ended"


def base64url(standard: str) -> str:
    """DevTools gives credential IDs in base64; the server stores base64url."""
    return base64.urlsafe_b64encode(base64.b64decode(standard)).decode().rstrip("=")


def api_calls(page: Any, *paths: str) -> list[Any]:
    seen: list[Any] = []
    page.on("response", lambda r: seen.append(r) if urlparse(r.url).path in paths else None)
    return seen


def add_key(page: Any, name: str = "Blue key") -> list[str]:
    """A user with 2FA off logs in and adds a key instead of an app; the recovery codes."""
    log_in(page)
    expect(heading(page, "Set up two-factor authentication")).to_be_visible()
    page.get_by_role("button", name="Use a security key instead").click()
    expect(page.get_by_label("Name of the new key")).to_be_focused()
    page.get_by_label("Name of the new key").fill(name)
    page.get_by_role("button", name="Add a security key").click()
    expect(heading(page, "Save your recovery codes")).to_be_focused()
    expect(error(page)).to_be_empty()
    return list(page.get_by_test_id("recovery-codes").get_by_role("listitem").all_inner_texts())


def use_key(page: Any) -> None:
    """Password, then the key at the second step."""
    log_in(page)
    expect(heading(page, "Second step")).to_be_visible()
    page.get_by_role("button", name="Use security key").click()


def test_add_a_key_sign_in_with_it_and_remove_it(tab, virtual_authenticator, live_server, clock):
    """The first key turns 2FA on; it signs in (amr "hwk") and steps up; removing it
    (after a fresh sign-in) turns 2FA off and ends every session."""
    user = make_user()
    tab.goto(live_server.url)
    expect(tab.get_by_test_id("keys-elsewhere")).to_be_hidden()

    # An old sign-in cannot add a key: the options call gets the RFC 9470 challenge.
    log_in(tab)
    tab.get_by_role("button", name="Not now").click()
    expect(tab.get_by_test_id("keys")).to_be_hidden()  # no key yet
    clock.shift(301)
    tab.get_by_role("button", name="Add a security key").click()
    expect(error(tab)).to_have_text(TOO_OLD)
    expect(tab.get_by_label("Username")).to_be_focused()
    assert virtual_authenticator.credentials() == []

    codes = add_key(tab)
    assert len(codes) == 10
    screenshot(tab, "webauthn-register.png")
    (stored,) = WebAuthnCredential.objects.filter(user=user)
    assert stored.name == "Blue key"
    (held,) = virtual_authenticator.credentials()
    assert base64url(held["credentialId"]) == stored.credential_id
    assert held["rpId"] == "localhost"
    user.refresh_from_db()
    assert user.two_factor_enabled

    tab.get_by_role("button", name="I have saved them").click()
    expect(tab.get_by_test_id("status")).to_have_text(
        "Two-factor authentication is on. 10 recovery codes left."
    )
    # The first key's registration gave new tokens, which say a key was used.
    expect(tab.get_by_test_id("methods")).to_have_text("pwd, mfa, hwk, user")
    keys = tab.get_by_test_id("keys").get_by_role("listitem")
    expect(keys).to_have_count(1)
    expect(keys).to_contain_text("Blue key")
    expect(keys).to_contain_text("never used")
    # Keys only: an authenticator app can still be added beside them.
    expect(tab.get_by_role("button", name="Add an authenticator app")).to_be_visible()
    tab.get_by_role("button", name="Log out", exact=True).click()
    expect(heading(tab, "Log in")).to_be_visible()

    clock.shift(30)
    use_key(tab)
    expect(heading(tab, "Logged in")).to_be_focused()
    expect(tab.get_by_test_id("methods")).to_have_text("pwd, mfa, hwk, user")
    expect(keys).to_contain_text("last used")
    screenshot(tab, "webauthn-login.png")
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    assert stored.sign_count == virtual_authenticator.credentials()[0]["signCount"]

    # The forms that take a code take the key too.
    tab.get_by_role("button", name="New recovery codes with a security key").click()
    expect(heading(tab, "Save your recovery codes")).to_be_focused()
    new_codes = tab.get_by_test_id("recovery-codes").get_by_role("listitem").all_inner_texts()
    assert len(new_codes) == 10
    assert not set(new_codes) & set(codes)
    tab.get_by_role("button", name="I have saved them").click()
    expect(tab.get_by_test_id("status")).to_have_text(
        "Two-factor authentication is on. 10 recovery codes left."
    )

    # Five minutes on, the payout's step-up takes the key too.
    clock.shift(301)
    tab.get_by_role("button", name="Send a payout").click()
    tab.get_by_role("button", name="Confirm with a security key").click()
    expect(notice(tab)).to_have_text("Payout sent.")
    expect(
        tab.get_by_label("Confirm with a code from your app (or a recovery code)")
    ).to_be_hidden()

    # Removing a key wants a sign-in or step-up of the last five minutes.
    clock.shift(301)
    tab.get_by_role("button", name="Remove Blue key").click()
    expect(error(tab)).to_have_text(TOO_OLD)
    assert WebAuthnCredential.objects.filter(user=user).count() == 1

    use_key(tab)
    expect(heading(tab, "Logged in")).to_be_visible()
    tab.get_by_role("button", name="Remove Blue key").click()
    # The last method: 2FA is off and every token void, as after turn-off.
    expect(heading(tab, "Log in")).to_be_visible()
    expect(notice(tab)).to_contain_text(ALL_OFF)
    assert not WebAuthnCredential.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert not user.two_factor_enabled
    log_in(tab)
    expect(heading(tab, "Set up two-factor authentication")).to_be_visible()


def test_a_key_the_server_does_not_know_is_refused(tab, virtual_authenticator, live_server, clock):
    """A fresh key holds no credential of the account: the browser refuses, and
    nothing reaches the server. A copy of the key with its old signature counter
    (a clone) answers, and the server refuses it as a counted failure."""
    user = make_user()
    calls = api_calls(tab, AUTHENTICATE_OPTIONS, AUTHENTICATE)
    tab.goto(live_server.url)
    add_key(tab)
    (as_registered,) = virtual_authenticator.credentials()
    tab.get_by_role("button", name="I have saved them").click()
    tab.get_by_role("button", name="Log out", exact=True).click()
    use_key(tab)  # the key's counter goes up, here and on the server
    expect(heading(tab, "Logged in")).to_be_visible()
    tab.get_by_role("button", name="Log out", exact=True).click()
    stored = WebAuthnCredential.objects.get(user=user)
    assert stored.sign_count > as_registered["signCount"]

    virtual_authenticator.replace()
    use_key(tab)
    expect(error(tab)).to_have_text(NOT_ANSWERED)
    expect(heading(tab, "Second step")).to_be_visible()
    expect(tab.get_by_role("button", name="Use security key")).to_be_enabled()
    user.refresh_from_db()
    assert user.two_factor_failed_attempts == 0

    # The credential as it was at registration: its next counter is not above
    # the one the server stored.
    virtual_authenticator.put(as_registered)
    tab.get_by_role("button", name="Use security key").click()
    expect(error(tab)).to_have_text(REFUSED)
    expect(heading(tab, "Second step")).to_be_visible()
    screenshot(tab, "webauthn-wrong-key.png")
    user.refresh_from_db()
    assert user.two_factor_failed_attempts == 1
    stored.refresh_from_db()
    assert stored.sign_count > as_registered["signCount"]  # unchanged by the refusal

    # Its counter ahead of the server's again: the key is accepted.
    virtual_authenticator.put({**as_registered, "signCount": stored.sign_count + 10})
    tab.get_by_role("button", name="Use security key").click()
    expect(heading(tab, "Logged in")).to_be_visible()
    user.refresh_from_db()
    assert user.two_factor_failed_attempts == 0

    seen = [(urlparse(r.url).path, r.status) for r in calls]
    assert seen == [
        (AUTHENTICATE_OPTIONS, 200),
        (AUTHENTICATE, 200),
        (AUTHENTICATE_OPTIONS, 200),  # the browser found no credential to answer with
        (AUTHENTICATE_OPTIONS, 200),
        (AUTHENTICATE, 400),
        (AUTHENTICATE_OPTIONS, 200),
        (AUTHENTICATE, 200),
    ]
    assert calls[4].json() == field_error("credential", "invalid_credential", REFUSED)


def test_keys_only_where_the_browser_and_the_host_allow_them(chromium, live_server):
    """At 127.0.0.1 (outside the RP ID "localhost") the page says where keys work;
    without ``PublicKeyCredential`` it shows no key at all."""
    make_user()
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(live_server.url.replace("localhost", "127.0.0.1"))
        elsewhere = page.get_by_test_id("keys-elsewhere")
        expect(elsewhere).to_be_visible()
        expect(elsewhere.get_by_role("link")).to_have_attribute("href", f"{live_server.url}/")
        log_in(page)
        expect(page.get_by_role("button", name="Use a security key instead")).to_be_hidden()
        page.get_by_role("button", name="Not now").click()
        expect(page.get_by_role("heading", name="Security keys")).to_be_visible()
        expect(page.get_by_role("button", name="Add a security key")).to_be_hidden()
    finally:
        context.close()

    context = chromium.new_context()
    try:
        context.add_init_script("delete window.PublicKeyCredential;")
        page = context.new_page()
        page.goto(live_server.url)
        expect(page.get_by_test_id("keys-elsewhere")).to_be_hidden()
        log_in(page)
        page.get_by_role("button", name="Not now").click()
        expect(heading(page, "Logged in")).to_be_visible()
        expect(page.get_by_role("heading", name="Security keys")).to_be_hidden()
        expect(page.get_by_test_id("error")).to_be_empty()
    finally:
        context.close()
