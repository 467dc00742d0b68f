"""The admin's code step accepts a security key (CONTRACT §9 + §13; ``admin.key_step``).

The page carries the request options as ``json_script``; the page's script
posts ``JSON.stringify(credential.toJSON())`` in the field ``credential``.
Here the software authenticator plays the browser and the key: it reads the
options out of the HTML and answers them, and the test client posts the
answer as the script would (with the empty code field beside it).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from django_twofactor import lifecycle, sessions, signals
from django_twofactor.admin import key_step
from django_twofactor.admin.pending import SESSION_KEY
from django_twofactor.conf import twofactor_settings
from django_twofactor.models import RecoveryCode, WebAuthnChallenge, WebAuthnCredential
from tests.api_helpers import AUTHENTICATE, assert_field_error
from tests.api_helpers import LOGIN as API_LOGIN
from tests.conftest import PASSWORD, bearer
from tests.webauthn_authenticator import SoftAuthenticator, b64url_encode

LOGIN = "/admin/login/"
INDEX = "/admin/"
USERS = "/admin/accounts/user/"
HOST = "localhost:8000"  # the soft authenticator signs its origin, http://localhost:8000
CODE_TEMPLATE = "django_twofactor/admin/code.html"
OPTIONS_ID = "django-twofactor-webauthn-options"
SCRIPT = '<script src="/static/django_twofactor/admin/security_key.js" defer></script>'
BUTTON = "Use your security key"
REFUSED = "The security key&#x27;s answer is not valid, expired or was already used."
MALFORMED = "The security key&#x27;s answer could not be read. Try again, or enter a code."
WRONG_CODE = "The code is wrong or was already used."
KEY_ONLY_INTRO = (
    "Your account uses two-factor authentication. Use your security key, or enter one of "
    "your recovery codes."
)
CODE_INTRO = "Your account uses two-factor authentication. Enter the code your authenticator app"


@pytest.fixture
def staff(keyed: Any, client: Any) -> Any:
    """alice, 2FA on with one security key, may use the admin; the client at ORIGIN's host."""
    user = keyed.user
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client.defaults["HTTP_HOST"] = HOST
    return keyed


def password_step(client: Any, next_url: str = INDEX) -> Any:
    return client.post(LOGIN, {"username": "alice", "password": PASSWORD, "next": next_url})


def key_step_post(client: Any, credential: Any, next_url: str = INDEX) -> Any:
    """What the page's script submits: the answer, the empty code field, ``next``."""
    value = credential if isinstance(credential, str) else json.dumps(credential)
    return client.post(LOGIN, {"code": "", "credential": value, "next": next_url})


def page(response: Any) -> str:
    return response.content.decode()


def options_in(response: Any) -> dict[str, Any]:
    """The ``PublicKeyCredentialRequestOptionsJSON`` the page embeds for its script."""
    found = re.search(
        rf'<script id="{OPTIONS_ID}" type="application/json">(.*?)</script>', page(response), re.S
    )
    assert found, "the page carries no request options"
    return dict(json.loads(found.group(1)))


def answer(account: Any, response: Any, **kwargs: Any) -> dict[str, Any]:
    """The key's answer to the options of the page ``response``."""
    return account.authenticator.authenticate(options_in(response), **kwargs)


def logged_in(client: Any) -> bool:
    return "_auth_user_id" in client.session


def refreshed(account: Any) -> Any:
    account.user.refresh_from_db()
    return account.user


def failures(account: Any) -> int:
    return int(refreshed(account).two_factor_failed_attempts)


# The page --------------------------------------------------------------------------


def test_code_page_offers_the_key(staff, client, clock):
    response = password_step(client)
    assert response.status_code == 200
    assert CODE_TEMPLATE in [t.name for t in response.templates]
    html = page(response)
    assert KEY_ONLY_INTRO in html
    assert BUTTON in html
    assert SCRIPT in html
    assert 'name="code"' in html  # recovery codes
    assert '<input type="hidden" name="credential" id="id_credential">' in html
    options = options_in(response)
    assert options["rpId"] == "localhost"
    assert options["userVerification"] == "preferred"
    assert [c["id"] for c in options["allowCredentials"]] == [
        staff.authenticator.credentials[0].id_b64
    ]
    challenge = WebAuthnChallenge.objects.get(user=staff.user)
    assert challenge.challenge == options["challenge"]
    assert challenge.ceremony == "authentication"
    assert not logged_in(client)


def test_the_page_runs_no_inline_script(staff, client, clock):
    """A Content-Security-Policy without 'unsafe-inline' lets the page work."""
    html = page(password_step(client))
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    inline = [
        attrs
        for attrs, _ in scripts
        if "src=" not in attrs and 'type="application/json"' not in attrs
    ]
    assert inline == []
    assert not re.search(r"<[^>]*\son[a-z]+=", html)  # no event handler attributes


