"""The admin's login asks a user with 2FA on for a code (``django_twofactor.admin.protect``).

The code step goes through ``services.verify``, the API's own check, so the
failure counter, the lock and replay protection are one with the API's.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import path
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from django_twofactor import lifecycle, services, sessions
from django_twofactor.admin import protect
from django_twofactor.admin.pending import SESSION_KEY
from django_twofactor.conf import twofactor_settings
from django_twofactor.models import RecoveryCode
from django_twofactor.permissions import IsTwoFactorAuthenticated
from example import urls as example_urls
from tests.api_helpers import AUTHENTICATE, assert_code_error, post_code
from tests.conftest import PASSWORD, code_at, log_in, wrong_code

LOGIN = "/admin/login/"
INDEX = "/admin/"
USERS = "/admin/accounts/user/"
CODE_TEMPLATE = "django_twofactor/admin/code.html"
WRONG = "The code is wrong or was already used."
STALE = "Your sign-in expired or is no longer valid. Log in again."


class SessionOnly(APIView):
    """A DRF view a browser reaches with its admin session."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [IsTwoFactorAuthenticated]

    def get(self, request: Any) -> Response:
        return Response({"username": request.user.get_username()})


# The example's URLs (whose one ``protect`` line every test here relies on) plus the view.
urlpatterns = [*example_urls.urlpatterns, path("session-only/", SessionOnly.as_view())]


@pytest.fixture
def staff(enabled: Any) -> Any:
    """alice, 2FA on, may use the admin."""
    user = enabled.user
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return enabled


def password_step(client: Any, next_url: str = INDEX, password: str = PASSWORD) -> Any:
    return client.post(LOGIN, {"username": "alice", "password": password, "next": next_url})


def code_step(client: Any, code: str, next_url: str = INDEX) -> Any:
    return client.post(LOGIN, {"code": code, "next": next_url})


def now_code(account: Any) -> str:
    return code_at(account.secret, time.time())


def logged_in(client: Any) -> bool:
    return "_auth_user_id" in client.session


def page(response: Any) -> str:
    return response.content.decode()


# The password step -------------------------------------------------------------


def test_password_alone_does_not_log_in_a_two_factor_user(staff, client, clock):
    response = password_step(client)
    assert response.status_code == 200
    assert CODE_TEMPLATE in [t.name for t in response.templates]
    assert "admin/login.html" in [t.name for t in response.templates]  # the admin's look
    html = page(response)
    assert 'name="code"' in html
    assert 'autocomplete="one-time-code"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'action="{LOGIN}"' in html
    assert '<input type="hidden" name="next" value="/admin/">' in html
    assert staff.secret not in html
    assert "no-store" in response["Cache-Control"]
    assert not logged_in(client)
    assert client.get(INDEX).status_code == 302


def test_password_step_is_kept_in_the_session(staff, client, clock):
    password_step(client)
    step = client.session[SESSION_KEY]
    assert step == {
        "user": str(staff.user.pk),
        "backend": "django.contrib.auth.backends.ModelBackend",
        "stamp": lifecycle.stamp(staff.refresh()),
        "expires": time.time() + twofactor_settings.PENDING_TOKEN_LIFETIME.total_seconds(),
    }


def test_wrong_password_shows_the_password_form(staff, client, clock):
    response = password_step(client, password="wrong")
    assert response.status_code == 200
    assert CODE_TEMPLATE not in [t.name for t in response.templates]
    assert 'name="password"' in page(response)
    assert SESSION_KEY not in client.session


def test_two_factor_off_user_logs_in_as_before(plain, client, clock):
    user = plain.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    response = password_step(client)
    assert response.status_code == 302
    assert response["Location"] == INDEX
    assert logged_in(client)
    assert SESSION_KEY not in client.session
    assert client.get(INDEX).status_code == 200


def test_already_verified_user_is_sent_to_the_index(staff, client, clock):
    password_step(client)
    code_step(client, now_code(staff))
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == INDEX


