"""Security notifications: the owner is mailed about their account's two-factor events.

Receivers of the package's own signals (CONTRACT §12), so a mail goes out only
after the change it reports has been committed, once per event. Each receiver
is connected with the ``dispatch_uid`` ``"django_twofactor.notifications.<event>"``
(the event is the signal's name), so a project can disconnect one mail, or
set ``TWO_FACTOR["NOTIFY"] = False`` and connect receivers of its own.

A mail holds what the owner needs to recognise the event (when, the IP
address and User-Agent of the request, the number of recovery codes left,
the key or device name) and never a code, a secret, a recovery code or a
token. Sending happens inside the request; a mail that cannot be sent is
logged and never changes the response.
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Callable
from typing import Any, NamedTuple

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from . import signals
from .conf import twofactor_settings

logger = logging.getLogger(__name__)

TEMPLATE_DIR = "django_twofactor/email"
DISPATCH_UID = "django_twofactor.notifications.{event}"
USER_AGENT_MAX_LENGTH = 200


def _no_details(extra: dict[str, Any]) -> dict[str, Any]:
    return {}


def _remaining(extra: dict[str, Any]) -> dict[str, Any]:
    return {"remaining": extra.get("remaining")}


def _until(extra: dict[str, Any]) -> dict[str, Any]:
    return {"until": extra.get("until")}


def _failures(extra: dict[str, Any]) -> dict[str, Any]:
    return {"failures": extra.get("failures")}


def _key(extra: dict[str, Any]) -> dict[str, Any]:
    return {"key_name": _one_line(extra.get("name"))}


def _device(extra: dict[str, Any]) -> dict[str, Any]:
    # The device row also holds its token's hash: only these three leave it.
    device = extra.get("device")
    return {
        "device_name": _one_line(getattr(device, "name", "")),
        "device_created_at": getattr(device, "created_at", None),
        "device_expires_at": getattr(device, "expires_at", None),
    }


class Event(NamedTuple):
    signal: Signal
    #: The template context the signal's extras give.
    details: Callable[[dict[str, Any]], dict[str, Any]] = _no_details
    #: Whether the request is the owner's. A reset's is the administrator's:
    #: their address and browser are not the owner's business.
    owners_request: bool = True
    #: Whether this occurrence is worth a mail.
    wanted: Callable[[dict[str, Any]], bool] = lambda extra: True


def _first_lock_of_a_run(extra: dict[str, Any]) -> bool:
    """A lock comes after every failure past ``MAX_FAILED_ATTEMPTS``: one mail for
    the first of a run is enough (the block, at ``FAILURE_LIMIT``, has its own)."""
    failures = extra.get("failures")
    return failures is None or failures == twofactor_settings.MAX_FAILED_ATTEMPTS


#: The events, named after their signals; each name is also its templates'.
EVENTS: dict[str, Event] = {
    "two_factor_enabled": Event(signals.two_factor_enabled),
    "two_factor_disabled": Event(signals.two_factor_disabled),
    "two_factor_reset": Event(
        signals.two_factor_reset,
        owners_request=False,
        # With 2FA off there was nothing to reset that the owner would miss.
        wanted=lambda extra: bool(extra.get("was_enabled", True)),
    ),
    "recovery_codes_regenerated": Event(signals.recovery_codes_regenerated),
    "recovery_code_used": Event(signals.recovery_code_used, _remaining),
    "user_locked_out": Event(signals.user_locked_out, _until, wanted=_first_lock_of_a_run),
    "user_blocked": Event(signals.user_blocked, _failures),
    "security_key_added": Event(signals.security_key_added, _key),
    "security_key_removed": Event(signals.security_key_removed, _key),
    "trusted_device_added": Event(signals.trusted_device_added, _device),
}


def connect() -> None:
    """Connect every receiver (``TwoFactorConfig.ready``); connecting twice is harmless."""
    for name, event in EVENTS.items():
        event.signal.connect(_receiver, dispatch_uid=DISPATCH_UID.format(event=name))


def _receiver(signal: Signal, sender: Any, user: Any, request: Any = None, **extra: Any) -> None:
    if not twofactor_settings.NOTIFY:  # read at send time, so override_settings works
        return
    event = next(name for name, known in EVENTS.items() if known.signal is signal)
    if EVENTS[event].wanted(extra):
        notify(event, user, request, **extra)


def notify(event: str, user: Any, request: Any = None, **extra: Any) -> bool:
    """Mail ``user`` about ``event`` (a key of ``EVENTS``) now; whether a mail went out.

    Never raises, and ignores ``NOTIFY``: a project that turned the package's
    receivers off may call it from receivers of its own. A failure is logged.
    """
    address = recipient(user)
    if not address:
        return False
    try:
        message = build(event, user, address, request, **extra)
    except Exception:  # a project's template or language hook: its traceback helps
        logger.warning(
            "Security notification %s to user %s not rendered", event, user.pk, exc_info=True
        )
        return False
    try:
        message.send()
    except Exception as exc:  # the backend's: SMTP refused, connection refused, ...
        logger.warning(
            "Security notification %s to user %s not sent: %s", event, user.pk, _reason(exc)
        )
        return False
    return True


def recipient(user: Any) -> str:
    field = user.get_email_field_name() if hasattr(user, "get_email_field_name") else "email"
    return str(getattr(user, field, "") or "")


def language(user: Any) -> str:
    """``NOTIFY_LANGUAGE``'s choice, else the active language, else ``LANGUAGE_CODE``."""
    path = twofactor_settings.NOTIFY_LANGUAGE
    chosen = import_string(path)(user) if path else None
    return str(chosen or translation.get_language() or settings.LANGUAGE_CODE)


def build(
    event: str, user: Any, address: str, request: Any = None, **extra: Any
) -> EmailMultiAlternatives:
    """The mail of ``event``, rendered in the owner's language."""
    kind = EVENTS[event]
    context = {
        "user": user,
        "site_name": twofactor_settings.ISSUER_NAME,
        "event": event,
        "time": timezone.now(),
        **(_request_details(request) if kind.owners_request else {}),
        **kind.details(extra),
    }
    with translation.override(language(user)):
        subject = _one_line(render_to_string(f"{TEMPLATE_DIR}/{event}_subject.txt", context))
        context["subject"] = subject
        text = render_to_string(f"{TEMPLATE_DIR}/{event}.txt", context)
        html = render_to_string(f"{TEMPLATE_DIR}/{event}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=_tidy(text),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"Auto-Submitted": "auto-generated"},  # RFC 3834: no auto-replies
    )
    message.attach_alternative(html, "text/html")
    return message


def _request_details(request: Any) -> dict[str, Any]:
    meta = getattr(request, "META", None) or {}
    return {
        "ip_address": meta.get("REMOTE_ADDR") or "",
        "user_agent": _one_line(meta.get("HTTP_USER_AGENT"))[:USER_AGENT_MAX_LENGTH],
    }


def _one_line(value: Any) -> str:
    """Whitespace collapsed: a name or User-Agent comes from the client and
    must not lay out paragraphs of its own in the mail."""
    return " ".join(str(value or "").split())


def _tidy(text: str) -> str:
    """At most one blank line in a row: template tags on lines of their own leave more."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def _reason(exc: Exception) -> str:
    """The exception's class and SMTP codes, never its text (which may hold the address)."""
    name = type(exc).__name__
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return f"{name} {codes}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{name} {exc.smtp_code}"
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"{name} errno {exc.errno}"
    return name
