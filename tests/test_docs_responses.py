"""The docs' "The flow, with curl" shows what the example project answers today.

``.ci/docs_responses.py`` runs the section's flow and rewrites its blocks in
``docs/quickstart.rst``; these tests run the same flow here, on the suite's
database, and fail when the page differs. The fix is ``make docs-responses``.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / ".ci" / "docs_responses.py"
PAGE = ROOT / "docs" / "quickstart.rst"
FIX = (
    "docs/quickstart.rst's example responses drifted: run `make docs-responses` "
    "and review the diff."
)

pytestmark = pytest.mark.skipif(
    not (SCRIPT.exists() and PAGE.exists()),
    reason="docs/ and .ci/ are not staged here (tox runs the suite without them)",
)


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_responses", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


_RUNS: dict[str, Any] = {}


@pytest.fixture
def console(script, db) -> Any:
    """The flow, run once for the module (in the first test's transaction)."""
    if "console" not in _RUNS:
        _RUNS["console"] = script.run()
    return _RUNS["console"]


def test_the_page_shows_what_the_example_answers(script, console):
    text = PAGE.read_text(encoding="utf-8")
    regenerated = script.rewrite(text, console.blocks)
    if regenerated != text:
        diff = difflib.unified_diff(
            text.splitlines(keepends=True),
            regenerated.splitlines(keepends=True),
            "docs/quickstart.rst",
            "what the example answers",
        )
        pytest.fail(f"{FIX}\n{''.join(diff)}", pytrace=False)


def test_every_block_of_the_section_is_generated(script):
    """A console block without a marker would never be checked."""
    lines = PAGE.read_text(encoding="utf-8").split("\n")
    start, end = script.section_bounds(lines)
    section = lines[start:end]
    blocks = [i for i, line in enumerate(section) if line.startswith(".. code-block::")]
    unmarked = [
        section[i + 3]
        for i in blocks
        if not any(script.MARKER.match(line) for line in section[max(0, i - 2) : i])
    ]
    assert not unmarked, f"code blocks without a `.. response:` marker: {unmarked}"
    assert not [
        line for line in section if line.rstrip().endswith("::") and "code-block" not in line
    ]


@pytest.mark.skipif(not shutil.which("file"), reason="`file` is not installed")
def test_png_line_is_what_file_says(script, console, tmp_path):
    png = tmp_path / "qr.png"
    png.write_bytes(console.files["qr.png"])
    said = subprocess.run(["file", "-b", str(png)], capture_output=True, text=True, check=True)
    assert said.stdout.strip() == script.png_description(console.files["qr.png"])


def test_shell_words_send_the_json_shown(script):
    """A ``-d`` word with a variable, as bash expands it, is the body the script sent."""
    body = {"refresh": script.Var("REFRESH", "eyJ.a-b.c_d"), "everywhere": True}
    word = script.shell_json(body).removeprefix("-d ")
    said = subprocess.run(
        ["bash", "-c", f"printf %s {word}"],
        env={"REFRESH": "eyJ.a-b.c_d"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(said.stdout) == {"refresh": "eyJ.a-b.c_d", "everywhere": True}
    plain = script.shell_json({"code": "123 456"}).removeprefix("-d ")
    said = subprocess.run(
        ["bash", "-c", f"printf %s {plain}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(said.stdout) == {"code": "123 456"}


def test_rewrite_refuses_a_marker_it_does_not_know(script, console):
    text = PAGE.read_text(encoding="utf-8")
    broken = text.replace(".. response: logout\n", ".. response: log-out\n")
    with pytest.raises(ValueError, match="log-out"):
        script.rewrite(broken, console.blocks)


def test_the_script_checks_the_example_as_make_demo_runs_it():
    """The script itself, on the example's own settings (``DEBUG`` on, its key)."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{FIX}\n{done.stdout}{done.stderr}"
