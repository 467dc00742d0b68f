"""The example project: migrations, management commands, and what it lets out."""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from django_twofactor import services
from django_twofactor.codes import TOTP, SubmittedCode
from django_twofactor.models import RecoveryCode
from tests.conftest import bearer, code_at

PUBLIC_FIELDS = {"id", "username", "email", "two_factor_enabled"}


def test_no_missing_migrations(db):
    """Model changes without a migration would exit 1 here."""
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    assert "No changes detected" in out.getvalue()


def test_system_checks_pass(db):
    out = io.StringIO()
    call_command("check", fail_level="WARNING", stdout=out)
    assert "no issues" in out.getvalue()


def test_createsuperuser_noinput_from_env(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-admin-password-42")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.com")
    call_command("createsuperuser", "--noinput", stdout=io.StringIO())
    user = get_user_model().objects.get(username="root")
    assert user.is_superuser
    assert user.is_staff
    assert user.email == "root@example.com"
    assert user.check_password("a-long-admin-password-42")
    assert user.two_factor_enabled is False
    assert user.two_factor_secret == ""


def demo(*args: str) -> str:
    out = io.StringIO()
    call_command("ensure_demo_user", *args, stdout=out)
    return out.getvalue()


def test_ensure_demo_user_is_idempotent(db):
    first = demo()
    second = demo()
    assert first == second
    assert 'username "demo"' in first
    users = get_user_model().objects.filter(username="demo")
    assert users.count() == 1
    assert users.get().check_password("demo-password")


def test_ensure_demo_user_resets_password_and_2fa(db, clock):
    """Visitors of a shared demo change things; the command puts it back."""
    demo("--username", "dora", "--password", "dora-password-1")
    user = get_user_model().objects.get(username="dora")
    secret = services.begin_setup(user).secret
    services.enable(user, SubmittedCode(TOTP, code_at(secret, time.time())), ["pwd"])
    services._record_failure(user)
    user.set_password("changed-by-a-visitor")
    user.save()
    assert RecoveryCode.objects.filter(user=user).count() == 10

    demo("--username", "dora", "--password", "dora-password-1")
    user.refresh_from_db()
    assert user.check_password("dora-password-1")
    assert user.two_factor_enabled is False
    assert user.two_factor_secret == ""
    assert user.two_factor_last_step is None
    assert user.two_factor_failed_attempts == 0
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert get_user_model().objects.filter(username="dora").count() == 1


def assert_no_secret(text: str, account) -> None:
    stored = get_user_model().objects.get(pk=account.user.pk).two_factor_secret
    assert stored, "the test needs a stored secret to look for"
    for needle in (account.secret, account.secret.lower(), stored, stored[:40]):
        assert needle not in text
    assert "two_factor_secret" not in text


def test_me_public_fields_with_2fa_off_and_a_pending_secret(set_up, api):
    """Generate ran but turn-on did not: the secret waits in the row, and stays there."""
    response = api.get("/api/me/", **bearer(set_up.tokens["access"]))
    assert response.status_code == 200
    assert set(response.json()) == PUBLIC_FIELDS
    assert response.json()["two_factor_enabled"] is False
    assert_no_secret(response.content.decode(), set_up)


def test_me_public_fields_with_mfa(enabled, api):
    response = api.get("/api/me/", **bearer(enabled.tokens["access"]))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PUBLIC_FIELDS
    assert body == {
        "id": enabled.user.pk,
        "username": "alice",
        "email": "alice@example.com",
        "two_factor_enabled": True,
    }
    assert_no_secret(response.content.decode(), enabled)


def test_me_plain_user(plain, api):
    response = api.get("/api/me/", **bearer(plain.tokens["access"]))
    assert response.status_code == 200
    assert set(response.json()) == PUBLIC_FIELDS


