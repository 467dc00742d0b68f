"""The demo page at ``/`` in a real browser: Debian's Chromium driven by Playwright.

The live server runs in a thread of this process, so the ``clock`` fixture
(time-machine) sets the server's time too; codes are computed for that time.
The browser computes no codes, so its own clock only matters for the lockout
countdown, which Playwright's fake clock drives.
"""

from __future__ import annotations

import base64
import io
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import zxingcpp
from django.conf import settings
from PIL import Image
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from django_twofactor import crypto, services
from django_twofactor.codes import TOTP, SubmittedCode
from django_twofactor.conf import twofactor_settings
from tests.browser import chromium, expect, screenshot, tab  # noqa: F401  # fixtures
from tests.conftest import PASSWORD, code_at, make_user, wrong_code

WRONG = "That code is wrong or was already used — wait for the next one."
TOO_LONG = "Your sign-in took too long — log in again."
LOCKED = "Too many wrong codes. Every code is refused until the countdown ends, even a right one."
TOO_OLD = "Your sign-in is too old to change two-factor settings: log in again."
STEP_UP = "Confirm with a code from your app (or a recovery code)"
CHALLENGE_HEADER = (
    'Bearer error="insufficient_user_authentication", '
    'error_description="A more recent authentication is required", max_age="300"'
)

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads the data


def error(page: Any) -> Any:
    return page.get_by_test_id("error")


def heading(page: Any, name: str) -> Any:
    return page.get_by_role("heading", name=name, level=2)


def notice(page: Any) -> Any:
    return page.get_by_test_id("notice")


def log_in(page: Any, password: str = PASSWORD) -> None:
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def submit(page: Any, label: str, code: str, button: str) -> None:
    page.get_by_label(label).fill(code)
    page.get_by_role("button", name=button).click()


def enabled_user(clock: Any) -> tuple[Any, str]:
    """alice with 2FA on, set up through the services; the turn-on step is spent."""
    user = make_user()
    secret = services.begin_setup(user).secret
    services.enable(user, SubmittedCode(TOTP, code_at(secret, time.time())), ["pwd"])
    clock.shift(30)
    return user, secret


