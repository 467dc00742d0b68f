"""``django_twofactor.conf``: documented defaults, read at access time."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings

from django_twofactor.conf import DEFAULTS, twofactor_settings

SETTINGS_PAGE = Path(__file__).resolve().parents[1] / "docs" / "settings.rst"

# The defaults, pinned: the docs' settings reference renders DEFAULTS as it is
# (docs/_ext/twofactor_settings.py), so a changed default must change here too.
DOCUMENTED = {
    "ISSUER_NAME": "My Site",
    "DIGITS": 6,
    "PERIOD": 30,
    "ALGORITHM": "SHA1",
    "VALID_WINDOW": 1,
    "PENDING_TOKEN_LIFETIME": timedelta(minutes=5),
    "CLAIM": "amr",
    "MAX_FAILED_ATTEMPTS": 5,
    "LOCKOUT_BASE_DELAY": timedelta(minutes=1),
    "LOCKOUT_MAX_DELAY": timedelta(hours=1),
    "FAILURE_LIMIT": 100,
    "RECOVERY_CODES_COUNT": 10,
    "ENCRYPTION_KEYS": None,
    "RECENT_AUTHENTICATION": timedelta(minutes=5),
    "REQUIRED": None,
    "WEBAUTHN_RP_ID": None,
    "WEBAUTHN_RP_NAME": None,
    "WEBAUTHN_ORIGINS": None,
    "NOTIFY": True,
    "NOTIFY_LANGUAGE": None,
    "TRUSTED_DEVICE_LIFETIME": None,
}


def test_defaults_table_is_the_documented_one():
    assert DEFAULTS == DOCUMENTED


@pytest.mark.skipif(not SETTINGS_PAGE.is_file(), reason="docs/ is not staged here (tox)")
def test_the_docs_describe_every_setting_once_and_no_other():
    """What the docs build also refuses, without needing Sphinx."""
    described = re.findall(
        r"^\.\. twofactor-setting:: (\w+)$", SETTINGS_PAGE.read_text(encoding="utf-8"), re.M
    )
    assert len(described) == len(set(described)), "a setting described twice"
    assert set(described) == set(DEFAULTS)


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_every_default_with_empty_dict(name):
    with override_settings(TWO_FACTOR={}):
        assert getattr(twofactor_settings, name) == DOCUMENTED[name]


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_every_default_without_the_setting(settings, name):
    """A project that never defines TWO_FACTOR still gets every default."""
    del settings.TWO_FACTOR
    assert getattr(twofactor_settings, name) == DOCUMENTED[name]


def test_none_setting_means_defaults(settings):
    settings.TWO_FACTOR = None
    assert twofactor_settings.DIGITS == 6


OVERRIDES = {
    "ISSUER_NAME": "Acme",
    "DIGITS": 8,
    "PERIOD": 60,
    "ALGORITHM": "SHA256",
    "VALID_WINDOW": 2,
    "PENDING_TOKEN_LIFETIME": timedelta(minutes=2),
    "CLAIM": "methods",
    "MAX_FAILED_ATTEMPTS": 3,
    "LOCKOUT_BASE_DELAY": timedelta(seconds=10),
    "LOCKOUT_MAX_DELAY": timedelta(minutes=5),
    "FAILURE_LIMIT": 20,
    "RECOVERY_CODES_COUNT": 16,
    "ENCRYPTION_KEYS": ["k1", "k2"],
    "RECENT_AUTHENTICATION": timedelta(minutes=1),
    "REQUIRED": "staff",
}


@pytest.mark.parametrize("name", sorted(OVERRIDES))
def test_override_takes_effect_at_access_time(name):
    """The module-level object was built at import; overrides must still show through it."""
    before = getattr(twofactor_settings, name)
    with override_settings(TWO_FACTOR={name: OVERRIDES[name]}):
        assert getattr(twofactor_settings, name) == OVERRIDES[name]
        others = set(DOCUMENTED) - {name, "ISSUER_NAME"}
        for other in others:  # a partial dict keeps the other defaults
            assert getattr(twofactor_settings, other) == DOCUMENTED[other]
    assert getattr(twofactor_settings, name) == before


def test_project_settings_are_read():
    """The example project sets its issuer; that value, not the default, is served."""
    assert twofactor_settings.ISSUER_NAME == "django-twofactor demo"


def test_settings_fixture_changes_are_seen(settings):
    settings.TWO_FACTOR = {"DIGITS": 7}
    assert twofactor_settings.DIGITS == 7
    settings.TWO_FACTOR = {"DIGITS": 8}
    assert twofactor_settings.DIGITS == 8


def test_algorithm_is_upper_cased():
    with override_settings(TWO_FACTOR={"ALGORITHM": "sha512"}):
        assert twofactor_settings.ALGORITHM == "SHA512"
