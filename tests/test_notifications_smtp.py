"""The security mails through Django's SMTP backend to a real SMTP server in-process.

An ``aiosmtpd`` server on 127.0.0.1 receives what the flow sends; one that
refuses the recipient or the data, and a port where nothing listens, show
that a mail that cannot be sent changes nothing of the request: the same
status and body, the same state, a warning in the log.

The tests run outside a test transaction, so each mail goes out inside the
request that caused it, as in production.
"""

from __future__ import annotations

import email
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

pytest.importorskip("aiosmtpd", reason="aiosmtpd (the test extra) is not installed")

from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.test import override_settings
from rest_framework.test import APIClient

from django_twofactor import services, signals
from django_twofactor.models import RecoveryCode
from tests.api_helpers import (
    AUTHENTICATE,
    RECOVERY_CODES,
    TURN_OFF,
    TURN_ON,
    field_error,
    now_code,
    pending_login,
    post_code,
)
from tests.conftest import START, code_at, log_in, mailer, make_user, wrong_code
from tests.servers import free_ports

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = "alice@example.com"
SENT = [
    "two_factor_enabled",
    "recovery_codes_regenerated",
    "user_locked_out",
    "two_factor_disabled",
]
SUBJECTS = [
    "Two-factor authentication is on for your django-twofactor demo account",
    "New recovery codes for your django-twofactor demo account",
    "Wrong two-factor codes for your django-twofactor demo account",
    "Two-factor authentication is off for your django-twofactor demo account",
]


class Inbox:
    """An SMTP server's handler: keeps every message, or refuses at one step."""

    def __init__(self, refuse: str | None = None) -> None:
        self.refuse = refuse
        self.envelopes: list[Any] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse == "rcpt":
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse == "data":
            return "554 5.7.1 Message refused"
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(envelope.original_content, policy=policy.default)
            for envelope in self.envelopes
        ]


def content(part: Any) -> str:
    """A decoded MIME part with the wire's CRLF line ends made ``\\n`` again."""
    return str(part.get_content()).replace("\r\n", "\n")


@contextmanager
def serving(handler: Inbox) -> Iterator[int]:
    """An SMTP server on a free port of 127.0.0.1, and Django's SMTP backend sending to it."""
    port = free_ports(1)[0]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtp(port):
            yield port
    finally:
        controller.stop()


def smtp(port: int) -> Any:
    return override_settings(
        **mailer(
            "django.core.mail.backends.smtp.EmailBackend",
            host="127.0.0.1",
            port=port,
            use_tls=False,
            use_ssl=False,
            username="",
            password="",
            timeout=5,
        )
    )


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    handler = Inbox()
    with serving(handler):
        yield handler


def run_flow(clock: Any) -> list[tuple[int, Any]]:
    """Turn on, new recovery codes, five wrong codes (the fifth locks), turn off.

    Returns what a client sees of each step that mails: the status and the
    parts of the body that do not change from run to run.
    """
    user = make_user()
    api = APIClient()
    access = log_in(api)["access"]
    secret = services.begin_setup(user).secret
    seen: list[tuple[int, Any]] = []

    response = post_code(api, TURN_ON, access, code_at(secret, START))
    body = response.json()
    seen.append((response.status_code, sorted(body)))
    access = body["access"]

    clock.shift(30)
    response = post_code(api, RECOVERY_CODES, access, now_code(secret))
    seen.append((response.status_code, sorted(response.json())))

    pending = pending_login(api)
    for _ in range(5):
        response = post_code(api, AUTHENTICATE, pending, wrong_code(secret))
    seen.append((response.status_code, response.json()))  # the fifth: the lock's mail

    clock.shift(120)
    tokens = post_code(api, AUTHENTICATE, pending_login(api), now_code(secret)).json()
    clock.shift(30)
    response = post_code(api, TURN_OFF, tokens["access"], now_code(secret))
    seen.append((response.status_code, response.content))
    return seen


EXPECTED = [
    (200, ["access", "recovery_codes", "refresh"]),
    (200, ["recovery_codes"]),
    (400, field_error("code", "invalid_code", "The code is wrong or was already used.")),
    (204, b""),
]


def assert_state_after_the_flow() -> None:
    user = get_user_model().objects.get(username="alice")
    assert user.two_factor_enabled is False
    assert user.two_factor_secret == ""
    assert not RecoveryCode.objects.filter(user=user).exists()


def test_the_mails_arrive(inbox, clock):
    assert run_flow(clock) == EXPECTED
    messages = inbox.messages()
    # Django 6.1 folds the header before its first word ("Subject:\n Two-…"):
    # RFC 5322 unfolding leaves that space, which no mail client shows.
    assert [message["Subject"].strip() for message in messages] == SUBJECTS
    assert all(envelope.rcpt_tos == [ADDRESS] for envelope in inbox.envelopes)
    assert all(envelope.mail_from == "no-reply@example.com" for envelope in inbox.envelopes)
    for message in messages:
        assert message["To"] == ADDRESS
        assert message["From"] == "django-twofactor demo <no-reply@example.com>"
        assert message["Auto-Submitted"] == "auto-generated"
        assert message.get_content_type() == "multipart/alternative"
        text, html = message.iter_parts()
        assert text.get_content_type() == "text/plain"
        assert html.get_content_type() == "text/html"
        assert content(text).startswith("Hello alice,\n\n")
        assert "IP address: 127.0.0.1" in content(text)
        assert f"<title>{message['Subject'].strip()}</title>" in content(html)
    lock_text = content(messages[2].get_body(("plain",)))
    assert "Someone who knows your password is trying to log in" in lock_text


def test_unicode_and_escaping_survive_the_wire(inbox, clock):
    """A non-ASCII name and a key name with markup, read back from the server."""
    user = get_user_model().objects.create_user("zoë", ADDRESS, "x")
    signals.security_key_added.send(type(user), user=user, request=None, name="Clé <USB>")
    [message] = inbox.messages()
    text = content(message.get_body(("plain",)))
    html = content(message.get_body(("html",)))
    assert text.startswith("Hello zoë,")
    assert "“Clé <USB>”" in text
    assert "“Clé &lt;USB&gt;”" in html


@pytest.mark.parametrize("failure", ["rcpt", "data", "nothing listening"])
def test_a_mail_that_cannot_be_sent_changes_nothing(failure, clock, caplog):
    caplog.set_level(logging.WARNING, logger="django_twofactor.notifications")
    if failure == "nothing listening":
        port = free_ports(1)[0]  # handed out and closed again: connections are refused
        with smtp(port):
            seen = run_flow(clock)
        expected_reason = "ConnectionRefusedError errno 111"
    else:
        handler = Inbox(refuse=failure)
        with serving(handler):
            seen = run_flow(clock)
        assert handler.envelopes == []
        expected_reason = (
            "SMTPRecipientsRefused [550]" if failure == "rcpt" else "SMTPDataError 554"
        )
    assert seen == EXPECTED
    assert_state_after_the_flow()
    records = [r for r in caplog.records if r.name == "django_twofactor.notifications"]
    pk = get_user_model().objects.get(username="alice").pk
    assert [r.getMessage() for r in records] == [
        f"Security notification {event} to user {pk} not sent: {expected_reason}" for event in SENT
    ]
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in records)
    assert not any(ADDRESS in r.getMessage() for r in caplog.records)
