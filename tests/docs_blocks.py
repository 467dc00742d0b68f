"""The code blocks of the docs (``docs/*.rst``) and the README, for the tests that read them.

The convention the pages keep, so that a test can run what they say:

- A section is the text under a title, up to the next title of any level
  (its subsections are not part of it).
- ``.. code-block:: console``: every line starting with ``$ `` is a command
  (a trailing backslash continues it on the next line). The lines after a
  command, up to the next one, are output: each must appear in what the
  command prints.
- ``.. code-block:: python``: the first line may say where the code goes:

  ``# <path> (replace)``
      the whole new content of the file (the comment line stays in it);
  ``# <path> (append)``
      added to the end of the file;
  ``# python manage.py shell``
      run by ``python manage.py shell`` (fed on its standard input).

  Paths are relative to the project's directory (the one with
  ``manage.py``). A Python block without such a line is an illustration:
  ``tests/test_docs.py`` compiles it and resolves its imports, and runs it if
  it is a settings example.
- A paragraph starting with ``**N.`` opens step N; every block after it
  belongs to that step (``Block.step``; 0 before the first step).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.rst"
QUICKSTART = DOCS / "quickstart.rst"

_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+])\1{2,}$")
_DIRECTIVE = re.compile(r"^(?P<indent> *)\.\. code-block:: (?P<language>\w+)\s*$")
_STEP = re.compile(r"^\*\*(\d+)\.")
_TARGET = re.compile(
    r"^# (?:(?P<path>\S+) \((?P<mode>replace|append)\)|(?P<shell>python manage\.py shell))$"
)


@dataclass
class Command:
    """One ``$`` command of a console block and the output the page shows for it."""

    line: str
    output: list[str] = field(default_factory=list)


@dataclass
class Block:
    language: str  # "console", "python", "json", ...
    text: str
    step: int
    commands: list[Command] = field(default_factory=list)  # console blocks
    path: str = ""  # python blocks: the file, or "" for the shell
    mode: str = ""  # "replace", "append", "shell", or "" (an illustration)
    where: str = ""  # "page.rst:line" of the directive


def pages() -> list[Path]:
    """Every page the tests read: the docs' sources and the README."""
    return [*sorted(DOCS.glob("*.rst")), README]


def _is_title(lines: list[str], i: int) -> bool:
    return (
        i + 1 < len(lines)
        and lines[i].strip() != ""
        and not lines[i].startswith(" ")
        and bool(_UNDERLINE.match(lines[i + 1]))
        and len(lines[i + 1]) >= len(lines[i])
    )


def section(title: str, page: Path) -> list[str]:
    """The lines of the section named ``title``, without its subsections."""
    lines = page.read_text(encoding="utf-8").splitlines()
    starts = [i for i in range(len(lines)) if lines[i] == title and _is_title(lines, i)]
    assert len(starts) == 1, f"one section titled {title!r} in {page.name}, not {len(starts)}"
    body = starts[0] + 2
    end = next((i for i in range(body, len(lines)) if _is_title(lines, i)), len(lines))
    return lines[body:end]


def _console(text: str) -> list[Command]:
    commands: list[Command] = []
    continued = False
    for line in text.splitlines():
        if continued:
            commands[-1].line += " " + line.strip()
        elif line.startswith("$ "):
            commands.append(Command(line[2:].strip()))
        elif line.strip():
            assert commands, f"output before any command: {line!r}"
            commands[-1].output.append(line.strip())
        continued = line.endswith("\\")
        if continued:
            commands[-1].line = commands[-1].line.removesuffix("\\").rstrip()
    return commands


def parse(lines: list[str], name: str = "", first_line: int = 1) -> list[Block]:
    """The code blocks of ``lines``, nested ones included, in order."""
    found: list[Block] = []
    step = 0
    i = 0
    while i < len(lines):
        if match := _STEP.match(lines[i]):
            step = int(match.group(1))
        directive = _DIRECTIVE.match(lines[i])
        where = f"{name}:{first_line + i}"
        i += 1
        if not directive:
            continue
        indent = len(directive.group("indent"))
        while i < len(lines) and lines[i].strip().startswith(":"):  # directive options
            i += 1
        content: list[str] = []
        while i < len(lines) and (
            not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent
        ):
            content.append(lines[i])
            i += 1
        text = textwrap.dedent("\n".join(content)).strip("\n") + "\n"
        block = Block(directive.group("language"), text, step, where=where)
        if block.language == "console":
            block.commands = _console(text)
        elif block.language == "python" and (target := _TARGET.match(text.splitlines()[0])):
            block.path = target.group("path") or ""
            block.mode = target.group("mode") or "shell"
        found.append(block)
    return found


def blocks(title: str, page: Path) -> list[Block]:
    """The code blocks of a section, in order, with what each one is for."""
    return parse(section(title, page), page.name)


def all_blocks(page: Path) -> list[Block]:
    """Every code block of a page, with where it is."""
    return parse(page.read_text(encoding="utf-8").splitlines(), page.name)