# The code step -------------------------------------------------------------------


def test_totp_code_completes_the_login(staff, client, clock):
    password_step(client)
    response = code_step(client, now_code(staff))
    assert response.status_code == 302
    assert response["Location"] == INDEX
    assert logged_in(client)
    assert SESSION_KEY not in client.session
    assert client.session[sessions.VERIFIED_KEY]["stamp"] == lifecycle.stamp(staff.refresh())
    assert client.get(INDEX).status_code == 200
    assert staff.refresh().last_login is not None


def test_code_with_a_space_is_accepted(staff, client, clock):
    password_step(client)
    code = now_code(staff)
    assert code_step(client, f"{code[:3]} {code[3:]}").status_code == 302


def test_recovery_code_completes_the_login(staff, client, clock):
    password_step(client)
    response = code_step(client, staff.recovery_codes[0].upper())
    assert response.status_code == 302
    assert client.get(INDEX).status_code == 200
    assert RecoveryCode.objects.filter(user=staff.user, used_at__isnull=True).count() == 9
    password_step(client)
    again = code_step(client, staff.recovery_codes[0])
    assert again.status_code == 200
    assert WRONG in page(again)


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1234567"])
def test_ill_formed_code_is_explained_and_not_counted(staff, client, clock, code):
    password_step(client)
    response = code_step(client, code)
    assert response.status_code == 200
    assert CODE_TEMPLATE in [t.name for t in response.templates]
    assert not logged_in(client)
    assert staff.refresh().two_factor_failed_attempts == 0


def test_ill_formed_code_message(staff, client, clock):
    password_step(client)
    html = page(code_step(client, "12345"))
    assert "Enter the 6-digit code from your app or a recovery code." in html


def test_wrong_code_counts_on_the_api_counter(staff, client, api, clock):
    password_step(client)
    wrong = wrong_code(staff.secret)
    response = code_step(client, wrong)
    assert response.status_code == 200
    assert WRONG in page(response)
    assert 'name="code"' in page(response)
    assert f'value="{wrong}"' not in page(response)  # the field is empty again
    assert not logged_in(client)
    assert staff.refresh().two_factor_failed_attempts == 1

    pending = log_in(api)["pending_token"]
    assert post_code(api, AUTHENTICATE, pending, wrong_code(staff.secret)).status_code == 400
    assert staff.refresh().two_factor_failed_attempts == 2
    assert code_step(client, wrong_code(staff.secret)).status_code == 200
    assert staff.refresh().two_factor_failed_attempts == 3


def test_lock_after_max_failed_attempts_shows_the_wait(staff, client, api, clock):
    password_step(client)
    wrong = wrong_code(staff.secret)
    statuses = [code_step(client, wrong).status_code for _ in range(4)]
    assert statuses == [200] * 4
    fifth = code_step(client, wrong)
    assert fifth.status_code == 429
    assert fifth["Retry-After"] == "60"
    assert "Too many wrong codes. Try again in 60 seconds." in page(fifth)
    assert 'name="code"' in page(fifth)

    clock.shift(20)
    right = code_step(client, now_code(staff))  # right, but locked: refused, not counted
    assert right.status_code == 429
    assert right["Retry-After"] == "40"
    assert "Try again in 40 seconds." in page(right)
    assert staff.refresh().two_factor_failed_attempts == 5
    pending = log_in(api)["pending_token"]
    assert post_code(api, AUTHENTICATE, pending, now_code(staff)).status_code == 429

    clock.shift(40)
    assert code_step(client, now_code(staff)).status_code == 302


def test_lock_set_by_the_api_is_shown_at_the_admin(staff, client, api, clock):
    pending = log_in(api)["pending_token"]
    for _ in range(twofactor_settings.MAX_FAILED_ATTEMPTS):
        post_code(api, AUTHENTICATE, pending, wrong_code(staff.secret))
    password_step(client)
    response = code_step(client, now_code(staff))
    assert response.status_code == 429
    assert "Try again in 60 seconds." in page(response)


