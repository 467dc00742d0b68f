"""Each system check fires on the misconfiguration it names, with a hint."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.admin import AdminSite
from django.core.checks import Error, Warning
from django.test import override_settings
from django.urls import path

from django_twofactor import checks


def ids(messages) -> list[str]:
    assert all(m.hint for m in messages), "every message carries a hint"
    return [m.id for m in messages]


def test_the_example_settings_pass_every_check():
    assert checks.check_settings(None) == []
    assert checks.check_user_model(None) == []
    assert checks.check_rest_framework(None) == []


@pytest.mark.parametrize(
    ("key", "value", "check_id"),
    [
        ("ISSUER_NAME", "", "django_twofactor.E003"),
        ("ISSUER_NAME", "Acme: Inc", "django_twofactor.E003"),
        ("DIGITS", 5, "django_twofactor.E004"),
        ("DIGITS", "6", "django_twofactor.E004"),
        ("DIGITS", True, "django_twofactor.E004"),
        ("PERIOD", 0, "django_twofactor.E005"),
        ("ALGORITHM", "MD5", "django_twofactor.E006"),
        ("VALID_WINDOW", -1, "django_twofactor.E007"),
        ("PENDING_TOKEN_LIFETIME", 300, "django_twofactor.E008"),
        ("PENDING_TOKEN_LIFETIME", timedelta(0), "django_twofactor.E008"),
        ("CLAIM", "exp", "django_twofactor.E009"),
        ("MAX_FAILED_ATTEMPTS", 0, "django_twofactor.E010"),
        ("LOCKOUT_BASE_DELAY", 60, "django_twofactor.E011"),
        ("LOCKOUT_MAX_DELAY", timedelta(seconds=-1), "django_twofactor.E012"),
        ("RECOVERY_CODES_COUNT", 0, "django_twofactor.E013"),
        ("ENCRYPTION_KEYS", [], "django_twofactor.E014"),
        ("ENCRYPTION_KEYS", ["short"], "django_twofactor.E014"),
        ("ENCRYPTION_KEYS", "a-single-string-is-not-a-list-of-keys", "django_twofactor.E014"),
        ("CLAIM", "2fa_state", "django_twofactor.E009"),
        ("FAILURE_LIMIT", 0, "django_twofactor.E017"),
        ("FAILURE_LIMIT", "100", "django_twofactor.E017"),
        ("WEBAUTHN_RP_ID", "https://example.com", "django_twofactor.E021"),
        ("WEBAUTHN_RP_ID", "example.com:443", "django_twofactor.E021"),
        ("WEBAUTHN_RP_ID", "Example.com", "django_twofactor.E021"),
        ("WEBAUTHN_RP_ID", "127.0.0.1", "django_twofactor.E021"),
        ("WEBAUTHN_RP_ID", "", "django_twofactor.E021"),
        ("WEBAUTHN_RP_ID", "a..b", "django_twofactor.E021"),
        ("WEBAUTHN_RP_NAME", " ", "django_twofactor.E022"),
        ("WEBAUTHN_ORIGINS", "https://example.com", "django_twofactor.E023"),
        ("WEBAUTHN_ORIGINS", [], "django_twofactor.E023"),
        ("WEBAUTHN_ORIGINS", ["http://example.com"], "django_twofactor.E023"),
        ("WEBAUTHN_ORIGINS", ["https://example.com/login"], "django_twofactor.E023"),
        ("WEBAUTHN_ORIGINS", ["example.com"], "django_twofactor.E023"),
        ("WEBAUTHN_ORIGINS", ["https://example.com:99999"], "django_twofactor.E023"),
        ("NOTIFY", "yes", "django_twofactor.E025"),
        ("NOTIFY_LANGUAGE", "no.such.callable", "django_twofactor.E026"),
        ("NOTIFY_LANGUAGE", "django.conf.settings", "django_twofactor.E026"),
        ("TRUSTED_DEVICE_LIFETIME", 30, "django_twofactor.E027"),
        ("TRUSTED_DEVICE_LIFETIME", timedelta(0), "django_twofactor.E027"),
    ],
)
def test_bad_values_are_errors(key, value, check_id):
    with override_settings(TWO_FACTOR={key: value}):
        messages = checks.check_settings(None)
    assert ids(messages) == [check_id]
    assert isinstance(messages[0], Error)
    assert key in messages[0].msg


def test_good_non_default_values_pass():
    good = {
        "DIGITS": 8,
        "ALGORITHM": "sha256",
        "PERIOD": 60,
        "VALID_WINDOW": 0,
        "ENCRYPTION_KEYS": ["k" * 32, "j" * 40],
    }
    with override_settings(TWO_FACTOR=good):
        assert checks.check_settings(None) == []


def test_webauthn_settings_that_fit_together_pass():
    good = {
        "WEBAUTHN_RP_ID": "example.com",
        "WEBAUTHN_RP_NAME": "Example",
        "WEBAUTHN_ORIGINS": ["https://example.com", "https://app.example.com:8443"],
    }
    with override_settings(TWO_FACTOR=good):
        assert checks.check_settings(None) == []


def test_an_origin_outside_the_rp_id_is_an_error():
    bad = {"WEBAUTHN_RP_ID": "example.com", "WEBAUTHN_ORIGINS": ["https://example.org"]}
    with override_settings(TWO_FACTOR=bad):
        messages = checks.check_settings(None)
    assert ids(messages) == ["django_twofactor.E024"]
    assert "https://example.org" in messages[0].msg


def test_settings_not_a_dict():
    with override_settings(TWO_FACTOR=["DIGITS", 6]):
        assert ids(checks.check_settings(None)) == ["django_twofactor.E002"]


def test_cap_shorter_than_first_delay():
    config = {"LOCKOUT_BASE_DELAY": timedelta(hours=2), "LOCKOUT_MAX_DELAY": timedelta(hours=1)}
    with override_settings(TWO_FACTOR=config):
        assert ids(checks.check_settings(None)) == ["django_twofactor.E015"]


def test_unknown_keys_are_a_warning():
    with override_settings(TWO_FACTOR={"DIGIT": 6}):
        messages = checks.check_settings(None)
    assert ids(messages) == ["django_twofactor.W003"]
    assert isinstance(messages[0], Warning)


def test_user_model_without_the_mixin():
    with override_settings(AUTH_USER_MODEL="auth.User"):
        assert ids(checks.check_user_model(None)) == ["django_twofactor.E001"]


def rest_framework(**overrides):
    from django.conf import settings

    return override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, **overrides})


def test_untyped_token_accepting_pending_tokens_is_an_error():
    with override_settings(
        SIMPLE_JWT={"AUTH_TOKEN_CLASSES": ["rest_framework_simplejwt.tokens.UntypedToken"]}
    ):
        assert "django_twofactor.E016" in ids(checks.check_rest_framework(None))


def test_missing_jwt_authentication_is_a_warning():
    with rest_framework(
        DEFAULT_AUTHENTICATION_CLASSES=["rest_framework.authentication.SessionAuthentication"]
    ):
        assert ids(checks.check_rest_framework(None)) == ["django_twofactor.W001"]


def test_no_default_two_factor_permission_is_a_warning():
    with rest_framework(DEFAULT_PERMISSION_CLASSES=["rest_framework.permissions.IsAuthenticated"]):
        assert ids(checks.check_rest_framework(None)) == ["django_twofactor.W002"]


def test_plain_simplejwt_authentication_is_a_warning():
    with rest_framework(
        DEFAULT_AUTHENTICATION_CLASSES=["rest_framework_simplejwt.authentication.JWTAuthentication"]
    ):
        assert ids(checks.check_rest_framework(None)) == ["django_twofactor.W004"]


def test_scoped_throttle_without_the_login_rate_is_an_error():
    with rest_framework(DEFAULT_THROTTLE_RATES={"other": "1/minute"}):
        messages = checks.check_rest_framework(None)
    assert ids(messages) == ["django_twofactor.E018"]
    assert "twofactor_login" in messages[0].hint


def test_no_throttle_at_all_is_no_error():
    with rest_framework(DEFAULT_THROTTLE_CLASSES=[], DEFAULT_THROTTLE_RATES={}):
        assert ids(checks.check_rest_framework(None)) == []


def test_the_protected_admin_passes_its_check():
    assert checks.check_admin_login(None) == []


unprotected = AdminSite(name="admin")
urlpatterns = [path("admin/", unprotected.urls)]


def test_an_unprotected_admin_login_is_a_warning():
    """A project that mounts an admin site without ``protect``."""
    with override_settings(ROOT_URLCONF=__name__):
        messages = checks.check_admin_login(None)
    assert ids(messages) == ["django_twofactor.W005"]
    assert "protect(admin.site)" in messages[0].hint


def test_no_admin_urls_or_no_admin_app_is_no_warning(monkeypatch):
    with override_settings(ROOT_URLCONF="django_twofactor.urls"):
        assert checks.check_admin_login(None) == []
    monkeypatch.setattr(checks.apps, "is_installed", lambda name: False)
    with override_settings(ROOT_URLCONF=__name__):
        assert checks.check_admin_login(None) == []


def test_on_djangos_own_user_model_the_hint_points_to_the_docs_section():
    with override_settings(AUTH_USER_MODEL="auth.User"):
        (message,) = checks.check_user_model(None)
    assert "custom user model" in message.hint
    assert '"Projects on Django\'s default User"' in message.hint
    url = "https://django-twofactor.readthedocs.io/en/latest/quickstart.html#default-user"
    assert url in message.hint
    page = Path(__file__).resolve().parents[1] / "docs" / "quickstart.rst"
    if page.is_file():  # not staged under tox
        # The URL's page and anchor: the label right above the section's title.
        assert ".. _default-user:\n\nProjects on Django's default User\n=====" in page.read_text()


def test_a_custom_model_without_the_mixin_is_told_to_add_it():
    with override_settings(AUTH_USER_MODEL="contenttypes.ContentType"):  # any non-auth model
        (message,) = checks.check_user_model(None)
    assert message.id == "django_twofactor.E001"
    assert "contenttypes.ContentType" in message.msg
    assert "Add django_twofactor.models.TwoFactorMixin" in message.hint
    assert "auth.User" not in message.hint
