"""Check that the built sdist and wheel hold what a project needs at run time.

Usage: python .ci/check_dist.py DIST_DIR
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from pathlib import Path

LANGUAGES = ("de", "fr", "pl")

WHEEL_MUST_HAVE = [
    "django_twofactor/__init__.py",
    "django_twofactor/py.typed",
    "django_twofactor/migrations/__init__.py",
    "django_twofactor/migrations/0001_initial.py",
    "django_twofactor/migrations/0002_recovery_code_kdf.py",
    "django_twofactor/migrations/0003_webauthn.py",
    "django_twofactor/migrations/0004_trusted_devices.py",
    "django_twofactor/migrations/0005_webauthn_challenge_case_sensitive.py",
    "django_twofactor/fields.py",
    "django_twofactor/templates/django_twofactor/admin/code.html",
    "django_twofactor/templates/django_twofactor/admin/reset_confirmation.html",
    "django_twofactor/templates/django_twofactor/admin/read_only_inline.html",
    "django_twofactor/static/django_twofactor/admin/security_key.js",
    "django_twofactor/templates/django_twofactor/email/base.txt",
    "django_twofactor/templates/django_twofactor/email/base.html",
    "django_twofactor/templates/django_twofactor/email/user_locked_out.txt",
    "django_twofactor/management/commands/twofactor_reencrypt.py",
    *(
        f"django_twofactor/locale/{lang}/LC_MESSAGES/django.{ext}"
        for lang in LANGUAGES
        for ext in ("po", "mo")
    ),
]
# The sdist carries the documentation's sources, so that it builds from the sdist
# alone (make docs, or sphinx-build docs ...); the wheel carries none of it.
DOCS = [
    "docs/conf.py",
    "docs/_ext/twofactor_settings.py",
    "docs/index.rst",
    "docs/quickstart.rst",
    "docs/settings.rst",
    "docs/changelog.rst",
    ".readthedocs.yaml",
]
SDIST_MUST_HAVE = [
    "README.rst",
    "CHANGELOG.rst",
    "LICENSE",
    "pyproject.toml",
    *DOCS,
    *WHEEL_MUST_HAVE,
]
NEVER = ("tests/", "example_project/", "bench/", "__pycache__", ".pyc", "db.sqlite3", "_build/")
WHEEL_NEVER = ("docs/", ".readthedocs.yaml")


def check(
    names: list[str], required: list[str], what: str, never: tuple[str, ...] = ()
) -> list[str]:
    problems = [f"{what}: missing {path}" for path in required if path not in names]
    problems += [
        f"{what}: must not ship {n}" for n in names if any(bad in n for bad in NEVER + never)
    ]
    return problems


def main(dist: Path) -> int:
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        print(f"expected one wheel and one sdist in {dist}, found {wheels + sdists}")
        return 1
    with zipfile.ZipFile(wheels[0]) as wheel:
        wheel_names = wheel.namelist()
    with tarfile.open(sdists[0]) as sdist:
        root = sdists[0].name.removesuffix(".tar.gz") + "/"
        sdist_names = [m.name.removeprefix(root) for m in sdist.getmembers()]
    problems = check(wheel_names, WHEEL_MUST_HAVE, wheels[0].name, WHEEL_NEVER)
    problems += check(sdist_names, SDIST_MUST_HAVE, sdists[0].name)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{wheels[0].name}: {len(wheel_names)} files, OK")
        print(f"{sdists[0].name}: {len(sdist_names)} files, OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
