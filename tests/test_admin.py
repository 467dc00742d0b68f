"""The admin shows two-factor state, never the secret, and resets it."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry

from django_twofactor import crypto
from django_twofactor.models import RecoveryCode


@pytest.fixture
def staff(db, client):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    return admin


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


def test_reset_action_clears_state_and_logs_who_did_it(enabled, staff, client):
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [enabled.user.pk, staff.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "reset for 1 user." in response.content.decode()
    user = enabled.refresh()
    assert (user.two_factor_enabled, user.two_factor_secret) == (False, "")
    assert not RecoveryCode.objects.filter(user=user).exists()
    entry = LogEntry.objects.get(object_id=str(user.pk))
    assert entry.user == staff
    assert entry.action_flag == CHANGE
    assert "Reset two-factor" in entry.get_change_message()


def test_add_page_has_no_two_factor_section(staff, client):
    page = client.get("/admin/accounts/user/add/")
    assert page.status_code == 200
    assert "Two-factor authentication" not in page.content.decode()
