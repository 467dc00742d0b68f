"""What an account event revokes: the state stamp every credential carries.

Every token the package issues (access, refresh, pending) and every admin
session that passed the second step carries a *stamp*: a keyed hash of the
user's ``two_factor_epoch`` and password hash. Turn-on, turn-off, a reset and
"log out everywhere" raise the epoch; a password change, through any path,
changes the hash. Either way the stamp no longer matches, so every credential
issued before the event is refused, with no list of issued tokens to keep and
no query: both values are on the user row that authentication already loaded.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F

from . import crypto

#: The claim that holds the stamp in every token the package issues.
STATE_CLAIM = "2fa_state"


def _message(user: Any) -> str:
    # A user object without these (SimpleJWT's stateless TokenUser) can match no
    # stamp: its state cannot be checked, so its tokens are refused.
    epoch = getattr(user, "two_factor_epoch", None)
    return f"{user.pk}:{epoch}:{getattr(user, 'password', None)}"


def stamp(user: Any) -> str:
    """The current stamp of ``user``'s account state."""
    return crypto.state_stamps(_message(user))[0]


def is_current(value: object, user: Any) -> bool:
    """Whether ``value`` (a stamp read from a token or session) is still valid.

    Stamps made under a fallback key still match, so rotating ``SECRET_KEY``
    the documented way logs no one out.
    """
    if not isinstance(value, str):
        return False
    return any(hmac.compare_digest(value, s) for s in crypto.state_stamps(_message(user)))


def token_is_current(payload: Mapping[str, Any] | Any, user: Any) -> bool:
    """Whether a token (a SimpleJWT token or its payload) still speaks for ``user``."""
    get = getattr(payload, "get", None)
    return callable(get) and is_current(get(STATE_CLAIM), user)


def revoke_all(user: Any) -> None:
    """Raise the epoch: every token, verified session and trusted device of ``user``
    stops working (the devices' rows go too)."""
    from .trusted_devices import flows as trusted_devices  # they import this module

    users = get_user_model()._default_manager
    with transaction.atomic():
        users.filter(pk=user.pk).update(two_factor_epoch=F("two_factor_epoch") + 1)
        trusted_devices.forget_all(user)
    user.two_factor_epoch += 1
