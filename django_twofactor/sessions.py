"""The second factor in a Django session: what the admin's code step leaves behind.

The mark is the account's state stamp (``lifecycle``), so the events that
revoke tokens also end a session's second-factor status, with no query.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import lifecycle

VERIFIED_KEY = "django_twofactor_verified"


def mark_verified(request: HttpRequest, user: Any) -> None:
    """Call after ``django.contrib.auth.login``: it cycles the session key."""
    request.session[VERIFIED_KEY] = lifecycle.stamp(user)


def is_verified(request: HttpRequest, user: Any) -> bool:
    session = getattr(request, "session", None)
    if session is None:
        return False
    return lifecycle.is_current(session.get(VERIFIED_KEY), user)
