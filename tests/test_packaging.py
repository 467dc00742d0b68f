"""What the installed distribution holds.

Under tox the suite runs against the built wheel (``TWOFACTOR_TEST_INSTALLED``
is set there); these tests then prove that it is the wheel being imported and
that the files a project needs at run time came with it.
"""

from __future__ import annotations

import os
from importlib.metadata import distribution
from pathlib import Path

import pytest

import django_twofactor

PACKAGE = Path(django_twofactor.__file__).parent
installed = pytest.mark.skipif(
    not os.environ.get("TWOFACTOR_TEST_INSTALLED"),
    reason="runs under tox, against the installed wheel",
)


@installed
def test_the_package_comes_from_the_installed_wheel():
    assert "site-packages" in PACKAGE.parts


@installed
def test_the_wheel_has_what_the_app_needs_at_run_time():
    assert (PACKAGE / "py.typed").is_file()
    assert (PACKAGE / "migrations" / "0001_initial.py").is_file()
    for language in ("de", "fr", "pl"):
        assert (PACKAGE / "locale" / language / "LC_MESSAGES" / "django.mo").is_file()


def test_version_matches_the_distribution():
    assert django_twofactor.__version__ == distribution("django-twofactor").version
