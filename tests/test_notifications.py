"""Security notifications (CONTRACT §12): one mail per event, after commit, to the
owner's address, text and HTML from overridable templates, in the owner's
language, never holding a code, a secret or a token; a failure is only logged.

Django's locmem backend (``mailoutbox``); tests/test_notifications_smtp.py
sends to a real SMTP server.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import transaction
from django.test import RequestFactory, override_settings
from django.utils import formats, translation

from django_twofactor import notifications, services, signals
from tests.api_helpers import (
    AUTHENTICATE,
    RECOVERY_CODES,
    TURN_OFF,
    TURN_ON,
    WRONG_RECOVERY_CODE,
    lock,
    now_code,
    pending_login,
    post_code,
)
from tests.conftest import START, bearer, code_at, log_in, mailer, make_user, wrong_code

AGENT = "NotifyTest/1.0 (X11; Linux x86_64)"
ISSUER = "django-twofactor demo"  # the example's ISSUER_NAME
SUBJECTS = {
    "two_factor_enabled": f"Two-factor authentication is on for your {ISSUER} account",
    "two_factor_disabled": f"Two-factor authentication is off for your {ISSUER} account",
    "two_factor_reset": f"Two-factor authentication was reset for your {ISSUER} account",
    "recovery_codes_regenerated": f"New recovery codes for your {ISSUER} account",
    "recovery_code_used": f"A recovery code of your {ISSUER} account was used",
    "user_locked_out": f"Wrong two-factor codes for your {ISSUER} account",
    "user_blocked": f"Two-factor codes blocked for your {ISSUER} account",
    "security_key_added": f"A security key was added to your {ISSUER} account",
    "security_key_removed": f"A security key was removed from your {ISSUER} account",
    "trusted_device_added": f"A new trusted device for your {ISSUER} account",
}
TRYING = "Someone who knows your password is trying to log in"
LANGUAGE_OF = {"anna": "de", "bea": "fr", "cyryl": "pl"}


def language_of(user: Any) -> str | None:
    """The ``NOTIFY_LANGUAGE`` hook of these tests: a project would read a profile."""
    return LANGUAGE_OF.get(user.get_username())


def two_factor(**changes: Any) -> Any:
    return override_settings(TWO_FACTOR={**settings.TWO_FACTOR, **changes})


def parts(message: Any) -> tuple[str, str]:
    """The text body and the HTML alternative of a mail."""
    html = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    assert len(html) == 1, message.alternatives
    return message.body, html[0]


def events(outbox: list[Any]) -> list[str]:
    by_subject = {subject: event for event, subject in SUBJECTS.items()}
    return [by_subject[message.subject] for message in outbox]


def the_mail(outbox: list[Any], event: str, to: str = "alice@example.com") -> tuple[str, str]:
    """The one mail of the outbox: its event, recipient, sender and both parts."""
    assert events(outbox) == [event]
    message = outbox[0]
    assert message.to == [to]
    assert message.cc == message.bcc == []
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    text, html = parts(message)
    assert text.startswith(f"Hello {to.split('@')[0]},\n\n")
    assert html.startswith("<!doctype html>")
    assert f"<title>{SUBJECTS[event]}</title>" in html
    return text, html


def when(at: float) -> str:
    moment = datetime.fromtimestamp(at, tz=timezone.utc)
    return formats.date_format(moment, "DATETIME_FORMAT")


def from_owner(api: Any, url: str, token: str, code: str) -> Any:
    """The owner's browser (``AGENT``) posts ``code``: the details the mail must name."""
    return api.post(url, {"code": code}, format="json", HTTP_USER_AGENT=AGENT, **bearer(token))


def assert_request_details(text: str, html: str, at: float = START) -> None:
    """When, from which address, with which browser: in both parts."""
    for part in (text, html):
        assert f"When: {when(at)} (UTC)" in part
        assert "IP address: 127.0.0.1" in part
        assert f"Browser or app: {AGENT}" in part


# Each event, through the HTTP flow where there is one --------------------------


