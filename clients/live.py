"""Run a command against the example project, served live on a fresh database.

    python clients/live.py [--port N] -- COMMAND [ARG ...]

``--settings`` names another settings module (say one that imports the
example's and shortens a lifetime), importable from the repository's root.

Migrates a throwaway SQLite database, creates the users ``alice``, ``bob``,
``carol`` and ``dave`` (2FA off, password ``PASSWORD`` below), serves the
example project with ``runserver`` on 127.0.0.1, saves the live schema
(``/api/schema/``, JSON) and runs COMMAND with these variables set:

- ``API_URL``: ``http://127.0.0.1:PORT`` (the package's paths are under
  ``/api/auth/``);
- ``SCHEMA_FILE``: the schema as the server gave it;
- ``API_USERS``: the usernames, comma-separated; ``API_PASSWORD``: their password.

The server stops when COMMAND ends; COMMAND's exit status is this script's.
Everything the generated clients and Schemathesis run against comes from here,
so each starts from the same known state.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "example_project"
USERS = ("alice", "bob", "carol", "dave")
PASSWORD = "correct horse battery staple"
CREATE_USERS = """
from django.contrib.auth import get_user_model
User = get_user_model()
for name in {users!r}:
    User.objects.create_user(name, f"{{name}}@example.com", {password!r})
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            sys.exit(f"the example project stopped before serving ({server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body: bytes = response.read()
                return body
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"{url} did not answer within {timeout} s")
            time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument(
        "--settings",
        default="example.settings",
        help="a settings module (importable from the repository's root or example_project/)",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    port = args.port or free_port()
    with tempfile.TemporaryDirectory(prefix="twofactor-live-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": args.settings,
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_HTTPS": "0",
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            # Schemathesis logs in far more often than a person does.
            "DJANGO_LOGIN_RATE": "100000/minute",
            "PYTHONUNBUFFERED": "1",
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=EXAMPLE, env=env, check=True)
        script = CREATE_USERS.format(users=USERS, password=PASSWORD)
        subprocess.run([*manage, "shell", "-v0", "-c", script], cwd=EXAMPLE, env=env, check=True)
        log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115 (closed below)
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
            cwd=EXAMPLE,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        status = 1
        try:
            base = f"http://127.0.0.1:{port}"
            schema = json.loads(wait_for(f"{base}/api/schema/?format=json", server))
            schema_file = Path(tmp) / "schema.json"
            schema_file.write_text(json.dumps(schema, indent=2))
            child_env = {
                **os.environ,
                "API_URL": base,
                "SCHEMA_FILE": str(schema_file),
                "API_USERS": ",".join(USERS),
                "API_PASSWORD": PASSWORD,
            }
            status = subprocess.run(command, env=child_env).returncode
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
        errors = (Path(tmp) / "server.log").read_text(errors="replace")
        if " 500 " in errors or "Traceback" in errors:
            print("--- the server's log holds an error:\n" + errors, file=sys.stderr)
            status = 1
        return status


if __name__ == "__main__":
    sys.exit(main())
