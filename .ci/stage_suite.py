"""Copy the test suite and the example project, without the package, to DEST.

tox runs the suite from there, so ``import django_twofactor`` finds the wheel
installed in the environment and never the source tree.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "db.sqlite3")


def main(source: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for folder in ("tests", "example_project"):
        shutil.rmtree(dest / folder, ignore_errors=True)
        shutil.copytree(source / folder, dest / folder, ignore=IGNORE)
    shutil.copy2(source / "pyproject.toml", dest / "pyproject.toml")
    if (dest / "django_twofactor").exists():
        sys.exit("refusing to stage: the package itself is in the destination")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