def test_whole_flow(tab, live_server, clock):
    """Set-up with the QR code, recovery codes, a second login, 2FA off: all on the page."""
    user = make_user()
    tab.goto(live_server.url)
    expect(tab.get_by_label("Username")).to_be_focused()
    log_in(tab)

    # The set-up step: the QR code encodes the otpauth URL of the secret shown.
    expect(heading(tab, "Set up two-factor authentication")).to_be_focused()
    shown = tab.get_by_test_id("secret").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{1,4}", shown), shown
    secret = shown.replace(" ", "")
    user.refresh_from_db()
    assert crypto.decrypt(user.two_factor_secret) == secret
    source = tab.get_by_test_id("qr").get_attribute("src")
    assert source.startswith("data:image/png;base64,")
    png = base64.b64decode(source.split(",", 1)[1])
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    (barcode,) = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    otpauth = tab.get_by_role("link", name="add it to your authenticator app").get_attribute("href")
    assert barcode.text == otpauth
    assert parse_qs(urlparse(otpauth).query)["secret"] == [secret]
    assert tab.get_by_test_id("qr").evaluate("img => img.complete && img.naturalWidth") > 0
    code_field = tab.get_by_label("Enter the 6-digit code the app shows")
    assert code_field.get_attribute("autocomplete") == "one-time-code"
    assert code_field.get_attribute("inputmode") == "numeric"
    screenshot(tab, "qr-step.png")

    label, turn_on = "Enter the 6-digit code the app shows", "Turn on 2FA"
    submit(tab, label, "12345", turn_on)
    expect(error(tab)).to_have_text("Enter the 6 digits your app shows.")
    submit(tab, label, wrong_code(secret, time.time()), turn_on)
    expect(error(tab)).to_have_text(WRONG)
    used = code_at(secret, time.time())
    submit(tab, label, used, turn_on)

    expect(heading(tab, "Save your recovery codes")).to_be_focused()
    expect(error(tab)).to_be_empty()
    codes = tab.get_by_test_id("recovery-codes").get_by_role("listitem").all_inner_texts()
    assert len(codes) == 10
    assert all(re.fullmatch(r"[a-z2-7]{5}-[a-z2-7]{5}", code) for code in codes)
    tab.get_by_role("button", name="I have saved them").click()
    expect(tab.get_by_test_id("status")).to_have_text(
        "Two-factor authentication is on. 10 recovery codes left."
    )
    tab.get_by_role("button", name="Log out", exact=True).click()
    expect(heading(tab, "Log in")).to_be_visible()
    expect(tab.get_by_test_id("notice")).to_contain_text("ended on the server")
    assert OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=False).count() == 1

    # Second login: the pending step takes a recovery code (case does not matter).
    clock.shift(30)
    log_in(tab)
    field = tab.get_by_label("Enter the code from your app, or a recovery code")
    expect(field).to_be_focused()
    tab.get_by_role("button", name="Type a recovery code instead").click()
    expect(field).to_have_attribute("inputmode", "text")
    submit(tab, "Enter the code from your app, or a recovery code", codes[0].upper(), "Continue")

    expect(heading(tab, "Logged in")).to_be_focused()
    me = tab.get_by_test_id("me")
    expect(me).to_contain_text('"username": "alice"')
    expect(me).to_contain_text('"two_factor_enabled": true')
    expect(tab.get_by_test_id("status")).to_have_text(
        "Two-factor authentication is on. 9 recovery codes left."
    )
    expect(tab.get_by_test_id("methods")).to_have_text("pwd, mfa")
    screenshot(tab, "logged-in.png")

    # The code that turned 2FA on is spent; a fresh one turns it off.
    off = "To turn 2FA off, enter a code from your app or a recovery code"
    submit(tab, off, used, "Turn 2FA off")
    expect(error(tab)).to_have_text(WRONG)
    submit(tab, off, code_at(secret, time.time()), "Turn 2FA off")
    # Turn-off ends every session, this one too: log in again with the password alone.
    expect(heading(tab, "Log in")).to_be_visible()
    expect(tab.get_by_test_id("notice")).to_contain_text("every session has ended")
    user.refresh_from_db()
    assert not user.two_factor_enabled
    log_in(tab)
    expect(heading(tab, "Set up two-factor authentication")).to_be_visible()


def test_lockout_shows_a_countdown_from_retry_after(tab, live_server, clock):
    """After 5 wrong codes even the right one is refused; the button waits out Retry-After."""
    _, secret = enabled_user(clock)
    tab.clock.install()
    tab.clock.pause_at(time.time() + 60)  # the page's timers move only when told
    tab.goto(live_server.url)
    log_in(tab)
    label = "Enter the code from your app, or a recovery code"
    for _ in range(twofactor_settings.MAX_FAILED_ATTEMPTS):
        submit(tab, label, wrong_code(secret, time.time()), "Continue")
        expect(error(tab)).to_have_text(WRONG)
    clock.shift(15)  # so Retry-After says 45, not the base delay of 60
    submit(tab, label, code_at(secret, time.time()), "Continue")

    expect(error(tab)).to_have_text(LOCKED)
    countdown, button = tab.get_by_test_id("countdown"), tab.get_by_role("button", name="Continue")
    expect(countdown).to_have_text("Try again in 45 seconds.")
    expect(button).to_be_disabled()
    tab.clock.run_for(1_000)
    expect(countdown).to_have_text("Try again in 44 seconds.")
    tab.clock.run_for(43_000)
    expect(countdown).to_have_text("Try again in 1 second.")
    expect(button).to_be_disabled()
    tab.clock.run_for(1_000)
    expect(countdown).to_be_hidden()
    expect(button).to_be_enabled()
    expect(error(tab)).to_be_empty()

    clock.shift(45)  # the server's lockout ends when the countdown does
    submit(tab, label, code_at(secret, time.time()), "Continue")
    expect(heading(tab, "Logged in")).to_be_visible()


