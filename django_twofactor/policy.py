"""Required enrolment (``TWO_FACTOR["REQUIRED"]``): who must turn 2FA on first.

Decided from the user row authentication already loaded: no query.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.utils.module_loading import import_string

from .conf import twofactor_settings

#: The named policies; anything else is the dotted path of ``user -> bool``.
NAMED: dict[str, Callable[[Any], bool]] = {
    "all": lambda user: True,
    "staff": lambda user: bool(getattr(user, "is_staff", False)),
    "superusers": lambda user: bool(getattr(user, "is_superuser", False)),
}


@lru_cache(maxsize=8)
def _callable(path: str) -> Callable[[Any], bool]:
    found: Callable[[Any], bool] = import_string(path)
    return found


def policy(value: str | None) -> Callable[[Any], bool] | None:
    """The predicate ``value`` names; ``ImportError`` for a path that names nothing."""
    if value is None:
        return None
    return NAMED.get(value) or _callable(value)


def setup_required(user: Any) -> bool:
    """The policy covers ``user``, who has 2FA off: only set-up and logout are open."""
    if getattr(user, "two_factor_enabled", False):
        return False
    covers = policy(twofactor_settings.REQUIRED)
    return covers is not None and bool(covers(user))
