"""The admin's password step, kept in the session until a code completes it.

The session holds who passed the password step, through which backend, the
account's state stamp and when the step expires: the admin's counterpart of
the API's pending token. Nothing in it grants access; only the code step,
which reads it back here, logs the user in.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, load_backend
from django.http import HttpRequest
from django.utils import timezone

from .. import lifecycle
from ..conf import twofactor_settings

SESSION_KEY = "django_twofactor_admin_pending"


def begin(request: HttpRequest, user: Any) -> None:
    """Remember ``user`` (just authenticated by a backend) for the code step."""
    expires = timezone.now() + twofactor_settings.PENDING_TOKEN_LIFETIME
    request.session[SESSION_KEY] = {
        "user": user._meta.pk.value_to_string(user),
        "backend": user.backend,
        "stamp": lifecycle.stamp(user),
        "expires": expires.timestamp(),
    }


def load(request: HttpRequest) -> tuple[Any, str] | None:
    """The user of a live password step and their backend's path, else ``None``.

    ``None`` once the step expired, the account changed since (password,
    two-factor state: the stamp), or the user is gone or inactive.
    """
    step = request.session.get(SESSION_KEY)
    if not isinstance(step, dict) or step.get("backend") not in settings.AUTHENTICATION_BACKENDS:
        return None
    if timezone.now().timestamp() >= step.get("expires", 0):
        return None
    user_id = get_user_model()._meta.pk.to_python(step.get("user"))
    user = load_backend(step["backend"]).get_user(user_id)
    if user is None or not getattr(user, "is_active", True):
        return None
    if not lifecycle.is_current(step.get("stamp"), user):
        return None
    return user, step["backend"]


def clear(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