def test_the_script_is_served(staff, client):
    from django.contrib.staticfiles import finders

    path = finders.find("django_twofactor/admin/security_key.js")
    assert path is not None
    script = Path(path).read_text(encoding="utf-8")
    assert "parseRequestOptionsFromJSON" in script
    assert "JSON.stringify(credential.toJSON())" in script
    assert OPTIONS_ID in script


def test_totp_and_key_user_is_offered_both(staff, client, clock):
    from django_twofactor import services
    from django_twofactor.codes import TOTP, SubmittedCode
    from tests.conftest import code_at

    secret = services.begin_setup(staff.user).secret
    services.enable(staff.user, SubmittedCode(TOTP, code_at(secret, time.time())), ["pwd"])
    html = page(password_step(client))
    assert (
        "Use your security key, or enter the code your authenticator app shows or one of your "
        "recovery codes." in html
    )
    assert OPTIONS_ID in html


def test_totp_user_gets_the_page_as_before(enabled, client, clock):
    user = enabled.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    html = page(password_step(client))
    assert CODE_INTRO in html
    assert OPTIONS_ID not in html
    assert BUTTON not in html
    assert "security_key.js" not in html
    assert not WebAuthnChallenge.objects.exists()


def test_without_the_extra_the_page_is_as_before(staff, client, clock, monkeypatch):
    monkeypatch.setattr(key_step, "webauthn_available", lambda: False)
    response = password_step(client)
    html = page(response)
    assert CODE_INTRO in html
    assert OPTIONS_ID not in html
    assert BUTTON not in html
    assert not WebAuthnChallenge.objects.exists()
    refused = key_step_post(client, {"id": "x"})
    assert refused.status_code == 200
    assert "Security keys are not available on this server." in page(refused)
    assert failures(staff) == 0
    assert not logged_in(client)


def test_every_page_carries_a_fresh_challenge(staff, client, clock):
    first = options_in(password_step(client))["challenge"]
    second = options_in(key_step_post(client, "not json"))["challenge"]
    assert first != second
    assert WebAuthnChallenge.objects.filter(user=staff.user).count() == 2


# The answer --------------------------------------------------------------------------


def test_key_completes_the_login(staff, client, clock, django_capture_on_commit_callbacks):
    verified: list[dict[str, Any]] = []
    signals.code_verified.connect(lambda **kw: verified.append(kw), weak=False, dispatch_uid="t")
    try:
        credential = answer(staff, password_step(client))
        with django_capture_on_commit_callbacks(execute=True):
            response = key_step_post(client, credential)
    finally:
        signals.code_verified.disconnect(dispatch_uid="t")
    assert response.status_code == 302
    assert response["Location"] == INDEX
    assert logged_in(client)
    assert SESSION_KEY not in client.session
    user = refreshed(staff)
    assert client.session[sessions.VERIFIED_KEY]["stamp"] == lifecycle.stamp(user)
    assert client.get(INDEX).status_code == 200
    assert user.last_login is not None
    assert user.two_factor_failed_attempts == 0
    key = WebAuthnCredential.objects.get(pk=staff.key_id)
    assert key.last_used_at is not None
    assert key.sign_count == staff.authenticator.credentials[0].sign_count
    assert not WebAuthnChallenge.objects.filter(user=user).exists()  # spent
    assert [kw["method"] for kw in verified] == ["webauthn"]


def test_answer_without_the_code_field(staff, client, clock):
    credential = answer(staff, password_step(client))
    response = client.post(LOGIN, {"credential": json.dumps(credential), "next": INDEX})
    assert response.status_code == 302
    assert client.get(INDEX).status_code == 200


def test_next_is_kept_through_the_key_step(staff, client, clock):
    response = client.post(
        f"{LOGIN}?next={USERS}", {"username": "alice", "password": PASSWORD, "next": USERS}
    )
    done = key_step_post(client, answer(staff, response), USERS)
    assert done.status_code == 302
    assert done["Location"] == USERS


@pytest.mark.urls("tests.test_admin_login")
def test_session_from_the_key_step_passes_drf(staff, client, clock):
    key_step_post(client, answer(staff, password_step(client)))
    response = client.get("/session-only/")
    assert response.status_code == 200, response.content
    assert response.json() == {"username": "alice"}


def test_recovery_code_still_completes_the_login(staff, client, clock):
    password_step(client)
    response = client.post(LOGIN, {"code": staff.recovery_codes[0], "credential": ""})
    assert response.status_code == 302
    assert RecoveryCode.objects.filter(user=staff.user, used_at__isnull=True).count() == 9


def test_empty_form_asks_for_a_code(staff, client, clock):
    password_step(client)
    response = client.post(LOGIN, {"code": "", "credential": ""})
    assert response.status_code == 200
    assert "This field is required." in page(response)
    assert failures(staff) == 0


# Refused answers count as wrong codes ------------------------------------------------


