"""Sphinx configuration of the documentation site (``make docs``; Read the Docs)."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import django
from django.conf import settings

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE / "_ext"), str(HERE.parent)]

# The settings reference imports django_twofactor.conf and .checks (for each
# setting's check id), which read Django's and SimpleJWT's settings and the
# package's models: the least that lets them import.
if not settings.configured:
    settings.configure(
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "rest_framework",
            "django_twofactor",
        ],
        SECRET_KEY="the docs build imports settings only",  # noqa: S106
        USE_TZ=True,
    )
    django.setup()

project = "django-twofactor"
author = "django-twofactor developers"
copyright = "django-twofactor developers"
try:
    release = metadata.version("django-twofactor")
except metadata.PackageNotFoundError:  # built from a checkout that is not installed
    release = ""

extensions = ["twofactor_settings"]

root_doc = "index"
exclude_patterns = ["_build"]
nitpicky = True
highlight_language = "none"
pygments_style = "sphinx"

html_theme = "furo"
html_title = "django-twofactor"
html_show_sourcelink = False