def test_bad_password_and_expired_sign_in(tab, live_server, clock):
    """A wrong password and an expired pending token say what to do; an expired
    access token is refreshed without the person noticing."""
    _, secret = enabled_user(clock)
    tab.goto(live_server.url)
    log_in(tab, password="wrong")
    expect(error(tab)).to_have_text("Wrong username or password.")
    expect(heading(tab, "Log in")).to_be_visible()

    log_in(tab)
    expect(heading(tab, "Second step")).to_be_visible()
    clock.shift(twofactor_settings.PENDING_TOKEN_LIFETIME.total_seconds() + 1)
    code = code_at(secret, time.time())
    submit(tab, "Enter the code from your app, or a recovery code", code, "Continue")
    expect(error(tab)).to_have_text(TOO_LONG)
    expect(tab.get_by_label("Username")).to_be_focused()

    log_in(tab)  # the code was not spent by the refused attempt
    submit(tab, "Enter the code from your app, or a recovery code", code, "Continue")
    expect(tab.get_by_test_id("me")).to_contain_text('"two_factor_enabled": true')
    expect(tab.get_by_test_id("methods")).to_have_text("pwd, mfa, otp")

    # The access token expires; the page refreshes it, and the claim stays.
    clock.shift(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds() + 1)
    renew = "To get new recovery codes (the old ones stop working), enter a code from your app"
    submit(tab, renew, code_at(secret, time.time()), "New recovery codes")
    expect(heading(tab, "Save your recovery codes")).to_be_visible()
    tab.get_by_role("button", name="I have saved them").click()
    expect(tab.get_by_test_id("methods")).to_have_text("pwd, mfa, otp")


def test_log_out_everywhere_ends_the_other_devices_session(chromium, tab, live_server, clock):
    """Two browsers signed in; "Log out everywhere" in one, and the other is out too."""
    make_user()
    other = chromium.new_context().new_page()
    for page in (tab, other):
        page.goto(live_server.url)
        log_in(page)
        expect(heading(page, "Set up two-factor authentication")).to_be_visible()
        page.get_by_role("button", name="Not now").click()
        expect(heading(page, "Logged in")).to_be_visible()
    tab.get_by_role("button", name="Log out everywhere").click()
    expect(tab.get_by_test_id("notice")).to_contain_text("every device must log in again")
    other.get_by_role("button", name="Set up 2FA").click()  # its next call is refused
    expect(error(other)).to_have_text("Your session has ended — log in again.")
    expect(heading(other, "Log in")).to_be_visible()
    other.context.close()


def api_calls(page: Any, *paths: str) -> list[Any]:
    """The page's responses from ``paths``, in order, to read once the test is done."""
    seen: list[Any] = []
    page.on("response", lambda r: seen.append(r) if urlparse(r.url).path in paths else None)
    return seen


