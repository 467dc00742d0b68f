"""The whole authenticate flow under concurrent clients: the example project
on gunicorn (sync workers) and a throwaway PostgreSQL database.

Clients are threads using urllib on the loopback interface only (the opener
ignores proxies), each taking work from a bounded list until it or the time
runs out. Every user logs in once, so no code is ever replayed.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.measure import JSON, PASSWORD, Plan, Report, Row, latency, ms, progress, verdict

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "example_project"
CLIENTS = 8
WORKERS = 2

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(
    base: str, path: str, body: dict[str, Any] | None = None, token: str | None = None
) -> tuple[int, Any]:
    """POST ``body`` as JSON (GET without one); the status and the decoded reply."""
    headers = {"Accept": JSON}
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), JSON
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    method = "GET" if body is None else "POST"
    url = base + path  # always http://127.0.0.1:<port>/...
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with _opener.open(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None


def create_database(server_url: str) -> str | None:
    """A new empty database's URL, or ``None`` (and why) if PostgreSQL is unusable."""
    name = f"twofactor_bench_{os.getpid()}"
    try:
        import psycopg

        with psycopg.connect(f"{server_url}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # any failure means: skip this part, say why
        progress(f"PostgreSQL at {server_url} not usable ({type(exc).__name__}: {exc})")
        return None
    return f"{server_url}/{name}"


def drop_database(database_url: str) -> None:
    import psycopg

    server_url, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{server_url}/postgres", autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Gunicorn:
    """The example project as deployed: its own settings, ``DEBUG`` off."""

    def __init__(self, database_url: str) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
        env.update(
            PYTHONPATH=os.pathsep.join([str(REPO), str(EXAMPLE)]),
            DJANGO_SETTINGS_MODULE="example.settings",
            DATABASE_URL=database_url,
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY="bench-secret-key-that-is-long-enough-for-hkdf-0123456789",
            DJANGO_HTTPS="0",  # plain HTTP on loopback
            DJANGO_LOGIN_RATE="1000000/minute",  # 8 clients log in again and again
        )
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "example.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--worker-class", "sync",
            ],
            cwd=EXAMPLE, env=env, stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() reaches the workers too
        )  # fmt: skip

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-3000:]

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.output()}")
            try:
                http(self.base, "/api/auth/2fa/")
                return
            except OSError:  # not listening yet
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn not ready after {timeout} s:\n{self.output()}")

    def workers_cpu(self) -> float | None:
        """CPU seconds the workers (the master's children) used so far; Linux only."""
        total, tick = 0, os.sysconf("SC_CLK_TCK")
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            if int(fields[1]) == self.process.pid:  # ppid
                total += int(fields[11]) + int(fields[12])  # utime + stime
        return total / tick if total else None

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        self.log.close()


@dataclass
class Load:
    done: int = 0
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    server_cpu: float | None = None  # CPU seconds of the gunicorn workers


def run_clients(work: list[Any], task: Callable[[Any], int], seconds: float) -> Load:
    """``CLIENTS`` threads take items until the list or the time runs out.

    ``task`` handles one item and returns how many requests it made; an
    ``AssertionError`` (wrong answer) or ``OSError`` counts as an error.
    """
    items: queue.SimpleQueue[Any] = queue.SimpleQueue()
    for item in work:
        items.put(item)
    load, lock = Load(), threading.Lock()
    start = time.perf_counter()
    deadline = start + seconds

    def client() -> None:
        while time.perf_counter() < deadline:
            try:
                item = items.get_nowait()
            except queue.Empty:
                return
            began = time.perf_counter()
            try:
                made = task(item)
            except (AssertionError, OSError) as exc:
                with lock:
                    load.errors.append(str(exc))
                continue
            with lock:
                load.done += 1
                load.requests += made
                load.seconds.append(time.perf_counter() - began)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.elapsed = time.perf_counter() - start
    return load


