"""The code blocks of the docs and the README say what is true.

Every page of ``docs/`` and README.rst is read with ``tests/docs_blocks.py``:

- every Python block compiles, and its imports of the package, Django and
  DRF name modules and objects that exist;
- every settings example (a block that sets ``TWO_FACTOR`` or
  ``REST_FRAMEWORK``) runs, each dotted path it names imports, and the
  package's system checks find nothing wrong with it;
- every JSON block parses, and so does every JSON body a ``curl`` sends
  (``-d '…'``) and every JSON line a console block shows as an answer;
- every JavaScript block passes ``node --check`` (where Node is installed);
- every code block is in a language these tests know;
- the statuses each endpoint lists on ``docs/endpoints.rst`` are exactly
  those of the OpenAPI schema.

The quick start and the README's example also run as written
(``tests/test_quickstart.py``), and the curl responses of the flow are
regenerated and compared (``tests/test_docs_responses.py``).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import itertools
import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.conf import settings
from django.core.checks import Error, Warning
from django.test import Client, override_settings
from django.utils.module_loading import import_string

from django_twofactor import checks
from django_twofactor.methods import webauthn
from tests.docs_blocks import DOCS, Block, all_blocks, pages, parse

pytestmark = pytest.mark.skipif(
    not DOCS.is_dir(), reason="docs/ is not beside the tests (tox stages tests only)"
)

LANGUAGES = {"python", "console", "json", "javascript", "text"}
# Imports resolved for real; a project's own modules (accounts, myproject) are not.
CHECKED_PACKAGES = ("django_twofactor", "django", "rest_framework", "rest_framework_simplejwt")
SETTINGS = ("TWO_FACTOR", "REST_FRAMEWORK")


def every_block() -> list[Block]:
    return [block for page in pages() if page.is_file() for block in all_blocks(page)]


def of(language: str) -> list[Any]:
    return [pytest.param(b, id=b.where) for b in every_block() if b.language == language]


# -- the checks, each usable on a block that is not on a page (see the last tests)


def exists(module: ModuleType, name: str) -> bool:
    """An attribute of the module, or a submodule of the package."""
    if hasattr(module, name):
        return True
    return hasattr(module, "__path__") and (
        importlib.util.find_spec(f"{module.__name__}.{name}") is not None
    )


def check_python(block: Block) -> None:
    tree = ast.parse(block.text, filename=block.where)  # SyntaxError: the block is broken
    compile(tree, block.where, "exec")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in CHECKED_PACKAGES:
                module = importlib.import_module(node.module)
                for alias in node.names:
                    assert alias.name == "*" or exists(module, alias.name), (
                        f"{block.where}: {node.module} has no {alias.name}"
                    )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in CHECKED_PACKAGES:
                    importlib.import_module(alias.name)


def is_settings_example(block: Block) -> bool:
    tree = ast.parse(block.text)
    return any(
        isinstance(target, ast.Name) and target.id in SETTINGS
        for node in ast.walk(tree)
        if isinstance(node, (ast.Assign, ast.AugAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
    )


@contextmanager
def as_module(block: Block, namespace: dict[str, Any]) -> Iterator[None]:
    """A block whose first line names its file (``# myproject/notifications.py``)
    is that module while its settings are checked, so its dotted paths import."""
    first = block.text.splitlines()[0]
    match = re.fullmatch(r"# (?P<path>[\w/]+)\.py(?: \(\w+\))?", first)
    names: list[str] = []
    if match and not match["path"].endswith("settings"):
        parts = match["path"].split("/")
        for i in range(1, len(parts) + 1):
            name = ".".join(parts[:i])
            if name in sys.modules:
                continue
            module = ModuleType(name)
            if i < len(parts):
                module.__path__ = []
            else:
                module.__dict__.update(namespace)
            sys.modules[name] = module
            names.append(name)
    try:
        yield
    finally:
        for name in names:
            del sys.modules[name]


def dotted_paths(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value.split(".")[0] in CHECKED_PACKAGES and "." in value:
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from dotted_paths(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from dotted_paths(item)


def check_settings_example(block: Block) -> None:
    namespace: dict[str, Any] = {"INSTALLED_APPS": []}  # "+=" appends to startproject's
    exec(compile(block.text, block.where, "exec"), namespace)  # noqa: S102 (the docs' own code)
    for name in ("INSTALLED_APPS", *SETTINGS):
        for path in dotted_paths(namespace.get(name)):
            if name == "INSTALLED_APPS":
                assert importlib.util.find_spec(path), f"{block.where}: no app {path}"
            else:
                import_string(path)  # ImportError: a class or function the docs invent
    # An example names the keys it changes: REST_FRAMEWORK's go on top of the
    # project's; TWO_FACTOR's are checked alone (the checks fill in defaults).
    overrides = {name: namespace[name] for name in SETTINGS if name in namespace}
    if "REST_FRAMEWORK" in overrides:
        overrides["REST_FRAMEWORK"] = {**settings.REST_FRAMEWORK, **overrides["REST_FRAMEWORK"]}
    with as_module(block, namespace), override_settings(**overrides):
        found = [
            message
            for check in (checks.check_settings, checks.check_rest_framework)
            for message in check(None)
            if isinstance(message, (Error, Warning))
        ]
    assert not found, f"{block.where}: the system checks report {found}"


def check_json(block: Block) -> None:
    json.loads(block.text)


def console_json(block: Block) -> Iterator[str]:
    """The JSON a console block sends with ``-d '…'`` and the JSON lines it shows."""
    for command in block.commands:
        words = shlex.split(command.line, comments=True)
        for flag, value in itertools.pairwise(words):
            if flag == "-d" and "$" not in value:  # with a variable it is bash's to expand
                yield value
        for line in command.output:
            if line[:1] in "{[":
                yield line


def check_console(block: Block) -> None:
    for text in console_json(block):
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"{block.where}: not JSON: {text}") from exc


def check_javascript(block: Block, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = tmp_path / "block.mjs"  # a module: await at the top level is allowed
    script.write_text(block.text, encoding="utf-8")
    done = subprocess.run([node, "--check", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, f"{block.where}:\n{done.stderr}"


# -- every block of the pages


def test_every_block_is_in_a_language_these_tests_know():
    unknown = [b.where for b in every_block() if b.language not in LANGUAGES]
    assert not unknown, f"code blocks in a language test_docs.py does not check: {unknown}"


def test_the_pages_have_blocks_of_each_kind():
    """A parser that found nothing would pass every test below."""
    languages = {b.language for b in every_block()}
    assert languages >= {"python", "console", "json", "javascript"}
    assert sum(is_settings_example(b) for b in every_block() if b.language == "python") >= 4


@pytest.mark.parametrize("block", of("python"))
def test_python_blocks_compile_and_import(block):
    check_python(block)


@pytest.mark.parametrize("block", [b for b in of("python") if is_settings_example(b.values[0])])
def test_settings_examples_run_and_pass_the_checks(block):
    check_settings_example(block)


@pytest.mark.parametrize("block", of("json"))
def test_json_blocks_parse(block):
    check_json(block)


@pytest.mark.parametrize("block", of("console"))
def test_console_json_parses(block):
    check_console(block)


@pytest.mark.parametrize("block", of("javascript"))
def test_javascript_blocks_parse(block, tmp_path):
    check_javascript(block, tmp_path)


# -- the endpoints page against the schema

ENDPOINT = re.compile(r"``(?P<method>GET|POST|PATCH|DELETE) (?P<path>[\w/<>.-]+)``")
STATUSES = re.compile(r"^:Statuses: (?P<codes>[\d, ]+)$")


def documented_statuses(page: str) -> dict[tuple[str, str], set[str]]:
    """``(method, path)`` -> statuses, from each endpoint's section of the page.

    A section's title names its endpoints (one, or several that answer alike);
    its ``:Statuses:`` field lists what they answer.
    """
    lines = page.splitlines()
    found: dict[tuple[str, str], set[str]] = {}
    current: list[tuple[str, str]] = []
    for i, line in enumerate(lines):
        below = lines[i + 1] if i + 1 < len(lines) else ""
        if below and set(below) <= {"-", "="} and len(below) >= len(line) > 0:
            current = [
                (match["method"].lower(), "/api/auth/" + re.sub(r"<(\w+)>", r"{\1}", match["path"]))
                for match in ENDPOINT.finditer(line)
            ]
            for operation in current:
                assert operation not in found, f"{line}: {operation} twice"
                found[operation] = set()
        elif (match := STATUSES.match(line)) and current:
            for operation in current:
                assert not found[operation], f"{operation}: two :Statuses: fields"
                found[operation] = {code.strip() for code in match["codes"].split(",")}
    return found


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    pytest.importorskip("drf_spectacular", reason="the openapi extra is not installed")
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200, response.content
    result: dict[str, Any] = json.loads(response.content)
    return result


def compare_statuses(page: str, schema: dict[str, Any]) -> None:
    documented = documented_statuses(page)
    assert all(documented.values()), [op for op, codes in documented.items() if not codes]
    in_schema = {
        (method, path): set(operation["responses"])
        for path, operations in schema["paths"].items()
        if path.startswith("/api/auth/")
        for method, operation in operations.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }
    missing = sorted(set(in_schema) - set(documented))
    assert not missing, f"endpoints of the schema that docs/endpoints.rst lacks: {missing}"
    extra = set(documented) - set(in_schema)
    if webauthn.available():
        assert not extra, f"docs/endpoints.rst documents what the schema lacks: {extra}"
    else:  # without the extra, its endpoints are not routed
        assert all("/webauthn/" in path for _, path in extra), extra
    wrong = {
        f"{method.upper()} {path}": {
            "docs": sorted(documented[method, path]),
            "schema": sorted(codes),
        }
        for (method, path), codes in in_schema.items()
        if documented[method, path] != codes
    }
    assert not wrong, f"docs/endpoints.rst's statuses differ from the schema's: {wrong}"


def test_every_endpoint_lists_the_statuses_of_the_schema(schema):
    compare_statuses((DOCS / "endpoints.rst").read_text(encoding="utf-8"), schema)


# -- the checks fail on broken blocks (the tests above would pass on any text otherwise)

BROKEN = """
.. code-block:: python

   from django_twofactor.permissions import IsTwoFactorAuthenticated, IsTwoFactorAuthentic

.. code-block:: python

   def broken(:
       pass

.. code-block:: python

   TWO_FACTOR = {"DIGITS": 9}

.. code-block:: python

   REST_FRAMEWORK = {
       "DEFAULT_PERMISSION_CLASSES": ["django_twofactor.permissions.IsTwoFactorAuthentic"],
   }

.. code-block:: json

   {"detail": "…", "code": "x",}

.. code-block:: console

   $ curl -s -X POST http://127.0.0.1:8000/api/auth/login/ -d '{"username": "demo",}'
   {"two_factor_required":false}

.. code-block:: console

   $ curl -s http://127.0.0.1:8000/api/me/
   {"detail":"Authentication credentials were not provided."

.. code-block:: javascript

   const x = await post("2fa/authenticate/", {credential: asserted.toJSON()};
"""


@pytest.fixture
def broken() -> list[Block]:
    return parse(BROKEN.splitlines(), "broken.rst")


def test_a_misspelt_import_fails(broken):
    with pytest.raises(AssertionError, match="has no IsTwoFactorAuthentic"):
        check_python(broken[0])


def test_python_that_does_not_compile_fails(broken):
    with pytest.raises(SyntaxError):
        check_python(broken[1])


def test_a_setting_the_checks_refuse_fails(broken):
    assert is_settings_example(broken[2])
    with pytest.raises(AssertionError, match="E004"):
        check_settings_example(broken[2])


def test_a_dotted_path_that_does_not_import_fails(broken):
    with pytest.raises(ImportError):
        check_settings_example(broken[3])


def test_bad_json_fails(broken):
    with pytest.raises(json.JSONDecodeError):
        check_json(broken[4])


def test_a_bad_curl_body_or_answer_fails(broken):
    for block in broken[5:7]:
        with pytest.raises(AssertionError, match="not JSON"):
            check_console(block)


def test_javascript_that_does_not_parse_fails(broken, tmp_path):
    with pytest.raises(AssertionError, match="SyntaxError"):
        check_javascript(broken[7], tmp_path)


def test_a_status_the_schema_lacks_or_an_endpoint_left_out_fails(schema):
    page = (DOCS / "endpoints.rst").read_text(encoding="utf-8")
    changed = page.replace(":Statuses: 200, 401, 403, 406\n", ":Statuses: 200, 401, 406\n", 1)
    assert changed != page
    with pytest.raises(AssertionError, match="differ from the schema"):
        compare_statuses(changed, schema)
    without_logout = page.replace("``POST logout/``", "``POST loggout``")  # same length
    with pytest.raises(AssertionError, match="lacks"):
        compare_statuses(without_logout, schema)
