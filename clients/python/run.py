"""Generate the Python client from the live schema, check it, and run the flow.

    python clients/python/run.py [--generator PATH]

Run by ``make client-python`` inside ``clients/live.py`` (which sets
``API_URL`` and ``SCHEMA_FILE``), with the project's ``.venv`` Python. Four
steps, each fatal:

1. openapi-python-client (its own venv) writes the package into
   ``clients/python/build/django_twofactor_client`` from ``$SCHEMA_FILE``,
   with ``--fail-on-warning``: a warning is a schema problem to fix, not to
   work around.
2. Every module of the package imports (the issue's bug was ``NameError:
   Unset`` at import).
3. ``mypy --strict`` (``clients/python/mypy.ini``) on the flow and the package.
4. ``flow.py`` against the live server.

The package is used from ``build/`` through ``PYTHONPATH`` (and mypy's
``mypy_path``) rather than installed into ``.venv``: each run uses exactly
what it just generated, and nothing generated outlives the run in the
project's environment.
The repository's root is on the flow's ``PYTHONPATH`` as well (mypy runs
from it), for the test suite's software WebAuthn authenticator.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BUILD = HERE / "build"
PACKAGE = "django_twofactor_client"
BIN = Path(sys.executable).parent


@contextmanager
def step(name: str) -> Iterator[None]:
    print(f"== {name}", flush=True)
    start = time.monotonic()
    yield
    print(f"== {name}: ok in {time.monotonic() - start:.1f} s", flush=True)


def fail(message: str) -> None:
    sys.exit(f"client-python: {message}")


def generate(generator: Path, schema: Path) -> None:
    shutil.rmtree(BUILD, ignore_errors=True)
    BUILD.mkdir(parents=True)
    shutil.copy(schema, BUILD / "schema.json")  # kept beside the client, for reading
    command = [
        str(generator),
        "generate",
        "--path",
        str(schema),
        "--config",
        str(HERE / "config.yaml"),
        "--meta",
        "none",
        "--output-path",
        str(BUILD / PACKAGE),
        "--fail-on-warning",
    ]
    # The generator's post hooks run `ruff` from PATH: its own venv's.
    bin_dir = generator.absolute().parent
    env = {**os.environ, "PATH": os.pathsep.join([str(bin_dir), os.environ["PATH"]])}
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    output = (result.stdout + result.stderr).strip()
    print(output)
    if result.returncode != 0 or "encountered while generating" in output:
        fail(f"the generator did not generate cleanly (exit {result.returncode})")


def import_all() -> None:
    sys.path.insert(0, str(BUILD))
    package = importlib.import_module(PACKAGE)
    broken = []
    names = [PACKAGE]
    for module in pkgutil.walk_packages(package.__path__, f"{PACKAGE}."):
        names.append(module.name)
        try:
            importlib.import_module(module.name)
        except Exception as error:  # every broken module, not the first only
            broken.append(f"  {module.name}: {type(error).__name__}: {error}")
    operations = [name for name in names if ".api." in name and name.count(".") == 3]
    print(f"{len(names)} modules imported, {len(operations)} operations")
    if broken:
        fail("modules that do not import:\n" + "\n".join(broken))
    if not operations:
        fail("the generated client has no operations")


def typecheck() -> None:
    command = [
        str(BIN / "mypy"),
        "--config-file",
        str(HERE / "mypy.ini"),
        str(HERE / "flow.py"),
        str(BUILD / PACKAGE),
    ]
    if subprocess.run(command, cwd=ROOT).returncode != 0:
        fail("mypy --strict failed")


def run_flow() -> None:
    # The root too: the flow's security keys are the suite's software
    # authenticator (tests/webauthn_authenticator.py).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(BUILD), str(ROOT)])}
    if subprocess.run([sys.executable, str(HERE / "flow.py")], env=env).returncode != 0:
        fail("the flow failed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--generator",
        type=Path,
        default=ROOT / ".venv" / "generators" / "bin" / "openapi-python-client",
        help="the openapi-python-client executable (default: .venv/generators's)",
    )
    args = parser.parse_args()
    schema = Path(os.environ["SCHEMA_FILE"])
    start = time.monotonic()
    with step("generate (openapi-python-client)"):
        generate(args.generator, schema)
    with step("import every module"):
        import_all()
    with step("mypy --strict: flow.py and the generated package"):
        typecheck()
    with step(f"flow against {os.environ['API_URL']}"):
        run_flow()
    print(f"client-python: all steps passed in {time.monotonic() - start:.1f} s")


if __name__ == "__main__":
    main()