def _prepare_users(prefix: str, count: int) -> list[tuple[Any, str]]:
    """Users with 2FA on in the ``pg`` database, and their secrets.

    TOTP counts as on only once a step was accepted (turn-on's); step 0
    (1970) stands for it, so every current code is fresh.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from django_twofactor import crypto
    from django_twofactor.methods.totp import algorithm as totp

    user_model = get_user_model()
    password = make_password(PASSWORD)  # one PBKDF2 hash for all: set-up stays fast
    secrets = [totp.new_secret() for _ in range(count)]
    users = user_model._default_manager.using("pg").bulk_create(
        user_model(
            username=f"{prefix}{i}", password=password, two_factor_enabled=True,
            two_factor_secret=crypto.encrypt(secret), two_factor_last_step=0,
        )
        for i, secret in enumerate(secrets)
    )  # fmt: skip
    return list(zip(users, secrets, strict=True))


def bench_server(database_url: str, plan: Plan, report: Report) -> None:
    from django.core.management import call_command
    from django.db import connections

    from django_twofactor import tokens
    from django_twofactor.methods.totp import algorithm as totp

    progress("PostgreSQL: migrating the throwaway database, preparing users")
    call_command("migrate", database="pg", verbosity=0, interactive=False)
    flow_users = _prepare_users("flow", plan.flow_users)
    auth_users = _prepare_users("auth", plan.auth_users)
    connections["pg"].close()
    params = totp.TotpParameters.from_settings()

    progress(f"gunicorn: {WORKERS} sync workers, {CLIENTS} client threads")
    server = Gunicorn(database_url)
    try:
        server.wait_ready()

        def warm_up(_: int) -> int:
            status, _body = http(server.base, "/api/auth/2fa/")
            assert status == 401, f"warm-up {status}"
            return 1

        def flow(item: tuple[Any, str]) -> int:
            user, secret = item
            credentials = {"username": user.username, "password": PASSWORD}
            status, body = http(server.base, "/api/auth/login/", credentials)
            assert status == 200, f"login {status}"
            assert body["two_factor_required"], body
            code = {"code": totp.code_at(secret, params)}
            status, body = http(
                server.base, "/api/auth/2fa/authenticate/", code, body["pending_token"]
            )
            assert status == 200, f"authenticate {status}"
            assert "access" in body, body
            return 2

        def authenticate(item: tuple[str, str]) -> int:
            pending, secret = item
            code = {"code": totp.code_at(secret, params)}
            status, body = http(server.base, "/api/auth/2fa/authenticate/", code, pending)
            assert status == 200, f"authenticate {status}"
            assert "access" in body, body
            return 1

        run_clients(list(range(4 * CLIENTS)), warm_up, 30)
        progress(f"login + authenticate for up to {plan.flow_seconds:.0f} s")
        load = _measured(server, flow_users, flow, plan.flow_seconds)
        _report(report, "login + authenticate", load, "flows")
        progress(f"authenticate alone for up to {plan.auth_seconds:.0f} s")
        pendings = [(tokens.pending_token(user), secret) for user, secret in auth_users]
        load = _measured(server, pendings, authenticate, plan.auth_seconds)
        _report(report, "authenticate alone", load, "req")
    finally:
        server.stop()
    report.notes.append(
        f"Concurrency: gunicorn with {WORKERS} sync workers on PostgreSQL (the example's "
        f"CONN_MAX_AGE=0: a new connection per request) and {CLIENTS} client threads share "
        "the machine; 'authenticate alone' uses pending tokens minted beforehand."
    )


def _measured(
    server: Gunicorn, work: list[Any], task: Callable[[Any], int], seconds: float
) -> Load:
    before = server.workers_cpu()
    load = run_clients(work, task, seconds)
    after = server.workers_cpu()
    if before is not None and after is not None:
        load.server_cpu = after - before
    return load


def _report(report: Report, name: str, load: Load, unit: str) -> None:
    if not load.done:
        raise RuntimeError(f"{name}: nothing completed; errors: {load.errors[:3]}")
    rate = load.done / load.elapsed
    if unit == "req":
        result = f"{rate:.1f} req/s"
    else:
        result = f"{rate:.2f} flows/s, {load.requests / load.elapsed:.1f} req/s"
    report.add(
        Row(
            f"{CLIENTS} clients: {name}",
            result,
            f"{load.done} {unit} in {load.elapsed:.1f} s",
            target="no errors",
            met=verdict(not load.errors) + (f" ({len(load.errors)} errors)" if load.errors else ""),
        )
    )
    cpu = "-"
    if load.server_cpu is not None:
        cpu = f"workers' CPU {ms(load.server_cpu / load.done)}/{unit.rstrip('s')}"
    report.add(Row(f"{CLIENTS} clients: {name}, latency", latency(load.seconds), cpu))
