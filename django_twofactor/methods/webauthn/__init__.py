"""WebAuthn security keys and passkeys as a second factor (CONTRACT §13).

The ceremonies run through py_webauthn, the ``webauthn`` extra; without it
the models still exist (migrations do not depend on extras) and the
endpoints are not routed.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.util import find_spec


@lru_cache(maxsize=1)
def available() -> bool:
    """Whether py_webauthn is installed."""
    return find_spec("webauthn") is not None
