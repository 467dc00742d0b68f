"""The admin shows two-factor state, never the secret, and resets it after asking."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Permission
from django.contrib.messages.storage import default_storage
from django.test import RequestFactory

from django_twofactor import crypto, services
from django_twofactor.admin import TwoFactorUserAdminMixin
from django_twofactor.models import RecoveryCode

USERS = "/admin/accounts/user/"


@pytest.fixture
def staff(db, client):
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(root)
    return root


def test_change_page_shows_state_but_no_secret(enabled, staff, client):
    page = client.get(f"/admin/accounts/user/{enabled.user.pk}/change/").content.decode()
    assert "Two-factor authentication" in page
    assert "recovery codes left" in page.lower()
    assert '<div class="readonly">10</div>' in page
    stored = enabled.user.two_factor_secret
    assert crypto.decrypt(stored) == enabled.secret
    assert enabled.secret not in page
    assert stored not in page
    assert "two_factor_secret" not in page


def test_changelist_filters_on_two_factor(enabled, staff, client):
    on = client.get("/admin/accounts/user/?two_factor=on").content.decode()
    off = client.get("/admin/accounts/user/?two_factor=off").content.decode()
    alice, root = (f"/admin/accounts/user/{u.pk}/change/?" for u in (enabled.user, staff))
    assert alice in on
    assert root not in on
    assert root in off
    assert alice not in off


def reset(client, *users, confirm=True, **extra):
    data = {"action": "reset_two_factor", "_selected_action": [u.pk for u in users], **extra}
    if confirm:
        data["post"] = "yes"
    return client.post(USERS, data, follow=confirm)


def test_reset_action_asks_first(enabled, staff, client):
    """Like "delete selected": a page that names the users and a confirming POST."""
    response = reset(client, enabled.user, staff, confirm=False)
    assert response.status_code == 200
    assert response.templates[0].name == "django_twofactor/admin/reset_confirmation.html"
    page = response.content.decode()
    assert "Are you sure you want to reset two-factor authentication of the users below?" in page
    assert '<ul id="two-factor-reset-users">\n\n    <li>alice</li>\n\n</ul>' in page
    assert f'<input type="hidden" name="_selected_action" value="{enabled.user.pk}">' in page
    assert f'name="_selected_action" value="{staff.pk}"' not in page  # 2FA off: nothing to reset
    assert '<input type="hidden" name="action" value="reset_two_factor">' in page
    assert '<input type="hidden" name="post" value="yes">' in page
    assert "Yes, I’m sure" in page
    assert enabled.secret not in page
    user = enabled.refresh()
    assert user.two_factor_enabled
    assert RecoveryCode.objects.filter(user=user).count() == 10
    assert not LogEntry.objects.exists()


def test_reset_confirmation_lists_every_user_to_reset(enabled, staff, client):
    bob = get_user_model().objects.create_user("bob", password="pw")
    services.begin_setup(bob)  # set-up started: a secret to forget
    page = reset(client, enabled.user, bob, staff, confirm=False).content.decode()
    assert "<li>alice</li>" in page
    assert "<li>bob</li>" in page
    assert "<li>root</li>" not in page


def test_reset_action_clears_state_and_logs_who_did_it(enabled, staff, client):
    response = reset(client, enabled.user, staff)
    assert response.status_code == 200
    assert response.redirect_chain == [(USERS, 302)]  # the change list, as "delete selected"
    assert "reset for 1 user." in response.content.decode()
    user = enabled.refresh()
    assert (user.two_factor_enabled, user.two_factor_secret) == (False, "")
    assert not RecoveryCode.objects.filter(user=user).exists()
    entry = LogEntry.objects.get(object_id=str(user.pk))
    assert entry.user == staff
    assert entry.action_flag == CHANGE
    assert "Reset two-factor" in entry.get_change_message()
    assert LogEntry.objects.count() == 1


def test_reset_action_with_nothing_to_reset(staff, client):
    response = reset(client, staff, confirm=False)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "None of the selected users has two-factor authentication set up." in page
    assert not LogEntry.objects.exists()


def staff_with(client, *codenames):
    user = get_user_model().objects.create_user("clerk", password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return user


def test_reset_action_needs_the_change_permission(enabled, client):
    staff_with(client, "view_user")
    changelist = client.get(USERS)
    assert changelist.status_code == 200
    assert "reset_two_factor" not in changelist.content.decode()
    for confirm in (False, True):
        response = reset(client, enabled.user, confirm=confirm)
        assert "reset_two_factor" not in response.content.decode()
    assert enabled.refresh().two_factor_enabled
    assert not LogEntry.objects.exists()


def test_reset_action_with_the_change_permission(enabled, client):
    clerk = staff_with(client, "view_user", "change_user")
    assert 'value="reset_two_factor"' in client.get(USERS).content.decode()
    assert reset(client, enabled.user, confirm=False).status_code == 200
    assert "reset for 1 user." in reset(client, enabled.user).content.decode()
    assert not enabled.refresh().two_factor_enabled
    assert LogEntry.objects.get().user == clerk


@admin.action(description="Do nothing")
def do_nothing(modeladmin, request, queryset):
    return None


class CustomActionsAdmin(TwoFactorUserAdminMixin, UserAdmin):
    actions = [do_nothing]


class NoActionsAdmin(TwoFactorUserAdminMixin, UserAdmin):
    actions = None


class ListsTheResetAdmin(TwoFactorUserAdminMixin, UserAdmin):
    actions = ["reset_two_factor"]


def actions_of(model_admin_class, user, query=""):
    request = RequestFactory().get(f"{USERS}{query}")
    request.user = user
    model_admin = model_admin_class(get_user_model(), admin.site)
    return list(model_admin.get_actions(request))


def test_reset_action_stays_when_the_project_sets_its_own_actions(staff):
    assert actions_of(CustomActionsAdmin, staff) == [
        "delete_selected",
        "do_nothing",
        "reset_two_factor",
    ]
    assert actions_of(ListsTheResetAdmin, staff) == ["delete_selected", "reset_two_factor"]


def test_no_actions_and_popups_are_respected(staff):
    assert actions_of(NoActionsAdmin, staff) == []
    assert actions_of(CustomActionsAdmin, staff, "?_popup=1") == []


def test_reset_action_of_a_subclass_with_its_own_actions_works(enabled, staff, rf):
    model_admin = CustomActionsAdmin(get_user_model(), admin.site)
    request = rf.post(USERS, {"post": "yes"})
    request.user = staff
    request.session = {}
    request._messages = default_storage(request)
    action = model_admin.get_actions(request)["reset_two_factor"]
    func = getattr(action, "func", None) or action[0]  # Django 6.1: an Action, before: a tuple
    assert func(model_admin, request, get_user_model().objects.filter(pk=enabled.user.pk)) is None
    assert not enabled.refresh().two_factor_enabled


def test_add_page_has_no_two_factor_section(staff, client):
    page = client.get("/admin/accounts/user/add/")
    assert page.status_code == 200
    assert "Two-factor authentication" not in page.content.decode()