def test_admin_pages_never_show_the_secret(enabled, client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    pk = enabled.user.pk
    for url in (
        f"/admin/accounts/user/{pk}/change/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{pk}/history/",
        f"/admin/accounts/user/{pk}/password/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_secret(response.content.decode(), enabled)
    assert "alice" in client.get(f"/admin/accounts/user/{pk}/change/").content.decode()


def test_admin_change_form_cannot_write_the_secret(enabled, client):
    """The fields are editable=False, so the admin form has no field that could show or
    change them."""
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{enabled.user.pk}/change/")
    form = page.context["adminform"].form
    assert not {"two_factor_secret", "two_factor_enabled", "two_factor_last_step"} & set(
        form.fields
    )


def test_repr_and_str_of_the_user(enabled):
    user = get_user_model().objects.get(pk=enabled.user.pk)
    for text in (repr(user), str(user)):
        assert "alice" in text
        assert_no_secret(text, enabled)


# Safe by default (CONTRACT §9) ------------------------------------------------

EXAMPLE = Path(__file__).resolve().parent.parent / "example_project"


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``manage.py`` of the example in a process of its own, with only ``env`` set."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    base.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=EXAMPLE,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_a_secret_key_it_refuses_to_start():
    result = manage("check")
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr
    assert "demo key is public" in result.stderr


def test_debug_is_off_unless_the_demo_turns_it_on():
    key = secrets.token_urlsafe(50)
    show = ["shell", "-c", "from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY)"]

    def last_line(**env: str) -> list[str]:  # Django 5.2's shell may say what it imported
        return manage(*show, **env).stdout.strip().splitlines()[-1].split()

    assert last_line(DJANGO_SECRET_KEY=key) == ["False", key]
    demo_key = last_line(DJANGO_DEBUG="1")
    assert demo_key[0] == "True"
    assert demo_key[1].startswith("demo-only-insecure-key")


def test_the_deploy_checks_pass_with_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="api.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_login_is_throttled_per_client(db, api, monkeypatch):
    """The example's rate, 20 a minute: the 21st login from one address is a 429."""
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    from example import settings as example_settings

    rates = example_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates == {"twofactor_login": "20/minute"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    body = {"username": "nobody", "password": "wrong"}
    statuses = [api.post("/api/auth/login/", body, format="json").status_code for _ in range(21)]
    assert statuses == [401] * 20 + [429]
    throttled = api.post("/api/auth/login/", body, format="json")
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    cache.clear()


# The payout: step-up on the example's sensitive view (CONTRACT §10) --------------

PAYOUT = "/api/payout/"
VERIFY = "/api/auth/2fa/verify/"
CHALLENGE_HEADER = (
    'Bearer error="insufficient_user_authentication", '
    'error_description="A more recent authentication is required", max_age="300"'
)
CHALLENGE_BODY = {
    "detail": "A more recent authentication is required: verify a code again.",
    "code": "insufficient_user_authentication",
    "max_age": 300,
}


def payout(api, access: str | None):
    return api.post(PAYOUT, **(bearer(access) if access else {}))


def renewed(api, refresh: str) -> str:
    response = api.post("/api/auth/refresh/", {"refresh": refresh}, format="json")
    assert response.status_code == 200, response.content
    return str(response.json()["access"])


def verified(api, access: str, secret: str) -> dict[str, str]:
    """``2fa/verify/`` with the current code: tokens whose ``auth_time`` is now."""
    code = code_at(secret, time.time())
    response = api.post(VERIFY, {"code": code}, format="json", **bearer(access))
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"access", "refresh"}
    return dict(response.json())


def stale(enabled, api, clock) -> tuple[str, str]:
    """Access and refresh tokens whose code step is 301 seconds old. Access tokens
    live 300 seconds too, so the access token is one ``refresh/`` gave on the way."""
    tokens = verified(api, enabled.tokens["access"], enabled.secret)
    clock.shift(200)
    access = renewed(api, tokens["refresh"])
    assert payout(api, access).status_code == 202
    clock.shift(100)
    assert payout(api, access).status_code == 202  # 300 seconds is still recent
    clock.shift(1)
    return access, tokens["refresh"]


def assert_challenge(response) -> None:
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == CHALLENGE_HEADER
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == CHALLENGE_BODY


def test_payout_accepts_a_fresh_mfa_token(enabled, api):
    response = payout(api, enabled.tokens["access"])
    assert response.status_code == 202, response.content
    assert response.json() == {"status": "accepted"}


def test_payout_challenges_a_code_step_older_than_300_seconds(enabled, api, clock):
    access, _ = stale(enabled, api, clock)
    assert_challenge(payout(api, access))


def test_payout_challenge_survives_a_refresh(enabled, api, clock):
    """``refresh/`` copies ``auth_time``: only a code again answers the challenge."""
    access, refresh = stale(enabled, api, clock)
    assert_challenge(payout(api, access))
    assert_challenge(payout(api, renewed(api, refresh)))


def test_payout_accepted_again_after_verify(enabled, api, clock):
    access, _ = stale(enabled, api, clock)
    assert_challenge(payout(api, access))
    fresh = verified(api, access, enabled.secret)
    response = payout(api, fresh["access"])
    assert response.status_code == 202, response.content
    assert payout(api, renewed(api, fresh["refresh"])).status_code == 202


def test_payout_refused_with_two_factor_off(plain, api):
    response = payout(api, plain.tokens["access"])
    assert response.status_code == 403, response.content
    assert response.json() == {
        "detail": "Turn on two-factor authentication to use this.",
        "code": "two_factor_not_enabled",
    }


def test_payout_needs_a_token(db, api):
    response = payout(api, None)
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "not_authenticated"
    assert "insufficient_user_authentication" not in response.get("WWW-Authenticate", "")


@pytest.mark.parametrize(("path", "allow"), [("/api/me/", "GET, HEAD"), ("/api/payout/", "POST")])
def test_the_examples_views_answer_no_options(path, allow, enabled, api):
    """As the package's: OPTIONS is a 405 whose Allow names the schema's methods (to a
    caller the views let through: DRF checks the token and permissions first)."""
    response = api.options(path, **bearer(enabled.tokens["access"]))
    assert response.status_code == 405, response.content
    assert response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == allow
