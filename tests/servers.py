"""Run the example project in separate server processes (gunicorn) for tests.

Requests go over real HTTP on the loopback interface only: the opener ignores
any proxy the environment configures.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "example_project"
READY_TIMEOUT = 30.0
POLL_INTERVAL = 0.1

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Reply:
    status: int
    headers: Message
    data: Any


def free_ports(count: int) -> list[int]:
    """Ports the OS has just handed out; all held open until all are chosen."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def server_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The environment of a server: ours, the example settings, the repo on the path."""
    env = dict(os.environ)
    paths = [str(REPO), str(EXAMPLE), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    env["DJANGO_SETTINGS_MODULE"] = "example.settings"
    env["DJANGO_HTTPS"] = "0"  # plain HTTP on loopback
    env["DJANGO_LOGIN_RATE"] = "100000/minute"  # the tests log in far more than a person
    env.update(extra)
    return env


class Server:
    """One gunicorn master with one worker serving ``example.wsgi``.

    Its output goes to ``log``, which the caller opens and closes (after ``stop()``).
    """

    def __init__(self, port: int, env: Mapping[str, str], log: IO[bytes]) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "example.wsgi:application",
                "-b",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=EXAMPLE,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() reaches the worker too
        )

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Poll until the server answers HTTP at all (any status), or fail."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server on {self.port} exited:\n{self.output()}")
            try:
                self.request("GET", "/api/auth/2fa/")
                return
            except OSError:  # refused or reset: not listening yet
                time.sleep(POLL_INTERVAL)
        raise RuntimeError(f"server on {self.port} not ready after {timeout}s:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def request(self, method: str, path: str, body: Any = None, token: str | None = None) -> Reply:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        # The scheme and host are fixed here: plain HTTP to the loopback interface only.
        url = f"http://127.0.0.1:{self.port}{path}"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with _opener.open(request, timeout=30) as response:
                return Reply(response.status, response.headers, _json(response.read()))
        except urllib.error.HTTPError as error:
            with error:
                return Reply(error.code, error.headers, _json(error.read()))

    def post(self, path: str, body: Any = None, token: str | None = None) -> Reply:
        return self.request("POST", path, body, token)


def _json(raw: bytes) -> Any:
    return json.loads(raw) if raw else None


@contextlib.contextmanager
def running_servers(count: int, env: Mapping[str, str]) -> Iterator[list[Server]]:
    """``count`` servers, ready; always stopped on the way out, then their logs closed."""
    with contextlib.ExitStack() as stack:
        servers: list[Server] = []
        for port in free_ports(count):
            log = stack.enter_context(tempfile.TemporaryFile())
            server = Server(port, env, log)
            stack.callback(server.stop)  # runs before the log's close: the stack unwinds LIFO
            servers.append(server)
        for server in servers:
            server.wait_ready()
        yield servers
