"""The admin's login with the second factor, in a real browser (Debian's Chromium, Playwright).

As in ``tests/test_browser.py``: the live server runs in a thread of this
process, so the ``clock`` fixture (time-machine) sets its time, and codes are
computed for that time. Screenshots go to ``artifacts/screenshots/admin-*.png``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from django_twofactor import services
from django_twofactor.codes import TOTP, SubmittedCode
from django_twofactor.conf import twofactor_settings
from tests.browser import chromium, expect, screenshot, tab  # noqa: F401  # fixtures
from tests.conftest import PASSWORD, code_at, make_user, wrong_code

INTRO = "Your account uses two-factor authentication. Enter the code your authenticator app shows"
WRONG = "The code is wrong or was already used."

pytestmark = pytest.mark.django_db(transaction=True)  # the live server reads the data


def admin_user(clock: Any) -> str:
    """alice, a superuser with 2FA on, set up through the services; returns her secret."""
    user = make_user()
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    secret = services.begin_setup(user).secret
    services.enable(user, SubmittedCode(TOTP, code_at(secret, time.time())), ["pwd"])
    clock.shift(30)  # the turn-on step is spent
    return secret


def log_in_with_password(page: Any, base: str) -> None:
    page.goto(f"{base}/admin/")
    expect(page).to_have_url(f"{base}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def enter_code(page: Any, code: str) -> None:
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Verify").click()


def test_password_alone_does_not_open_the_admin(tab, live_server, clock):
    """The password step ends on the code page; the admin stays closed meanwhile."""
    admin_user(clock)
    log_in_with_password(tab, live_server.url)

    expect(tab.get_by_text(INTRO)).to_be_visible()
    code = tab.get_by_label("Code")
    expect(code).to_be_focused()
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    expect(tab.get_by_label("Password")).to_have_count(0)
    expect(tab).to_have_title("Two-factor authentication | Django site admin")
    screenshot(tab, "admin-code-step.png")

    other = tab.context.new_page()  # the same session, in a second tab
    other.goto(f"{live_server.url}/admin/")
    expect(other).to_have_url(f"{live_server.url}/admin/login/?next=/admin/")
    expect(other.get_by_label("Password")).to_be_visible()
    expect(other.get_by_role("heading", name="Site administration")).to_have_count(0)
    screenshot(other, "admin-password-only-refused.png")
    other.close()


def test_code_step_lands_in_the_admin_index(tab, live_server, clock):
    secret = admin_user(clock)
    log_in_with_password(tab, live_server.url)
    enter_code(tab, wrong_code(secret))
    expect(tab.get_by_text(WRONG)).to_be_visible()
    expect(tab.get_by_label("Code")).to_have_value("")
    expect(tab.get_by_label("Code")).to_be_focused()
    screenshot(tab, "admin-code-wrong.png")

    enter_code(tab, code_at(secret, time.time()))
    expect(tab).to_have_url(f"{live_server.url}/admin/")
    expect(tab.get_by_role("heading", name="Site administration")).to_be_visible()
    expect(tab.get_by_role("link", name="Users")).to_be_visible()
    screenshot(tab, "admin-index-after-code.png")


def test_wrong_codes_lock_the_code_step(tab, live_server, clock):
    """Enough wrong codes lock the step; the page says for how long, even to a right code."""
    secret = admin_user(clock)
    log_in_with_password(tab, live_server.url)
    for _ in range(twofactor_settings.MAX_FAILED_ATTEMPTS - 1):
        enter_code(tab, wrong_code(secret))
        expect(tab.get_by_text(WRONG)).to_be_visible()
    enter_code(tab, wrong_code(secret))
    expect(tab.get_by_text("Too many wrong codes. Try again in 60 seconds.")).to_be_visible()

    clock.shift(15)
    enter_code(tab, code_at(secret, time.time()))
    expect(tab.get_by_text("Too many wrong codes. Try again in 45 seconds.")).to_be_visible()
    expect(tab.get_by_label("Code")).to_be_visible()
    screenshot(tab, "admin-code-locked.png")

    clock.shift(45)
    enter_code(tab, code_at(secret, time.time()))
    expect(tab.get_by_role("heading", name="Site administration")).to_be_visible()
