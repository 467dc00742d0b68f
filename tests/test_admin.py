"""The admin shows two-factor state, never the secret, and resets it after asking."""

from __future__ import annotations

import base64
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Permission
from django.contrib.messages.storage import default_storage
from django.test import RequestFactory
from django.utils import formats, timezone

from django_twofactor import crypto, services
from django_twofactor.admin import TwoFactorUserAdminMixin
from django_twofactor.admin.trusted_devices import TrustedDeviceInline
from django_twofactor.models import (
    RecoveryCode,
    TrustedDevice,
    WebAuthnChallenge,
    WebAuthnCredential,
)
from django_twofactor.trusted_devices import flows as trusted_devices

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


# Security keys ---------------------------------------------------------------------


def shown(value):
    """A date as the admin's read-only field shows it."""
    return formats.localize(timezone.template_localtime(value))


def test_change_page_lists_security_keys_by_name_and_dates(keyed, staff, client, clock):
    first = WebAuthnCredential.objects.get(pk=keyed.key_id)
    clock.shift(86_400 * 3)
    backup = WebAuthnCredential.objects.create(
        user=keyed.user,
        name="Backup key",
        credential_id="c2Vjb25kLWtleS1pZA",
        credential_id_hash="ab" * 32,
        public_key=b"\xa5\x01\x02second-public-key",
        sign_count=41,
        last_used_at=timezone.now() + timedelta(hours=5),
    )
    response = client.get(f"{USERS}{keyed.user.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Security keys" in page
    assert ">YubiKey<" in page
    assert ">Backup key<" in page
    assert shown(first.created_at) in page
    assert shown(backup.created_at) in page
    assert shown(backup.last_used_at) in page
    assert shown(first.created_at) != shown(backup.created_at) != shown(backup.last_used_at)


def test_change_page_never_shows_a_key_id_or_public_key(keyed, staff, client):
    key = WebAuthnCredential.objects.get(pk=keyed.key_id)
    page = client.get(f"{USERS}{keyed.user.pk}/change/").content.decode()
    public_key = bytes(key.public_key)
    for secretish in (
        key.credential_id,
        keyed.authenticator.credentials[0].id_b64,
        key.credential_id_hash,
        base64.urlsafe_b64encode(public_key).rstrip(b"=").decode(),
        base64.b64encode(public_key).decode(),
        public_key.hex(),
    ):
        assert secretish not in page
    for label in ("credential ID", "public key", "signature counter", "transports", "backed up"):
        assert label not in page.lower().replace("security key", "")


def test_keys_are_read_only_in_the_admin(keyed, staff, client):
    page = client.get(f"{USERS}{keyed.user.pk}/change/").content.decode()
    # inlines.js offers "Add another" only below the maximum, which is none
    assert 'name="two_factor_webauthn_credentials-MAX_NUM_FORMS" value="0"' in page
    assert "two_factor_webauthn_credentials-0-DELETE" not in page
    assert 'name="two_factor_webauthn_credentials-0-name"' not in page  # no input, text only
    assert "two_factor_webauthn_credentials-TOTAL_FORMS" in page
    assert "security key YubiKey of user" not in page  # the name once, in its column


def test_saving_the_user_keeps_the_keys(keyed, staff, client):
    """The change form posts back with the read-only inline; nothing about the keys moves."""
    url = f"{USERS}{keyed.user.pk}/change/"
    data = form_data(client.get(url).content.decode())
    data["first_name"] = "Alice"
    data["two_factor_webauthn_credentials-0-name"] = "Renamed by a forged post"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert get_user_model().objects.get(pk=keyed.user.pk).first_name == "Alice"
    assert list(WebAuthnCredential.objects.values_list("name", flat=True)) == ["YubiKey"]


def test_who_may_view_the_user_sees_the_keys(keyed, client):
    staff_with(client, "view_user")
    page = client.get(f"{USERS}{keyed.user.pk}/change/").content.decode()
    assert ">YubiKey<" in page


def test_add_page_has_no_keys(staff, client):
    assert "Security keys" not in client.get(f"{USERS}add/").content.decode()


def test_reset_action_forgets_the_keys(keyed, staff, client):
    confirmation = reset(client, keyed.user, confirm=False).content.decode()
    assert "<li>alice</li>" in confirmation  # 2FA on with a key only: something to reset
    response = reset(client, keyed.user)
    assert "reset for 1 user." in response.content.decode()
    user = get_user_model().objects.get(pk=keyed.user.pk)
    assert not user.two_factor_enabled
    assert not WebAuthnCredential.objects.filter(user=user).exists()
    assert not WebAuthnChallenge.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert LogEntry.objects.get(object_id=str(user.pk)).user == staff
    page = client.get(f"{USERS}{user.pk}/change/").content.decode()
    assert "YubiKey" not in page


class _Form(HTMLParser):
    """The values a browser would post from the change form (``#user_form``)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.setdefault(name, []).append(a.get("value", "on"))
            else:
                self.data[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_data(page: str) -> dict[str, Any]:
    form = page[page.index('id="user_form"') :]
    parser = _Form()
    parser.feed(form[: form.index("</form>")])
    return parser.data


def test_user_without_keys_is_told_so(enabled, staff, client):
    page = client.get(f"{USERS}{enabled.user.pk}/change/").content.decode()
    assert "Security keys" in page
    assert "No security keys." in page


# Trusted devices -------------------------------------------------------------------

LIFETIME = timedelta(days=30)


@pytest.fixture
def trusting(settings):
    """Trusted devices on, whatever the example project sets."""
    settings.TWO_FACTOR = {**settings.TWO_FACTOR, "TRUSTED_DEVICE_LIFETIME": LIFETIME}


@pytest.fixture
def devices(enabled, trusting, clock):
    """alice's laptop (used since) and phone (trusted three days later, never used)."""
    laptop_token = trusted_devices.trust(enabled.user, "Work laptop")
    clock.shift(86_400 * 3)
    trusted_devices.trust(enabled.user, "Phone")
    clock.shift(3_600 * 5)
    assert trusted_devices.vouching(enabled.user, laptop_token) is not None
    return {"laptop_token": laptop_token}


def test_change_page_lists_trusted_devices_by_name_and_dates(enabled, devices, staff, client):
    laptop, phone = TrustedDevice.objects.filter(user=enabled.user).order_by("created_at")
    response = client.get(f"{USERS}{enabled.user.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Trusted devices" in page
    assert ">Work laptop<" in page
    assert ">Phone<" in page
    for stamp in (laptop.created_at, laptop.last_used_at, laptop.expires_at):
        assert shown(stamp) in page
    assert shown(phone.created_at) in page
    assert shown(phone.expires_at) in page
    dates = {shown(d) for d in (laptop.created_at, laptop.last_used_at, phone.created_at)}
    assert len(dates) == 3
    for label in ("Name", "Created at", "Last used at", "Expires at"):
        assert f">{label}</th>" in page


def test_change_page_never_shows_a_device_token_hash_or_state(enabled, devices, staff, client):
    page = client.get(f"{USERS}{enabled.user.pk}/change/").content.decode()
    laptop = TrustedDevice.objects.get(user=enabled.user, name="Work laptop")
    assert devices["laptop_token"] not in page
    for device in TrustedDevice.objects.filter(user=enabled.user):
        assert device.token_hash not in page
        assert device.state not in page
    for label in ("token hash", "account state", "second factor verified at"):
        assert label not in page.lower()
    assert f"trusted device {laptop.name} of user" not in page  # the name once, in its column


def test_trusted_devices_are_read_only_in_the_admin(enabled, devices, staff, client):
    page = client.get(f"{USERS}{enabled.user.pk}/change/").content.decode()
    # inlines.js offers "Add another" only below the maximum, which is none
    assert 'name="two_factor_trusted_devices-MAX_NUM_FORMS" value="0"' in page
    assert 'name="two_factor_trusted_devices-TOTAL_FORMS" value="2"' in page
    assert "two_factor_trusted_devices-0-DELETE" not in page
    assert "two_factor_trusted_devices-1-DELETE" not in page
    assert 'name="two_factor_trusted_devices-0-name"' not in page  # no input, text only
    assert "/admin/django_twofactor/trusteddevice/" not in page  # no page of their own


def test_not_even_a_superuser_adds_changes_or_deletes_a_device(enabled, devices, staff, rf):
    request = rf.get(f"{USERS}{enabled.user.pk}/change/")
    request.user = staff
    inline = TrustedDeviceInline(get_user_model(), admin.site)
    assert inline.has_view_permission(request, enabled.user)
    assert not inline.has_add_permission(request, enabled.user)
    assert not inline.has_change_permission(request, enabled.user)
    assert not inline.has_delete_permission(request, enabled.user)
    assert not inline.get_formset(request, enabled.user).can_delete


def test_saving_the_user_keeps_the_trusted_devices(enabled, devices, staff, client):
    url = f"{USERS}{enabled.user.pk}/change/"
    data = form_data(client.get(url).content.decode())
    data["first_name"] = "Alice"
    data["two_factor_trusted_devices-0-name"] = "Renamed by a forged post"
    data["two_factor_trusted_devices-0-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert get_user_model().objects.get(pk=enabled.user.pk).first_name == "Alice"
    names = TrustedDevice.objects.filter(user=enabled.user).values_list("name", flat=True)
    assert sorted(names) == ["Phone", "Work laptop"]


def test_who_may_view_the_user_sees_the_trusted_devices(enabled, devices, client):
    staff_with(client, "view_user")
    page = client.get(f"{USERS}{enabled.user.pk}/change/").content.decode()
    assert "Trusted devices" in page
    assert ">Work laptop<" in page
    assert ">Phone<" in page
    assert "two_factor_trusted_devices-0-DELETE" not in page


def test_expired_devices_are_not_listed(enabled, devices, staff, client, clock):
    clock.shift(LIFETIME.total_seconds() - 86_400)  # the laptop's 30 days are over
    client.force_login(staff)  # the admin's session lasts two weeks
    page = client.get(f"{USERS}{enabled.user.pk}/change/").content.decode()
    assert ">Work laptop<" not in page
    assert ">Phone<" in page
    clock.shift(86_400 * 3)
    page = client.get(f"{USERS}{enabled.user.pk}/change/").content.decode()
    assert "No trusted devices." in page


def test_user_without_trusted_devices_is_told_so(enabled, staff, client):
    page = client.get(f"{USERS}{enabled.user.pk}/change/").content.decode()
    assert "Trusted devices" in page
    assert "No trusted devices." in page


def test_add_page_has_no_trusted_devices(staff, client):
    assert "Trusted devices" not in client.get(f"{USERS}add/").content.decode()


def test_reset_action_forgets_the_trusted_devices(enabled, devices, staff, client):
    assert TrustedDevice.objects.filter(user=enabled.user).count() == 2
    response = reset(client, enabled.user)
    assert "reset for 1 user." in response.content.decode()
    user = get_user_model().objects.get(pk=enabled.user.pk)
    assert not user.two_factor_enabled
    assert not TrustedDevice.objects.filter(user=user).exists()
    assert trusted_devices.vouching(user, devices["laptop_token"]) is None
    assert LogEntry.objects.get(object_id=str(user.pk)).user == staff
    page = client.get(f"{USERS}{user.pk}/change/").content.decode()
    assert "Work laptop" not in page
    assert "No trusted devices." in page
