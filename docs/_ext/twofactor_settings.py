"""The settings reference, generated from ``django_twofactor.conf`` at build time.

``.. twofactor-setting:: NAME`` renders one setting: a section titled with its
name, its type (the return annotation of ``TwoFactorSettings.NAME``), its
default (``DEFAULTS[NAME]``), the system check that validates it, and the
directive's content, the description, which is the only part written by
hand. ``:setting:`NAME``` links to it.

The build fails (an ``ExtensionError``, warnings as errors or not) when the
docs describe a setting ``conf.py`` does not have, describe one twice, or
leave one of ``DEFAULTS`` undescribed.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

from django_twofactor.checks import _VALUE_IDS as CHECK_IDS
from django_twofactor.conf import DEFAULTS, TwoFactorSettings

UNITS = (("days", 86400), ("hours", 3600), ("minutes", 60), ("seconds", 1))


def python_value(value: Any) -> str:
    """The default as Python a settings module would spell it."""
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        if seconds != value.total_seconds():
            return repr(value)
        unit, size = next((u, s) for u, s in UNITS if seconds % s == 0)
        return f"timedelta({unit}={seconds // size})"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def type_of(name: str) -> str:
    """The property's return annotation, as ``conf.py`` writes it."""
    prop = getattr(TwoFactorSettings, name, None)
    if not isinstance(prop, property) or prop.fget is None:
        raise ExtensionError(f"conf.py: TwoFactorSettings has no property {name}")
    annotation = prop.fget.__annotations__.get("return")
    if annotation is None:
        raise ExtensionError(f"conf.py: TwoFactorSettings.{name} has no return annotation")
    return annotation if isinstance(annotation, str) else annotation.__name__


def described(env: BuildEnvironment) -> dict[str, str]:
    """Setting name -> the document that describes it."""
    if not hasattr(env, "twofactor_settings"):
        env.twofactor_settings = {}  # type: ignore[attr-defined]
    found: dict[str, str] = env.twofactor_settings  # type: ignore[attr-defined]
    return found


class SettingDirective(SphinxDirective):
    required_arguments = 1
    has_content = True

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        where = f"{self.env.docname}:{self.lineno}"
        if name not in DEFAULTS:
            raise ExtensionError(
                f"{where}: the docs describe the setting {name}, which "
                f"django_twofactor.conf.DEFAULTS does not have"
            )
        seen = described(self.env)
        if name in seen:
            raise ExtensionError(f"{where}: the setting {name} is described twice")
        if not "\n".join(self.content).strip():
            raise ExtensionError(f"{where}: the setting {name} has no description")
        seen[name] = self.env.docname
        rule = "-" * (len(name) + 4)
        lines = [
            f".. setting:: {name}",
            "",
            f"``{name}``",
            rule,
            "",
            f":Type: ``{type_of(name)}``",
            f":Default: ``{python_value(DEFAULTS[name])}``",
            f":Checked by: ``{CHECK_IDS[name]}``" if name in CHECK_IDS else "",
            "",
            *self.content,
        ]
        source = self.state.document.current_source or ""
        node = nodes.section()
        node.document = self.state.document
        nested_parse_with_titles(
            self.state, StringList(lines, source=source, parent_offset=self.lineno), node
        )
        return node.children


def purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    seen = described(env)
    for name in [n for n, doc in seen.items() if doc == docname]:
        del seen[name]


def merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    described(env).update(described(other))


def check_complete(app: Sphinx, env: BuildEnvironment) -> None:
    missing = sorted(set(DEFAULTS) - set(described(env)))
    if missing:
        raise ExtensionError(
            "django_twofactor.conf.DEFAULTS has settings the docs do not describe "
            f"(add a `.. twofactor-setting::` for each): {', '.join(missing)}"
        )


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_crossref_type("setting", "setting", indextemplate="pair: %s; setting")
    app.add_directive("twofactor-setting", SettingDirective)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-check-consistency", check_complete)
    return {"version": "1", "parallel_read_safe": True, "env_version": 1}