def test_turn_on(set_up, api, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = from_owner(api, TURN_ON, set_up.tokens["access"], code_at(set_up.secret, START))
    assert response.status_code == 200
    text, html = the_mail(mailoutbox, "two_factor_enabled")
    assert f"Two-factor authentication was turned on for your account at {ISSUER}." in text
    assert "Keep your recovery codes somewhere safe" in text
    assert "<p>Keep your recovery codes somewhere safe" in html
    assert_request_details(text, html)
    assert "change your password now" in text


def test_the_mail_waits_for_the_commit(set_up, api, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_code(api, TURN_ON, set_up.tokens["access"], code_at(set_up.secret, START))
        assert response.status_code == 200
    assert mailoutbox == []  # the request is over; its transaction has not committed
    for callback in callbacks:
        callback()
    assert events(mailoutbox) == ["two_factor_enabled"]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_mailed_for_a_change_that_rolls_back(mailoutbox, clock):
    user = make_user()
    type(user).objects.filter(pk=user.pk).update(two_factor_enabled=True, two_factor_last_step=0)
    user.refresh_from_db()  # 2FA on: a reset the owner must hear of

    def reset_then_roll_back() -> None:
        with transaction.atomic():
            services.reset(user)
            raise RuntimeError("roll it back")

    with pytest.raises(RuntimeError, match="roll it back"):
        reset_then_roll_back()
    assert mailoutbox == []
    user.refresh_from_db()  # the rolled-back reset left the row on
    services.reset(user)  # outside any transaction: mailed at once
    assert events(mailoutbox) == ["two_factor_reset"]


def test_turn_off(enabled, api, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = from_owner(api, TURN_OFF, enabled.tokens["access"], now_code(enabled.secret))
    assert response.status_code == 204
    text, html = the_mail(mailoutbox, "two_factor_disabled")
    assert "Logging in now asks for your password alone." in text
    assert_request_details(text, html, at=START + 30)


def test_reset_by_an_administrator(enabled, mailoutbox, django_capture_on_commit_callbacks):
    """The owner is told, not the administrator, and not the administrator's
    address or browser (the admin's request is theirs, not the owner's)."""
    admin = type(enabled.user).objects.create_superuser("root", "root@example.com", "x")
    request = RequestFactory().post(
        "/admin/", REMOTE_ADDR="198.51.100.9", HTTP_USER_AGENT="AdminBrowser/2"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.reset(enabled.user, request=request, by=admin)
    text, html = the_mail(mailoutbox, "two_factor_reset")
    assert "An administrator reset two-factor authentication for your account" in text
    assert f"When: {when(START + 30)} (UTC)" in text
    for part in (text, html):
        assert "198.51.100.9" not in part
        assert "AdminBrowser" not in part
        assert "IP address" not in part
        assert "root" not in part


def test_new_recovery_codes(enabled, api, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = from_owner(
            api, RECOVERY_CODES, enabled.tokens["access"], now_code(enabled.secret)
        )
    assert response.status_code == 200
    text, html = the_mail(mailoutbox, "recovery_codes_regenerated")
    assert "The codes of the old set no longer work." in text
    assert_request_details(text, html, at=START + 30)


def test_a_recovery_code_used_says_how_many_are_left(
    enabled, api, mailoutbox, django_capture_on_commit_callbacks
):
    pending = pending_login(api)
    with django_capture_on_commit_callbacks(execute=True):
        response = from_owner(api, AUTHENTICATE, pending, enabled.recovery_codes[0])
    assert response.status_code == 200
    text, html = the_mail(mailoutbox, "recovery_code_used")
    assert "You have 9 recovery codes left." in text
    assert "<p>You have 9 recovery codes left.</p>" in html
    assert_request_details(text, html, at=START + 30)


@pytest.mark.parametrize(
    ("remaining", "says"),
    [
        (1, "You have 1 recovery code left."),
        (0, "You have no recovery codes left: make a new set now"),
    ],
)
def test_the_last_recovery_codes(plain, mailoutbox, remaining, says):
    user = plain.user
    signals.recovery_code_used.send(type(user), user=user, request=None, remaining=remaining)
    text, html = the_mail(mailoutbox, "recovery_code_used")
    assert says in text
    assert says in html


def test_five_wrong_codes_lock_and_mail_once(
    enabled, api, mailoutbox, django_capture_on_commit_callbacks
):
    pending = pending_login(api)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            response = from_owner(api, AUTHENTICATE, pending, wrong_code(enabled.secret))
            assert response.status_code == 400
        assert post_code(api, AUTHENTICATE, pending, WRONG_RECOVERY_CODE).status_code == 429
    text, html = the_mail(mailoutbox, "user_locked_out")
    until = enabled.refresh().two_factor_locked_until
    assert until is not None
    assert f"Codes are accepted again from {when(until.timestamp())} (UTC)." in text
    for part in (text, html):
        assert TRYING in part
        assert "change your password now" in part
    assert_request_details(text, html, at=START + 30)


def test_the_failure_limit_blocks_and_mails(
    enabled, api, clock, mailoutbox, django_capture_on_commit_callbacks
):
    """The first lock of the run is mailed, not the three after it; the block once."""
    fast = {
        "MAX_FAILED_ATTEMPTS": 2,
        "LOCKOUT_BASE_DELAY": timedelta(seconds=1),
        "LOCKOUT_MAX_DELAY": timedelta(seconds=1),
        "FAILURE_LIMIT": 6,
    }
    pending = pending_login(api)
    with two_factor(**fast), django_capture_on_commit_callbacks(execute=True):
        for _ in range(6):
            clock.shift(2)
            response = from_owner(api, AUTHENTICATE, pending, wrong_code(enabled.secret))
            assert response.status_code == 400
    assert events(mailoutbox) == ["user_locked_out", "user_blocked"]
    text, html = parts(mailoutbox[-1])
    assert mailoutbox[-1].to == ["alice@example.com"]
    assert "After 6 wrong two-factor codes in a row" in text
    assert "accepts no code until your password is changed" in text
    for part in (text, html):
        assert TRYING in part
        assert "change your password now: that also lifts the block" in part
    assert_request_details(text, html, at=START + 30 + 12)


def test_security_keys_added_and_removed(
    plain, api, mailoutbox, django_capture_on_commit_callbacks
):
    pytest.importorskip("webauthn", reason="the webauthn extra is not installed")
    from tests.webauthn_authenticator import SoftAuthenticator
    from tests.webauthn_helpers import key_url, register

    with django_capture_on_commit_callbacks(execute=True):
        first = register(api, plain.tokens["access"], SoftAuthenticator(), name="One").json()
        access = first["access"]
        second = register(api, access, SoftAuthenticator(), name="Backup <Nano>").json()
        assert api.delete(key_url(second["id"]), **bearer(access)).status_code == 204
        assert api.delete(key_url(first["id"]), **bearer(access)).status_code == 204
    assert events(mailoutbox) == [
        "two_factor_enabled",  # the first key turns 2FA on: no "key added" besides
        "security_key_added",
        "security_key_removed",
        "two_factor_disabled",  # the last method turns it off: no "key removed" besides
    ]
    assert all(message.to == ["alice@example.com"] for message in mailoutbox)
    added, removed = (parts(message) for message in mailoutbox[1:3])
    assert "The security key “Backup <Nano>” was added to your account" in added[0]
    assert "The security key “Backup &lt;Nano&gt;” was added to your account" in added[1]
    assert "The security key “Backup <Nano>” was removed from your account" in removed[0]
    assert "Backup <Nano>" not in added[1] + removed[1]  # escaped in HTML


def test_a_trusted_device(plain, mailoutbox):
    """The device's name and expiry, nothing else of it (its row holds the token's hash)."""
    expires = datetime(2027, 2, 14, 8, 0, tzinfo=timezone.utc)
    device = SimpleNamespace(
        name="Pixel 8\n\nClick here: http://evil.example",
        created_at=datetime(2027, 1, 15, 8, 0, tzinfo=timezone.utc),
        expires_at=expires,
        token_hash="TOKEN-HASH-MUST-NOT-LEAK",
        pk=4242,
    )
    request = RequestFactory().post("/", HTTP_USER_AGENT=AGENT)
    user = plain.user
    signals.trusted_device_added.send(type(user), user=user, request=request, device=device)
    text, html = the_mail(mailoutbox, "trusted_device_added")
    assert "The device “Pixel 8 Click here: http://evil.example” is now trusted" in text
    assert f"It stays trusted until {when(expires.timestamp())} (UTC)" in text
    assert "forget the device" in text
    assert_request_details(text, html)
    for part in (text, html):
        assert "TOKEN-HASH-MUST-NOT-LEAK" not in part
        assert "4242" not in part


def test_a_device_without_an_expiry_is_still_mailed(plain, mailoutbox):
    user = plain.user
    device = SimpleNamespace(name="Laptop")
    signals.trusted_device_added.send(type(user), user=user, request=None, device=device)
    text, html = the_mail(mailoutbox, "trusted_device_added")
    assert "“Laptop”" in text
    assert "stays trusted until" not in text + html
    assert "IP address" not in text + html


# Who gets a mail, and when none is sent ----------------------------------------


def test_no_address_no_mail(set_up, api, mailoutbox, django_capture_on_commit_callbacks):
    set_up.user.email = ""
    set_up.user.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        response = post_code(api, TURN_ON, set_up.tokens["access"], code_at(set_up.secret, START))
    assert response.status_code == 200
    assert mailoutbox == []


def test_notify_false_sends_nothing(enabled, api, mailoutbox, django_capture_on_commit_callbacks):
    pending = pending_login(api)
    with two_factor(NOTIFY=False), django_capture_on_commit_callbacks(execute=True):
        assert post_code(api, AUTHENTICATE, pending, enabled.recovery_codes[0]).status_code == 200
        lock(api, AUTHENTICATE, pending_login(api), enabled.secret)
        services.reset(enabled.user)
    assert mailoutbox == []


def test_a_receiver_is_disconnected_by_its_dispatch_uid(
    set_up, api, mailoutbox, django_capture_on_commit_callbacks
):
    uid = "django_twofactor.notifications.two_factor_enabled"
    assert signals.two_factor_enabled.disconnect(dispatch_uid=uid)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            token = set_up.tokens["access"]
            assert post_code(api, TURN_ON, token, code_at(set_up.secret, START)).status_code == 200
    finally:
        notifications.connect()
    assert mailoutbox == []


def test_a_project_sends_from_its_own_receiver(plain, mailoutbox):
    """NOTIFY False silences the package's receivers; ``notify`` still sends."""
    heard: list[bool] = []

    def own_receiver(sender: Any, user: Any, request: Any = None, **extra: Any) -> None:
        heard.append(notifications.notify("recovery_codes_regenerated", user, request))

    signals.recovery_codes_regenerated.connect(own_receiver)
    try:
        with two_factor(NOTIFY=False):
            signals.recovery_codes_regenerated.send(type(plain.user), user=plain.user)
    finally:
        signals.recovery_codes_regenerated.disconnect(own_receiver)
    assert heard == [True]
    the_mail(mailoutbox, "recovery_codes_regenerated")


def test_connecting_twice_still_sends_one_mail(plain, mailoutbox):
    notifications.connect()
    signals.two_factor_enabled.send(type(plain.user), user=plain.user, request=None)
    assert events(mailoutbox) == ["two_factor_enabled"]


def test_a_mail_costs_no_query(plain, mailoutbox, django_assert_num_queries):
    user = plain.user
    with django_assert_num_queries(0):
        signals.user_locked_out.send(type(user), user=user, request=None, until=None)
    assert events(mailoutbox) == ["user_locked_out"]


def test_a_project_overrides_the_templates(plain, mailoutbox, tmp_path, settings):
    folder = tmp_path / "django_twofactor" / "email"
    folder.mkdir(parents=True)
    (folder / "two_factor_enabled_subject.txt").write_text("Hi {{ user.get_username }}: 2FA on\n")
    (folder / "two_factor_enabled.txt").write_text("{{ site_name }} says: on since {{ time.year }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    signals.two_factor_enabled.send(type(plain.user), user=plain.user, request=None)
    [message] = mailoutbox
    assert message.subject == "Hi alice: 2FA on"
    assert message.body == f"{ISSUER} says: on since 2027\n"
    assert "Two-factor authentication was turned on" in parts(message)[1]  # the package's HTML


# The owner's language ---------------------------------------------------------


@pytest.fixture
def rendered_in(monkeypatch) -> list[tuple[str, str | None]]:
    """Each template the notifications render, and the language active meanwhile."""
    seen: list[tuple[str, str | None]] = []
    render = notifications.render_to_string

    def recording(name: str, context: Any = None, *args: Any, **kwargs: Any) -> str:
        seen.append((name.rsplit("/", 1)[-1], translation.get_language()))
        return render(name, context, *args, **kwargs)

    monkeypatch.setattr(notifications, "render_to_string", recording)
    return seen


@pytest.mark.parametrize(("username", "language"), sorted(LANGUAGE_OF.items()))
def test_the_hook_chooses_the_language(
    db, clock, api, mailoutbox, rendered_in, username, language, django_capture_on_commit_callbacks
):
    """Subject and both parts are rendered in the hook's language, whatever the request's."""
    user = make_user(username)
    tokens = log_in(api, username)
    secret = services.begin_setup(user).secret
    with (
        two_factor(NOTIFY_LANGUAGE="tests.test_notifications.language_of"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post_code(api, TURN_ON, tokens["access"], code_at(secret, START))
    assert response.status_code == 200
    assert rendered_in == [
        ("two_factor_enabled_subject.txt", language),
        ("two_factor_enabled.txt", language),
        ("two_factor_enabled.html", language),
    ]
    [message] = mailoutbox
    assert message.to == [f"{username}@example.com"]
    assert f'<html lang="{language}">' in parts(message)[1]
    assert translation.get_language() == "en-us"  # nothing leaks out


def test_without_a_choice_the_requests_language(
    set_up, mailoutbox, rendered_in, settings, django_capture_on_commit_callbacks
):
    """The hook answers None for alice: the language of the request (Accept-Language
    through LocaleMiddleware) is the mail's."""
    from rest_framework.test import APIClient

    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
        "django.middleware.locale.LocaleMiddleware",
    )
    settings.MIDDLEWARE = middleware
    settings.LANGUAGES = [("en", "English"), ("de", "German"), ("fr", "French"), ("pl", "Polish")]
    with (
        translation.override(translation.get_language()),
        two_factor(NOTIFY_LANGUAGE="tests.test_notifications.language_of"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = APIClient().post(
            TURN_ON,
            {"code": code_at(set_up.secret, START)},
            format="json",
            HTTP_ACCEPT_LANGUAGE="fr",
            **bearer(set_up.tokens["access"]),
        )
    assert response.status_code == 200
    assert {language for _, language in rendered_in} == {"fr"}
    assert '<html lang="fr">' in parts(mailoutbox[0])[1]


def test_with_no_active_language_the_project_default(plain, mailoutbox, rendered_in, settings):
    settings.LANGUAGE_CODE = "pl"
    with translation.override(None):  # e.g. a management command with translations off
        signals.two_factor_reset.send(type(plain.user), user=plain.user, request=None, by=None)
    assert {language for _, language in rendered_in} == {"pl"}


def test_dates_follow_the_mails_language(plain, mailoutbox):
    """Django's own German formats: the rendering really happens in German."""
    with two_factor(NOTIFY_LANGUAGE="tests.test_notifications.language_of"):
        anna = make_user("anna")
        signals.two_factor_disabled.send(type(anna), user=anna, request=None)
    text, html = parts(mailoutbox[0])
    assert "15. Januar 2027" in text
    assert '<html lang="de">' in html


# Failures are logged, never raised ---------------------------------------------


class RefusingBackend(LocmemBackend):
    """A backend whose server is down."""

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError(111, "Connection refused")


@pytest.mark.django_db(transaction=True)
def test_a_mail_that_fails_changes_nothing_of_the_request(clock, caplog):
    """The mail goes out inside the request (no test transaction holds it back),
    fails there, and the response and the state are those of a success."""
    from rest_framework.test import APIClient

    user = make_user()
    api = APIClient()
    access = log_in(api)["access"]
    secret = services.begin_setup(user).secret
    caplog.set_level(logging.WARNING, logger="django_twofactor.notifications")
    with override_settings(**mailer("tests.test_notifications.RefusingBackend")):
        response = post_code(api, TURN_ON, access, code_at(secret, START))
    assert response.status_code == 200
    assert set(response.json()) == {"recovery_codes", "access", "refresh"}
    user.refresh_from_db()
    assert user.two_factor_enabled
    [record] = [r for r in caplog.records if r.name == "django_twofactor.notifications"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        f"Security notification two_factor_enabled to user {user.pk} not sent: "
        "ConnectionRefusedError errno 111"
    )
    assert mail.outbox == []


def test_a_template_that_fails_is_logged_with_its_traceback(plain, mailoutbox, caplog, settings):
    with two_factor(NOTIFY_LANGUAGE="tests.test_notifications.no_such_hook"):
        signals.two_factor_enabled.send(type(plain.user), user=plain.user, request=None)
    assert mailoutbox == []
    [record] = [r for r in caplog.records if r.name == "django_twofactor.notifications"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        f"Security notification two_factor_enabled to user {plain.user.pk} not rendered"
    )
    assert record.exc_info is not None


# Never a code, a secret or a token ---------------------------------------------


def test_no_mail_of_a_whole_flow_holds_a_secret(
    set_up, api, clock, mailoutbox, django_capture_on_commit_callbacks
):
    """Turn on, new codes, a recovery code, a lock, a login, turn off: every mail's
    parts are searched for every secret the flow handled."""
    secrets_seen: set[str] = {
        set_up.secret,
        set_up.user.two_factor_secret,  # its ciphertext
        set_up.tokens["access"],
        set_up.tokens["refresh"],
    }
    with django_capture_on_commit_callbacks(execute=True):
        code = code_at(set_up.secret, START)
        body = post_code(api, TURN_ON, set_up.tokens["access"], code).json()
        secrets_seen |= {code, *body["recovery_codes"], body["access"], body["refresh"]}
        access = body["access"]
        clock.shift(30)
        code = now_code(set_up.secret)
        new_codes = post_code(api, RECOVERY_CODES, access, code).json()["recovery_codes"]
        secrets_seen |= {code, *new_codes}
        pending = pending_login(api)
        tokens = post_code(api, AUTHENTICATE, pending, new_codes[0]).json()
        secrets_seen |= {pending, tokens["access"], tokens["refresh"]}
        pending = pending_login(api)
        secrets_seen.add(pending)
        for _ in range(5):
            wrong = wrong_code(set_up.secret)
            secrets_seen.add(wrong)
            post_code(api, AUTHENTICATE, pending, wrong)
        clock.shift(120)
        code = now_code(set_up.secret)
        tokens = post_code(api, AUTHENTICATE, pending_login(api), code).json()
        secrets_seen |= {code, tokens["access"], tokens["refresh"]}
        clock.shift(30)
        code = now_code(set_up.secret)
        assert post_code(api, TURN_OFF, tokens["access"], code).status_code == 204
        secrets_seen.add(code)
    assert events(mailoutbox) == [
        "two_factor_enabled",
        "recovery_codes_regenerated",
        "recovery_code_used",
        "user_locked_out",
        "two_factor_disabled",
    ]
    for message in mailoutbox:
        for part in (message.subject, *parts(message)):
            for secret in secrets_seen:
                assert secret not in part, (message.subject, secret)


def test_a_reset_of_an_account_without_two_factor_is_not_mailed(
    plain, mailoutbox, django_capture_on_commit_callbacks
):
    """The reset still happens (and its signal still says so); the owner is not told
    that something they never had was reset."""
    heard = []
    signals.two_factor_reset.connect(lambda **kw: heard.append(kw), weak=False, dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.reset(plain.user)
    finally:
        signals.two_factor_reset.disconnect(dispatch_uid="t")
    assert [kw["was_enabled"] for kw in heard] == [False]
    assert mailoutbox == []
