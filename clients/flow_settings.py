"""The example's settings, for the generated clients' flows.

One change: the pending token lives 5 seconds, so a flow can show what a
client gets for an expired token (401 ``token_not_valid``) without waiting
minutes.
"""

from __future__ import annotations

from datetime import timedelta

from example.settings import *  # noqa: F403
from example.settings import TWO_FACTOR

TWO_FACTOR = {**TWO_FACTOR, "PENDING_TOKEN_LIFETIME": timedelta(seconds=5)}