def test_blocked_user_is_told_why(staff, client, clock):
    type(staff.user).objects.filter(pk=staff.user.pk).update(
        two_factor_failed_attempts=twofactor_settings.FAILURE_LIMIT
    )
    password_step(client)
    response = code_step(client, now_code(staff))
    assert response.status_code == 403
    assert "until the password is changed" in page(response)
    assert not logged_in(client)


def test_unreadable_secret_is_a_conflict_shown_on_the_page(staff, client, clock):
    type(staff.user).objects.filter(pk=staff.user.pk).update(two_factor_secret="not-a-token")
    password_step(client)
    response = code_step(client, now_code(staff))
    assert response.status_code == 409
    assert "cannot be read" in page(response)
    assert "not-a-token" not in page(response)
    assert not logged_in(client)


# One counter, one replay rule with the API ------------------------------------


def test_code_used_at_the_admin_is_refused_by_the_api(staff, client, api, clock):
    code = now_code(staff)
    password_step(client)
    assert code_step(client, code).status_code == 302
    pending = log_in(api)["pending_token"]
    refused = post_code(api, AUTHENTICATE, pending, code)
    assert_code_error(refused, "invalid_code")


def test_code_used_at_the_api_is_refused_by_the_admin(staff, client, api, clock):
    code = now_code(staff)
    pending = log_in(api)["pending_token"]
    assert post_code(api, AUTHENTICATE, pending, code).status_code == 200
    password_step(client)
    refused = code_step(client, code)
    assert refused.status_code == 200
    assert WRONG in page(refused)
    assert not logged_in(client)


def test_recovery_code_used_at_the_api_is_refused_by_the_admin(staff, client, api, clock):
    pending = log_in(api)["pending_token"]
    assert post_code(api, AUTHENTICATE, pending, staff.recovery_codes[1]).status_code == 200
    password_step(client)
    assert WRONG in page(code_step(client, staff.recovery_codes[1]))


# A stale password step -----------------------------------------------------------


def assert_back_at_the_password_form(client: Any, response: Any, next_url: str = INDEX) -> None:
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={next_url.replace('/', '%2F')}"
    assert not logged_in(client)
    assert SESSION_KEY not in client.session
    form = client.get(response["Location"])
    assert STALE in page(form)
    assert 'name="password"' in page(form)


def test_password_step_expires(staff, client, clock):
    password_step(client)
    clock.shift(twofactor_settings.PENDING_TOKEN_LIFETIME.total_seconds())
    assert_back_at_the_password_form(client, code_step(client, now_code(staff)))
    assert staff.refresh().two_factor_failed_attempts == 0


def test_password_step_is_good_until_it_expires(staff, client, clock):
    password_step(client)
    clock.shift(twofactor_settings.PENDING_TOKEN_LIFETIME.total_seconds() - 1)
    assert code_step(client, now_code(staff)).status_code == 302


def test_password_change_ends_the_password_step(staff, client, clock):
    password_step(client)
    user = staff.refresh()
    user.set_password("another horse battery staple")
    user.save()
    assert_back_at_the_password_form(client, code_step(client, now_code(staff)))


def test_reset_ends_the_password_step(staff, client, clock):
    password_step(client)
    services.reset(staff.refresh())
    assert_back_at_the_password_form(client, code_step(client, "123456"))


@pytest.mark.parametrize("change", ["deactivate", "delete"])
def test_user_gone_or_inactive_ends_the_password_step(staff, client, clock, change):
    password_step(client)
    users = get_user_model().objects.filter(pk=staff.user.pk)
    if change == "delete":
        users.delete()
    else:
        users.update(is_active=False)
    assert_back_at_the_password_form(client, code_step(client, now_code(staff)))


def test_code_without_a_password_step(staff, client, clock):
    assert_back_at_the_password_form(client, code_step(client, now_code(staff)))


