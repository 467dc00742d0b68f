"""The docs' quick start, its section for ``auth.User`` projects and the README's
minimal example, run as written.

The commands and code blocks come from ``docs/quickstart.rst`` and README.rst
themselves (the convention is in ``tests/docs_blocks.py``), so a change to
the page is a change to what runs here. They run in a fresh
``startproject`` in a temporary directory, against the package built as a
wheel:

- The wheel is built from a copy of the package's files (``python -m
  build --wheel``), never from ``dist/``, which may be older than the code,
  and without writing ``build/`` into the checkout.
- It goes into a fresh venv with ``--no-deps``. The venv reaches Django,
  DRF and the other dependencies through a ``.pth`` file naming this
  interpreter's site-packages: the versions the suite runs with, no network,
  a second or two instead of a full ``pip install``. The venv's own
  site-packages come first, so ``django_twofactor`` is the wheel's (the
  flow script checks), and the checkout's editable install stays unseen
  (its finder is in a ``.pth`` of the outer site-packages, which a path
  added this way does not process).
- The pages' commands map onto that venv: ``pip install`` is what the
  wheel's install already did; ``django-admin`` is ``python -m django``;
  ``python`` runs with ``-W error::DeprecationWarning``; ``runserver`` is not
  started, the flow script walks the same path with Django's test client
  instead; an interactive ``createsuperuser`` makes its user from a script.
  Every command must succeed, print the output the page shows for it, and
  report no system check issue.

Under tox the package is already the installed wheel: nothing is built.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import site
import subprocess
import sys
import venv
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

import pytest

from tests.docs_blocks import QUICKSTART, README, Block, blocks, section

QUICK_START = "Install and quick start"
DEFAULT_USER = "Projects on Django's default User"
ROOT = Path(__file__).resolve().parents[1]
INSTALLED = bool(os.environ.get("TWOFACTOR_TEST_INSTALLED"))
PIP = [sys.executable, "-m", "pip"]
PYTHON_FLAGS = ["-W", "error::DeprecationWarning", "-W", "error::PendingDeprecationWarning"]

pytestmark = [
    pytest.mark.skipif(
        not QUICKSTART.is_file(), reason="docs/ is not beside the tests (tox stages tests only)"
    ),
    pytest.mark.skipif(
        not INSTALLED and find_spec("build") is None,
        reason="building the wheel needs the 'build' package (the dev extra)",
    ),
]


@pytest.fixture(scope="module")
def python(tmp_path_factory) -> Path:
    """A fresh venv's interpreter, with the package's wheel installed."""
    tmp = tmp_path_factory.mktemp("quickstart-venv")
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(env_dir)
    python = env_dir / "bin" / "python"
    own_site = Path(
        run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).strip()
    )
    if not INSTALLED:
        wheel = build_wheel(tmp)
        run([*PIP, "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel])
    # Written after the install, so pip saw an empty venv.
    outer = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (own_site / "outer_site_packages.pth").write_text("\n".join(outer) + "\n")
    return python


def build_wheel(tmp: Path) -> Path:
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.rst", "CHANGELOG.rst", "LICENSE", "MANIFEST.in"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "django_twofactor",
        source / "django_twofactor",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    run([sys.executable, "-m", "build", "--wheel", "--outdir", tmp / "dist", source])
    (wheel,) = (tmp / "dist").glob("django_twofactor-*.whl")
    return wheel


def run(args: list, *, cwd: Path | None = None, env: dict | None = None, stdin=None) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env if env is not None else clean_env(),
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{shlex.join(map(str, args))} failed:\n{output}"
    return output


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without what points at the suite's settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PYTHONPATH"}
        and not k.startswith(("COV_", "PYTEST_"))
    }
    return {**env, **extra}


@dataclass
class Project:
    """A directory where the pages' blocks are followed, one after the other."""

    python: Path
    cwd: Path
    superuser: tuple[str, str] = ("", "")
    log: list[str] = field(default_factory=list)

    def follow(self, block: Block) -> None:
        if block.language == "console":
            for command in block.commands:
                output = self.command(command.line)
                for expected in command.output:
                    assert expected in output, f"{command.line!r} did not print {expected!r}"
        elif block.mode in ("replace", "append"):
            target = self.cwd / block.path
            assert target.parent.is_dir(), f"{block.path}: no such directory (wrong order?)"
            if block.mode == "append":
                assert target.is_file(), f"{block.path}: nothing to append to"
                with target.open("a", encoding="utf-8") as file:
                    file.write("\n\n" + block.text)
            else:
                target.write_text(block.text, encoding="utf-8")
        elif block.mode == "shell":
            script = self.cwd.parent / f"shell-{len(self.log)}.py"
            script.write_text(block.text, encoding="utf-8")
            with script.open() as stdin:
                self.python_run(["manage.py", "shell"], stdin=stdin)

    def command(self, line: str) -> str:
        self.log.append(line)
        words = shlex.split(line)
        env: dict[str, str] = {}
        while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
            name, value = words.pop(0).split("=", 1)
            env[name] = value
        program, args = words[0], words[1:]
        if program == "pip":
            assert args[:1] == ["install"], line
            return ""  # the venv has the wheel already
        if program == "cd":
            self.cwd = self.cwd / args[0]
            return ""
        if program == "django-admin":
            return self.python_run(["-m", "django", *args], env=env)
        assert program == "python", f"the page runs {program!r}: teach the test what it is"
        if args[:2] == ["manage.py", "runserver"]:
            return ""  # walk() follows the flow a client of the server would
        if args[:2] == ["manage.py", "createsuperuser"] and "--noinput" not in args:
            # What a person types at the prompts, made without them.
            self.superuser = ("alice", "correct horse battery staple")
            env["DJANGO_SUPERUSER_PASSWORD"] = self.superuser[1]
            args = [*args, "--noinput", "--username", "alice", "--email", "alice@example.com"]
        if args[:2] == ["manage.py", "createsuperuser"]:
            self.superuser = (
                args[args.index("--username") + 1],
                env["DJANGO_SUPERUSER_PASSWORD"],
            )
        return self.python_run(args, env=env)

    def python_run(self, args: list, env: dict | None = None, stdin=None) -> str:
        output = run(
            [self.python, *PYTHON_FLAGS, *args],
            cwd=self.cwd,
            env=clean_env(**(env or {})),
            stdin=stdin,
        )
        assert "System check identified some issues" not in output, output
        assert "Warning:" not in output, output
        return output

    def script(self, code: str, *args: str) -> dict:
        """Run ``code`` in the project's settings; it prints one JSON object last."""
        path = self.cwd.parent / "script.py"
        path.write_text(SETUP + code, encoding="utf-8")
        output = self.python_run([path, *args], env={"DJANGO_SETTINGS_MODULE": "mysite.settings"})
        (result,) = [line for line in output.splitlines() if line.startswith("{")]
        return json.loads(result)

    def walk(self, username: str, password: str) -> dict:
        return self.script(FLOW, username, password)


