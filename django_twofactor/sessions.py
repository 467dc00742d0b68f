"""The second factor in a Django session: what the admin's code step leaves behind.

The mark holds the account's state stamp (``lifecycle``), so the events that
revoke tokens also end a session's second-factor status, with no query, and
the time of the code step, a session's ``auth_time`` for step-up (RFC 9470).
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest

from . import lifecycle

VERIFIED_KEY = "django_twofactor_verified"


def mark_verified(request: HttpRequest, user: Any) -> None:
    """Call after ``django.contrib.auth.login``: it cycles the session key."""
    request.session[VERIFIED_KEY] = {"stamp": lifecycle.stamp(user), "at": int(time.time())}


def _mark(request: HttpRequest, user: Any) -> dict[str, Any] | None:
    session = getattr(request, "session", None)
    mark = session.get(VERIFIED_KEY) if session is not None else None
    if isinstance(mark, dict) and lifecycle.is_current(mark.get("stamp"), user):
        return mark
    return None


def is_verified(request: HttpRequest, user: Any) -> bool:
    return _mark(request, user) is not None


def verified_at(request: HttpRequest, user: Any) -> int | None:
    """When this session passed the code step (a NumericDate), if it did."""
    mark = _mark(request, user)
    at = mark.get("at") if mark is not None else None
    return at if isinstance(at, int) and not isinstance(at, bool) else None