def test_password_step_of_an_unknown_backend(staff, client, clock, settings):
    password_step(client)
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.AllowAllUsersModelBackend"]
    assert_back_at_the_password_form(client, code_step(client, now_code(staff)))


def test_stale_step_keeps_a_safe_next(staff, client, clock):
    password_step(client, next_url=USERS)
    clock.shift(twofactor_settings.PENDING_TOKEN_LIFETIME.total_seconds())
    assert_back_at_the_password_form(client, code_step(client, "123456", USERS), USERS)


def test_stale_step_drops_an_unsafe_next(staff, client, clock):
    response = code_step(client, "123456", "https://evil.example/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN


# next ------------------------------------------------------------------------------


def test_next_is_kept_through_the_code_step(staff, client, clock):
    response = client.post(
        f"{LOGIN}?next={USERS}", {"username": "alice", "password": PASSWORD, "next": USERS}
    )
    html = page(response)
    assert f'action="{LOGIN}?next={USERS}"' in html
    assert f'<input type="hidden" name="next" value="{USERS}">' in html
    done = code_step(client, now_code(staff), USERS)
    assert done.status_code == 302
    assert done["Location"] == USERS
    assert client.get(USERS).status_code == 200


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/admin/", "javascript:alert(1)"]
)
def test_no_open_redirect(staff, client, clock, target):
    html = page(password_step(client, next_url=target))
    assert "evil.example" not in html
    assert "javascript:" not in html
    done = code_step(client, now_code(staff), target)
    assert done.status_code == 302
    assert done["Location"] == INDEX


def test_no_next_goes_to_the_index(staff, client, clock):
    password_step(client)
    done = client.post(LOGIN, {"code": now_code(staff)})
    assert done["Location"] == INDEX


# Sessions that skipped the code step -----------------------------------------------


def test_force_login_session_is_refused_by_the_admin(staff, client, clock):
    client.force_login(staff.user)
    for url in (INDEX, USERS, f"{USERS}{staff.user.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{LOGIN}?next=")
    form = client.get(LOGIN)
    assert form.status_code == 200
    assert "Your account uses two-factor authentication: log in again with a code." in page(form)


def test_unverified_session_can_still_log_in_with_a_code(staff, client, clock):
    client.force_login(staff.user)
    password_step(client)
    assert code_step(client, now_code(staff)).status_code == 302
    assert client.get(INDEX).status_code == 200


def test_staff_without_two_factor_is_let_in_by_force_login(plain, client, clock):
    user = plain.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    assert client.get(INDEX).status_code == 200


def test_verified_session_ends_with_logout_everywhere(staff, client, clock):
    password_step(client)
    code_step(client, now_code(staff))
    lifecycle.revoke_all(staff.refresh())
    assert client.get(INDEX).status_code == 302


def test_non_staff_is_refused_at_the_password_step(enabled, client, clock):
    response = password_step(client)
    assert response.status_code == 200
    assert "Please enter the correct username and password for a staff account" in page(response)
    assert SESSION_KEY not in client.session


def test_protect_twice_changes_nothing():
    site = admin.AdminSite(name="twice")
    protect(site)
    login, has_permission = site.login, site.has_permission
    assert protect(site) is site
    assert (site.login, site.has_permission) == (login, has_permission)


# DRF views under SessionAuthentication ---------------------------------------------


@pytest.mark.urls("tests.test_admin_login")
def test_session_from_the_code_step_passes_drf(staff, client, clock):
    password_step(client)
    code_step(client, now_code(staff))
    response = client.get("/session-only/")
    assert response.status_code == 200, response.content
    assert response.json() == {"username": "alice"}


@pytest.mark.urls("tests.test_admin_login")
def test_force_login_session_is_refused_by_drf(staff, client, clock):
    client.force_login(staff.user)
    response = client.get("/session-only/")
    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_required"


def test_request_without_a_session_is_not_verified(staff, rf):
    """No session (a site served without SessionMiddleware): no second factor either."""
    request = rf.get(INDEX)
    request.user = staff.user
    assert not admin.site.has_permission(request)