SETUP = """\
import json, sys, time
from pathlib import Path
sys.path.insert(0, str(Path.cwd()))
import django
django.setup()
"""

# The client's side of the quick start: what alice does against runserver.
FLOW = """\
import pyotp
from django.test import Client
from django.test.utils import setup_test_environment

import django_twofactor

setup_test_environment()  # lets the test client's host in; the database is the project's
client = Client()
username, password = sys.argv[1:3]


def call(method, path, token=None, **body):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    response = getattr(client, method)(
        path, json.dumps(body) if body else None, content_type="application/json", **headers
    )
    return response.status_code, (response.json() if response.content else None)


steps = {"package": django_twofactor.__file__}
status, tokens = call("post", "/api/auth/login/", username=username, password=password)
steps["login"] = status, tokens["two_factor_required"]
steps["me before 2fa"] = call("get", "/api/me/", tokens["access"])
status, generated = call("post", "/api/auth/2fa/generate/", tokens["access"])
totp = pyotp.TOTP(generated["secret"])
status, on = call("post", "/api/auth/2fa/turn-on/", tokens["access"], code=totp.now())
steps["turn-on"] = status, len(on["recovery_codes"])
steps["logout"] = call("post", "/api/auth/logout/", refresh=on["refresh"])[0]
steps["refresh after logout"] = call("post", "/api/auth/refresh/", refresh=on["refresh"])[0]
status, login = call("post", "/api/auth/login/", username=username, password=password)
steps["login again"] = status, login["two_factor_required"]
steps["me with pending"] = call("get", "/api/me/", login["pending_token"])[0]
# The next time step: turn-on spent this one, and the window admits the next.
code = totp.at(time.time() + 30)
status, full = call("post", "/api/auth/2fa/authenticate/", login["pending_token"], code=code)
steps["authenticate"] = status
steps["me"] = call("get", "/api/me/", full["access"])
print(json.dumps(steps))
"""