def test_step_up_asks_for_a_code_again_before_a_late_payout(tab, live_server, clock):
    """RFC 9470 on the page: a payout right after the code step goes through; five
    minutes later the server's challenge makes the page ask for a code (a refresh
    would not do: it keeps the old auth_time), then the page retries, once."""
    _, secret = enabled_user(clock)
    calls = api_calls(tab, "/api/payout/", "/api/auth/refresh/", "/api/auth/2fa/verify/")
    tab.goto(live_server.url)
    log_in(tab)
    submit(
        tab,
        "Enter the code from your app, or a recovery code",
        code_at(secret, time.time()),
        "Continue",
    )
    expect(heading(tab, "Logged in")).to_be_focused()
    payout = tab.get_by_role("button", name="Send a payout")
    field = tab.get_by_label(STEP_UP)
    payout.click()
    expect(notice(tab)).to_have_text("Payout sent.")
    expect(field).to_be_hidden()

    clock.shift(301)  # the code step and the access token are both too old now
    payout.click()
    expect(field).to_be_focused()
    expect(notice(tab)).to_be_empty()
    expect(tab.get_by_text("A payout needs a code verified in the last 5 minutes.")).to_be_visible()
    assert field.get_attribute("autocomplete") == "one-time-code"
    screenshot(tab, "step-up.png")
    tab.get_by_role("button", name="Not now").click()
    expect(field).to_be_hidden()
    expect(payout).to_be_focused()
    payout.click()  # the refreshed access token is valid: the challenge comes at once
    expect(field).to_be_focused()

    submit(tab, STEP_UP, wrong_code(secret, time.time()), "Confirm")
    expect(error(tab)).to_have_text(WRONG)
    expect(field).to_be_visible()
    submit(tab, STEP_UP, code_at(secret, time.time()), "Confirm")
    expect(notice(tab)).to_have_text("Payout sent.")
    expect(field).to_be_hidden()
    expect(payout).to_be_focused()
    expect(error(tab)).to_be_empty()
    expect(heading(tab, "Logged in")).to_be_visible()

    seen = [(urlparse(r.url).path, r.status) for r in calls]
    assert seen == [
        ("/api/payout/", 202),
        ("/api/payout/", 401),  # the access token expired: the page refreshes it
        ("/api/auth/refresh/", 200),
        ("/api/payout/", 401),  # the challenge: no second refresh
        ("/api/payout/", 401),  # again after "Not now", and no refresh for it
        ("/api/auth/2fa/verify/", 400),
        ("/api/auth/2fa/verify/", 200),
        ("/api/payout/", 202),
    ]
    assert calls[1].json()["code"] == "token_not_valid"
    for challenge in calls[3:5]:
        assert challenge.json() == {
            "detail": "A more recent authentication is required: verify a code again.",
            "code": "insufficient_user_authentication",
            "max_age": 300,
        }
        assert challenge.headers["www-authenticate"] == CHALLENGE_HEADER
    assert calls[-1].json() == {"status": "accepted"}


def test_payout_with_two_factor_off_says_to_turn_it_on(tab, live_server, clock):
    """No code to ask for: the 403's detail says what to do instead."""
    make_user()
    calls = api_calls(tab, "/api/payout/")
    tab.goto(live_server.url)
    log_in(tab)
    tab.get_by_role("button", name="Not now").click()
    expect(heading(tab, "Logged in")).to_be_visible()
    tab.get_by_role("button", name="Send a payout").click()
    expect(error(tab)).to_have_text("Turn on two-factor authentication to use this.")
    expect(tab.get_by_label(STEP_UP)).to_be_hidden()
    expect(notice(tab)).to_be_empty()
    expect(heading(tab, "Logged in")).to_be_visible()
    assert [r.status for r in calls] == [403]
    assert calls[0].json()["code"] == "two_factor_not_enabled"


def test_turn_on_after_an_old_sign_in_asks_to_log_in_again(tab, live_server, clock):
    """Turn-on wants a password login of the last five minutes; a refresh is not one."""
    user = make_user()
    tab.goto(live_server.url)
    log_in(tab)
    expect(heading(tab, "Set up two-factor authentication")).to_be_visible()
    secret = tab.get_by_test_id("secret").inner_text().replace(" ", "")
    clock.shift(301)
    label = "Enter the 6-digit code the app shows"
    submit(tab, label, code_at(secret, time.time()), "Turn on 2FA")
    expect(error(tab)).to_have_text(TOO_OLD)
    expect(tab.get_by_label("Username")).to_be_focused()
    expect(tab.get_by_test_id("secret")).to_be_empty()
    user.refresh_from_db()
    assert not user.two_factor_enabled

    log_in(tab)  # a fresh sign-in, and turn-on takes the code
    expect(heading(tab, "Set up two-factor authentication")).to_be_visible()
    secret = tab.get_by_test_id("secret").inner_text().replace(" ", "")
    submit(tab, label, code_at(secret, time.time()), "Turn on 2FA")
    expect(heading(tab, "Save your recovery codes")).to_be_focused()