def assert_refused(client: Any, response: Any, account: Any, failures_now: int) -> None:
    assert response.status_code == 200
    assert CODE_TEMPLATE in [t.name for t in response.templates]
    html = page(response)
    assert REFUSED in html
    assert 'value="{' not in html  # the answer is not sent back
    assert BUTTON in html  # a new challenge to try again with
    assert not logged_in(client)
    assert failures(account) == failures_now


def test_replayed_answer_is_refused(staff, client, clock):
    credential = answer(staff, password_step(client))
    assert key_step_post(client, credential).status_code == 302
    client.logout()
    password_step(client)
    assert_refused(client, key_step_post(client, credential), staff, 1)


def test_answer_used_at_the_admin_is_refused_by_the_api(staff, client, api, clock):
    credential = answer(staff, password_step(client))
    assert key_step_post(client, credential).status_code == 302
    login = api.post(API_LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    pending = login.json()["pending_token"]
    refused = api.post(AUTHENTICATE, {"credential": credential}, format="json", **bearer(pending))
    assert_field_error(refused, "credential", "invalid_credential")
    assert failures(staff) == 1


def test_key_of_nobody_is_refused_and_counted(staff, client, clock):
    stranger = SoftAuthenticator()
    stranger.register(
        {
            "rp": {"id": "localhost", "name": "x"},
            "user": {"id": b64url_encode(b"nobody"), "name": "nobody"},
            "challenge": b64url_encode(b"0" * 32),
            "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
        }
    )
    response = password_step(client)
    credential = stranger.authenticate(options_in(response), credential=stranger.credentials[0])
    assert_refused(client, key_step_post(client, credential), staff, 1)
    retry = key_step_post(client, answer(staff, password_step(client)))
    assert retry.status_code == 302  # the right key still works: the counter is reset


@pytest.mark.parametrize(
    "change",
    [
        {"tamper_signature": True},
        {"origin": "http://evil.example:8000"},
        {"origin": "https://localhost:8000"},
        {"rp_id": "evil.example"},
        {"challenge": b64url_encode(b"1" * 32)},
        {"user_present": False},
    ],
    ids=lambda change: next(iter(change)),
)
def test_bad_answer_is_refused_and_counted(staff, client, clock, change):
    response = password_step(client)
    assert_refused(client, key_step_post(client, answer(staff, response, **change)), staff, 1)


@pytest.mark.parametrize(
    "value",
    [
        "not json",
        "[]",
        "null",
        '"a string"',
        '{"id": 1}',
        json.dumps({"id": "x", "rawId": "x", "type": "public-key", "response": {}}),
        "[" * 50_000,  # deeper than the JSON parser recurses
        "1" * 10_000,  # more digits than int() takes
        " " * (key_step.MAX_LENGTH + 1),
    ],
    ids=lambda value: value[:12],
)
def test_malformed_answer_is_a_form_error_not_counted(staff, client, clock, value):
    password_step(client)
    response = key_step_post(client, value)
    assert response.status_code == 200
    assert MALFORMED in page(response)
    assert not logged_in(client)
    assert failures(staff) == 0


def test_lock_after_max_failed_answers_shows_the_wait(staff, client, clock):
    response = password_step(client)
    for _ in range(twofactor_settings.MAX_FAILED_ATTEMPTS - 1):
        response = key_step_post(client, answer(staff, response, tamper_signature=True))
        assert response.status_code == 200
        assert REFUSED in page(response)
    locked = key_step_post(client, answer(staff, response, tamper_signature=True))
    assert locked.status_code == 429
    assert locked["Retry-After"] == "60"
    assert "Too many wrong codes. Try again in 60 seconds." in page(locked)
    assert BUTTON in page(locked)

    clock.shift(20)
    right = key_step_post(client, answer(staff, locked))  # right, but locked: not counted
    assert right.status_code == 429
    assert right["Retry-After"] == "40"
    assert failures(staff) == twofactor_settings.MAX_FAILED_ATTEMPTS

    clock.shift(40)
    assert key_step_post(client, answer(staff, right)).status_code == 302
    assert failures(staff) == 0


def test_stale_password_step_ignores_the_answer(staff, client, clock):
    credential = answer(staff, password_step(client))
    clock.shift(twofactor_settings.PENDING_TOKEN_LIFETIME.total_seconds())
    response = key_step_post(client, credential)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=%2Fadmin%2F"
    assert not logged_in(client)
    assert failures(staff) == 0


def test_deeply_nested_client_data_is_refused_not_a_500(staff, client, clock):
    """Well-formed JSON outside, a bomb inside the base64url of ``clientDataJSON``."""
    password_step(client)
    key_id = staff.authenticator.credentials[0].id_b64
    credential = {
        "id": key_id,
        "rawId": key_id,
        "type": "public-key",
        "response": {
            "clientDataJSON": b64url_encode(b"[" * 10_000),
            "authenticatorData": "AAAA",
            "signature": "AAAA",
        },
    }
    response = key_step_post(client, credential)
    assert response.status_code == 200
    assert REFUSED in page(response)