def assert_the_flow_works(steps: dict, username: str, package_dir: Path) -> None:
    assert Path(steps.pop("package")).parent == package_dir
    assert steps == {
        "login": [200, False],
        "me before 2fa": [200, {"username": username, "2fa": False}],
        "turn-on": [200, 10],
        "logout": 204,
        "refresh after logout": 401,
        "login again": [200, True],
        "me with pending": 401,
        "authenticate": 200,
        "me": [200, {"username": username, "2fa": True}],
    }


def package_dir(python: Path) -> Path:
    if INSTALLED:  # the tox env's own wheel install
        import django_twofactor

        return Path(django_twofactor.__file__).parent
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    return Path(purelib.strip()) / "django_twofactor"


def follow_as_written(python: str, tmp_path: Path, example: list[Block]) -> None:
    """A fresh project made by ``example``'s blocks, then the whole flow through it."""
    project = Project(python=python, cwd=tmp_path)
    assert [b for b in example if b.language == "python" and not b.mode] == [], (
        "every Python block of the example says where it goes"
    )
    for block in example:
        project.follow(block)
    username, password = project.superuser
    assert username, "the example creates a user"
    assert_the_flow_works(project.walk(username, password), username, package_dir(python))


def test_the_quick_start_as_written(python, tmp_path):
    follow_as_written(python, tmp_path, blocks(QUICK_START, QUICKSTART))


# A project that began on auth.User, as startproject makes it, with users in it.
EXISTING_USERS = """\
from django.contrib.auth.models import Group, User

User.objects.create_user("bob", password="bob's password")
carol = User.objects.create_user("carol", password="carol's password")
carol.groups.add(Group.objects.create(name="editors"))
"""

SURVIVED = """\
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

User = get_user_model()
carol = User.objects.get(username="carol")
print(json.dumps({
    "model": User._meta.label,
    "pk": carol.pk,
    "password": carol.check_password("carol's password"),
    "groups": [g.name for g in carol.groups.all()],
    "content type": ContentType.objects.get_for_model(User).app_label,
    "auth.user left": ContentType.objects.filter(app_label="auth", model="user").exists(),
}))
"""


def test_the_switch_from_auth_user_as_written(python, tmp_path):
    project = Project(python=python, cwd=tmp_path)
    project.python_run(["-m", "django", "startproject", "mysite"])
    project.cwd = tmp_path / "mysite"
    project.python_run(["manage.py", "migrate"])
    (tmp_path / "users.py").write_text(EXISTING_USERS, encoding="utf-8")
    with (tmp_path / "users.py").open() as stdin:
        project.python_run(["manage.py", "shell"], stdin=stdin)

    for block in blocks(DEFAULT_USER, QUICKSTART):
        project.follow(block)
    text = " ".join(line.strip() for line in section(DEFAULT_USER, QUICKSTART))
    where = re.search(r"go on with the quick start from step (\d+)", text)
    assert where, "the section says where the quick start takes over"
    for block in blocks(QUICK_START, QUICKSTART):
        if block.step >= int(where.group(1)):
            project.follow(block)

    survived = project.script(SURVIVED)
    assert survived == {
        "model": "accounts.User",
        "pk": 2,
        "password": True,
        "groups": ["editors"],
        "content type": "accounts",
        "auth.user left": False,
    }
    assert_the_flow_works(project.walk("carol", "carol's password"), "carol", package_dir(python))


def test_the_readme_example_as_written(python, tmp_path):
    """README.rst's install and minimal example: a project of its own, the same flow."""
    follow_as_written(
        python, tmp_path, [*blocks("Install", README), *blocks("A minimal example", README)]
    )
