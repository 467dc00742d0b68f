from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model


def find_users(usernames: Sequence[str]) -> tuple[list[Any], list[str]]:
    """The users named (in the order given), and the names that match none."""
    model = get_user_model()
    field = model.USERNAME_FIELD
    found = {
        getattr(u, field): u for u in model._default_manager.filter(**{f"{field}__in": usernames})
    }
    unknown = [name for name in usernames if name not in found]
    return [found[name] for name in dict.fromkeys(usernames) if name in found], unknown
