"""Required enrolment (CONTRACT §11): ``TWO_FACTOR["REQUIRED"]``."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from django_twofactor import checks, policy
from tests.api_helpers import (
    GENERATE,
    LOGOUT,
    ME,
    STATUS,
    TURN_ON,
    assert_error,
    now_code,
    post_code,
)
from tests.conftest import PASSWORD, bearer, log_in, make_user

SETUP_REQUIRED = "two_factor_setup_required"


def only_the_example_user(user: Any) -> bool:
    """A project's own policy: a dotted path to ``user -> bool``."""
    return user.get_username() == "alice"


@pytest.fixture
def required(settings):
    def set_policy(value: Any) -> None:
        settings.TWO_FACTOR = {"REQUIRED": value}

    return set_policy


def login_body(api, username: str = "alice") -> dict[str, Any]:
    response = api.post(LOGIN_URL, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return dict(response.json())


LOGIN_URL = "/api/auth/login/"


def test_login_says_whether_setup_is_required(db, api, clock, required):
    make_user()
    assert login_body(api)["two_factor_setup_required"] is False
    required("all")
    body = login_body(api)
    assert body["two_factor_setup_required"] is True
    assert {"access", "refresh"} <= set(body)


def test_login_with_two_factor_on_never_requires_setup(enabled, api, clock, required):
    required("all")
    body = login_body(api)
    assert (body["two_factor_required"], body["two_factor_setup_required"]) == (True, False)


def test_a_covered_user_can_only_set_up(db, api, clock, required):
    required("all")
    make_user()
    tokens = login_body(api)
    access = bearer(tokens["access"])
    assert_error(api.get(ME, **access), 403, SETUP_REQUIRED)
    assert api.get(STATUS, **access).status_code == 200
    secret = api.post(GENERATE, **access).json()["secret"]
    turned_on = post_code(api, TURN_ON, tokens["access"], now_code(secret))
    assert turned_on.status_code == 200, turned_on.content
    assert api.get(ME, **bearer(turned_on.json()["access"])).status_code == 200
    out = api.post(LOGOUT, {"refresh": turned_on.json()["refresh"]}, format="json")
    assert out.status_code == 204


def test_logout_stays_open_before_enrolment(db, api, clock, required):
    required("all")
    make_user()
    tokens = login_body(api)
    response = api.post(LOGOUT, {"refresh": tokens["refresh"], "everywhere": True}, format="json")
    assert response.status_code == 204


@pytest.mark.parametrize(
    ("value", "staff", "superuser", "covered"),
    [
        (None, True, True, False),
        ("staff", False, False, False),
        ("staff", True, False, True),
        ("superusers", True, False, False),
        ("superusers", True, True, True),
        ("all", False, False, True),
        ("tests.test_enrolment.only_the_example_user", False, False, True),
    ],
)
def test_the_policies(value, staff, superuser, covered, db, required):
    required(value)
    user = make_user()
    get_user_model().objects.filter(pk=user.pk).update(is_staff=staff, is_superuser=superuser)
    user.refresh_from_db()
    assert policy.setup_required(user) is covered


def test_the_policy_reads_no_database(db, required, django_assert_num_queries):
    required("staff")
    user = make_user()
    with django_assert_num_queries(0):
        policy.setup_required(user)


def test_the_me_view_refusal_costs_no_extra_query(
    db, api, clock, required, django_assert_num_queries
):
    required("all")
    make_user()
    access = bearer(login_body(api)["access"])
    with django_assert_num_queries(1):
        assert_error(api.get(ME, **access), 403, SETUP_REQUIRED)


@pytest.mark.parametrize(
    "value",
    ["everyone", "", 3, "tests.test_enrolment.no_such_thing", "tests.test_enrolment.LOGIN_URL"],
)
def test_a_bad_policy_is_a_system_error(value):
    with override_settings(TWO_FACTOR={"REQUIRED": value}):
        messages = checks.check_settings(None)
    assert [m.id for m in messages] == ["django_twofactor.E019"]
    assert "REQUIRED" in messages[0].msg


@pytest.mark.parametrize("value", [None, "staff", "superusers", "all"])
def test_good_policies_pass_the_check(value):
    with override_settings(TWO_FACTOR={"REQUIRED": value}):
        assert checks.check_settings(None) == []


# The admin ------------------------------------------------------------------------


def test_the_admin_asks_a_covered_user_to_set_up_first(db, client, required):
    required("staff")
    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 200
    assert "set it up first" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_session_of_a_covered_user_is_not_let_in(db, client, required):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
    required("superusers")
    response = client.get("/admin/")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "set it up first" in page


def test_plain_users_log_in_as_before_without_a_policy(db, api, clock):
    make_user()
    assert log_in(api)["two_factor_setup_required"] is False
