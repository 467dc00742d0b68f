"""A trusted device forgotten while it logs in, on a database server with real threads.

Sixteen logins with one device token race one "forget" (the 17th thread). Each
login gets either full tokens (it marked the device before the forget
committed) or the pending token (after); none fails, and once the forget has
returned the token never skips the code again.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from typing import Any

from django_twofactor import services, tokens
from django_twofactor.codes import TOTP, SubmittedCode
from django_twofactor.models import TrustedDevice
from django_twofactor.trusted_devices import flows
from tests.conftest import PASSWORD, bearer, code_at, make_user
from tests.test_concurrency import ROUNDS, THREADS, burst, pytestmark  # noqa: F401  # marks

DEVICES = "/api/auth/2fa/devices/"


def login_body(token: str) -> dict[str, str]:
    return {"username": "alice", "password": PASSWORD, "device_token": token}


def racing(access: str, pk: int, token: str) -> Any:
    """Thread 0 forgets the device; the others log in with its token."""

    def send(i: int, client: Any) -> Any:
        if i == 0:
            return client.delete(f"{DEVICES}{pk}/", **bearer(access))
        return client.post("/api/auth/login/", login_body(token), format="json")

    return send


def test_a_device_forgotten_during_logins_is_not_used_afterwards(clock, settings):
    settings.TWO_FACTOR = {**settings.TWO_FACTOR, "TRUSTED_DEVICE_LIFETIME": timedelta(days=30)}
    user = make_user()
    secret = services.begin_setup(user).secret
    services.enable(user, SubmittedCode(TOTP, code_at(secret, time.time())), ["pwd"])
    access = tokens.full_tokens(user, ["pwd", "mfa"])["access"]
    for round_ in range(1, ROUNDS + 1):
        token = flows.trust(user, f"round {round_}")
        device = TrustedDevice.objects.get(name=f"round {round_}")

        responses = burst([], racing(access, device.pk, token), count=THREADS + 1)
        counts = Counter(
            "forgot"
            if r.status_code == 204
            else "vouched"
            if r.status_code == 200 and "access" in r.json()
            else "pending"
            if r.status_code == 200
            else r.status_code
            for r in responses
        )
        print(f"\ndevice forgotten during logins, round {round_}: {dict(counts)}")
        assert counts["forgot"] == 1
        assert counts["vouched"] + counts["pending"] == THREADS
        assert not TrustedDevice.objects.filter(pk=device.pk).exists()
        assert flows.vouching(user, token) is None
