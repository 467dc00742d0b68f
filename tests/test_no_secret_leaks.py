"""No secret in a ``repr``, a log line or an exception (CONTRACT §9, issue item 9).

A whole flow runs with every logger at DEBUG; then the captured log, the reprs
of everything that held a secret on the way, and the error bodies are searched
for the secret (in every spelling) and each recovery code.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from django_twofactor import services
from django_twofactor.codes import classify
from django_twofactor.exceptions import InvalidCode
from django_twofactor.methods.recovery import codes as recovery
from django_twofactor.models import RecoveryCode
from tests.api_helpers import (
    AUTHENTICATE,
    GENERATE,
    RECOVERY_CODES,
    TURN_OFF,
    TURN_ON,
    now_code,
    pending_login,
    post_code,
)
from tests.conftest import bearer, wrong_code


def spellings(secret: str) -> set[str]:
    return {secret, secret.lower(), secret.rstrip("=")}


def test_a_whole_flow_leaks_no_secret(plain, api, clock, caplog):
    caplog.set_level(logging.DEBUG)
    seen: list[Any] = []
    access = plain.tokens["access"]

    generated = api.post(GENERATE, **bearer(access)).json()
    secret = generated["secret"]
    clock.shift(30)
    code = now_code(secret)
    seen.append(classify(code, 6, allow_recovery=True))
    turned_on = post_code(api, TURN_ON, access, code)
    body = turned_on.json()
    codes = body["recovery_codes"]
    access = body["access"]

    clock.shift(30)
    seen.append(post_code(api, AUTHENTICATE, pending_login(api), wrong_code(secret)).content)
    seen.append(post_code(api, AUTHENTICATE, pending_login(api), now_code(secret)).content)
    used = codes[0]
    seen.append(classify(used, 6, allow_recovery=True))
    seen.append(post_code(api, AUTHENTICATE, pending_login(api), used).content)
    clock.shift(30)
    new_codes = post_code(api, RECOVERY_CODES, access, now_code(secret)).json()["recovery_codes"]

    user = get_user_model().objects.get(pk=plain.user.pk)
    seen += [user, *RecoveryCode.objects.filter(user=user), InvalidCode()]
    seen.append(services.Setup(secret, generated["otpauth_url"]))
    clock.shift(30)
    assert post_code(api, TURN_OFF, access, now_code(secret)).status_code == 204

    texts = [caplog.text, *(repr(o) for o in seen), *(str(o) for o in seen)]
    forbidden = spellings(secret) | set(codes) | set(new_codes)
    forbidden |= {recovery.canonical(c) for c in [*codes, *new_codes]}
    forbidden.add(user.two_factor_secret or "never-empty")
    leaks = [(word, text[:200]) for text in texts for word in forbidden if word in text]
    assert leaks == []
    assert caplog.records, "the flow logged something, so the search searched something"


@pytest.mark.parametrize("value", ["123456", "abcde-fghij"])
def test_a_submitted_code_repr_names_only_its_kind(value):
    code = classify(value, 6, allow_recovery=True)
    assert value.replace("-", "") not in repr(code)
    assert code.kind in repr(code)


def test_the_setup_repr_hides_the_secret_and_url():
    setup = services.Setup("JBSWY3DPEHPK3PXP", "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP")
    assert "JBSWY3DPEHPK3PXP" not in repr(setup)
