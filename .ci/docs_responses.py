"""Regenerate the example responses of the docs' "The flow, with curl".

That section is in ``docs/quickstart.rst``. Each of its console blocks
follows an RST comment that names it (``.. response: login-2fa-off``;
comments do not render). This script walks the section's flow against the
example project, in the order the page shows it, with Django's test client
on a fresh SQLite database: every ``curl`` line it writes is the request it
made, and the lines under it are what the example answered. Time is frozen
at ``START`` and the randomness of the run (the TOTP secret, recovery codes,
salts, token IDs) comes from a seeded generator, so the output is the same on
every run.

    python .ci/docs_responses.py            # rewrite the blocks in place
    python .ci/docs_responses.py --check    # print a diff, exit 1 on drift

``make docs-responses`` runs the first; ``tests/test_docs_responses.py``
fails when the page and a fresh run differ.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import difflib
import io
import json
import logging
import os
import random
import re
import struct
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "quickstart.rst"
NAME = "docs/quickstart.rst"
SECTION = "The flow, with curl"
MARKER = re.compile(r"^\.\. response: (?P<name>[a-z0-9-]+)\s*$")
INDENT = "   "  # of a code block's content in the page

START = 1_800_000_000  # 2027-01-15 08:00 UTC, a time-step boundary
SEED = 14
BASE = "http://127.0.0.1:8000"
USERNAME, PASSWORD = "demo", "demo-password"
WIDTH = 84  # a command line is wrapped before it grows longer
SHORT = 10  # characters of a token kept before "…"


@dataclass
class Var:
    """A shell variable in a command (``$NAME``) standing for ``value``."""

    name: str
    value: str


@dataclass
class Reply:
    status: int
    reason: str
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass
class Console:
    """The lines of the console blocks, by name, and the client that fills them."""

    client: Any
    blocks: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # what ``-o`` saved
    current: list[str] = field(default_factory=list)

    def block(self, name: str) -> None:
        if name in self.blocks:
            raise ValueError(f"block {name!r} twice")
        self.current = self.blocks[name] = []

    def say(self, *lines: str) -> None:
        self.current.extend(lines)

    def gap(self) -> None:
        self.current.append("")

    def curl(
        self,
        path: str,
        *,
        post: bool = False,
        token: Var | None = None,
        body: dict[str, Any] | None = None,
        accept: str | None = None,
        output: str | None = None,
        headers: tuple[str, ...] = (),
        status: int = 200,
    ) -> Reply:
        """Send the request, write its curl command and what curl prints.

        ``headers`` asks for ``curl -si``: the status line, these headers (each
        must be there), then "..." for the rest. ``output`` is ``-o FILE``:
        curl prints nothing.
        """
        url = BASE + path
        first = "$ curl -s" + ("i" if headers else "") + (" -X POST" if post else "")
        first += " " + (f"'{url}'" if "?" in url else url)
        parts = []
        meta = {"HTTP_ACCEPT": "*/*", "HTTP_USER_AGENT": "curl/8.14.1"}  # what curl sends
        if token is not None:
            parts.append(f'-H "Authorization: Bearer ${token.name}"')
            meta["HTTP_AUTHORIZATION"] = f"Bearer {token.value}"
        if accept is not None:
            parts.append(f"-H 'Accept: {accept}'")
            meta["HTTP_ACCEPT"] = accept
        data = None
        if body is not None:
            parts.append("-H 'Content-Type: application/json'")
            parts.append(shell_json(body))
            data = json.dumps({k: v.value if isinstance(v, Var) else v for k, v in body.items()})
        if output is not None:
            parts.append(f"-o {output}")
        self.current.extend(wrap(first, parts))

        if data is not None:
            response = self.client.post(path, data=data, content_type="application/json", **meta)
        else:  # curl -X POST without -d sends no body and no Content-Type
            response = self.client.generic("POST" if post else "GET", path, **meta)
        reply = Reply(
            response.status_code, response.reason_phrase, dict(response.items()), response.content
        )
        if reply.status != status:
            raise AssertionError(f"{path}: {reply.status} {reply.content!r}, expected {status}")
        if output is not None:
            self.files[output] = reply.content
            return reply
        if headers:
            self.current.append(f"HTTP/1.1 {reply.status} {reply.reason}")
            for name in headers:
                if name not in reply.headers:
                    raise AssertionError(f"{path}: no {name} header in {reply.headers}")
                self.current.append(f"{name}: {reply.headers[name]}")
            self.current.append("...")
            if reply.content:
                self.current.extend(["", show_json(reply.content)])
        else:
            self.current.append(show_json(reply.content))
        return reply


def wrap(first: str, parts: list[str]) -> list[str]:
    """A command on one line, or its URL line and the rest packed under it."""
    whole = " ".join([first, *parts])
    if len(whole) <= WIDTH or not parts:
        return [whole]
    lines, line = [first], "   "
    for part in parts:
        if len(line) > 3 and len(line) + 1 + len(part) > WIDTH:
            lines.append(line)
            line = "   "
        line += " " + part
    lines.append(line)
    return [f"{text} \\" for text in lines[:-1]] + [lines[-1]]


def shell_json(body: dict[str, Any]) -> str:
    """``-d`` with the body as a shell word: single quotes, or double quotes
    around escaped ones when it refers to a variable."""
    if not any(isinstance(v, Var) for v in body.values()):
        return f"-d '{json.dumps(body, ensure_ascii=False)}'"
    items = ", ".join(
        f'\\"{k}\\": ' + (f'\\"${v.name}\\"' if isinstance(v, Var) else json.dumps(v))
        for k, v in body.items()
    )
    return f'-d "{{{items}}}"'


def short(token: str) -> str:
    return token[:SHORT] + "…"


def shorten(value: Any) -> Any:
    """Tokens and data URIs cut to their first characters, as the page shows them."""
    if isinstance(value, dict):
        return {k: shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shorten(v) for v in value]
    if isinstance(value, str):
        if value.startswith("data:") and "," in value:
            head, data = value.split(",", 1)
            return f"{head},{short(data)}"
        if re.fullmatch(r"eyJ[\w-]*\.[\w-]+\.[\w-]+", value):
            return short(value)
    return value


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def show_json(content: bytes) -> str:
    body = json.loads(content)
    if dump(body) != content.decode("utf-8"):  # the page shows the body as sent
        raise AssertionError(f"body is not compact JSON: {content!r}")
    return dump(shorten(body))


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    result: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return result


def amr(token: str) -> str:
    return '"amr":' + dump(claims(token)["amr"])


def png_description(content: bytes) -> str:
    """What ``file`` says of a PNG (the colour types the package can write)."""
    if content[:8] != b"\x89PNG\r\n\x1a\n" or content[12:16] != b"IHDR":
        raise AssertionError("not a PNG")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", content[16:29])
    kinds = {0: f"{depth}-bit grayscale", 3: f"{depth}-bit colormap"}
    lace = "interlaced" if interlace else "non-interlaced"
    return f"PNG image data, {width} x {height}, {kinds[colour]}, {lace}"


def flow(console: Console, clock: Any) -> None:
    """The section's requests, in the page's order."""
    import pyotp

    c = console
    login = {"username": USERNAME, "password": PASSWORD}

    c.block("login-2fa-off")
    tokens = c.curl("/api/auth/login/", post=True, body=login).json()
    access, refresh = Var("ACCESS", tokens["access"]), Var("REFRESH", tokens["refresh"])
    c.gap()
    c.say(f"$ ACCESS='{short(access.value)}'", f"$ REFRESH='{short(refresh.value)}'")

    c.block("login-wrong-password")
    c.curl("/api/auth/login/", post=True, body={**login, "password": "wrong"}, status=401)

    c.block("access-payload")
    payload = claims(access.value)
    for name in ("jti", "2fa_state"):
        payload[name] = payload[name][:4] + "…"
    c.say(dump(payload))

    c.block("me-2fa-off")
    c.curl("/api/me/", token=access)

    c.block("refresh")
    c.curl("/api/auth/refresh/", post=True, body={"refresh": refresh})

    c.block("status-2fa-off")
    c.curl("/api/auth/2fa/", token=access)

    generate = "/api/auth/2fa/generate/"
    c.block("generate-image")
    png = c.curl(generate, post=True, token=access, accept="image/png", output="qr.png")
    c.say("$ file qr.png", "qr.png: " + png_description(png.content))
    c.gap()
    c.curl(generate + "?format=png", post=True, token=access, output="qr.png")
    c.gap()
    svg = c.curl(generate, post=True, token=access, accept="image/svg+xml", output="qr.svg")
    c.say("$ head -c 60 qr.svg", *svg.content[:60].decode("utf-8").splitlines())

    c.block("generate-json")
    secret = c.curl(generate, post=True, token=access).json()["secret"]

    c.block("totp-codes")
    code = pyotp.TOTP(secret).now()
    c.say(f"$ oathtool --totp -b {secret}", code)
    c.say(f"$ python -c \"import pyotp; print(pyotp.TOTP('{secret}').now())\"", code)

    c.block("turn-on")
    turned_on = c.curl(
        "/api/auth/2fa/turn-on/", post=True, token=access, body={"code": code}
    ).json()
    recovery = turned_on["recovery_codes"]
    old_access, access = Var("OLD_ACCESS", access.value), Var("ACCESS", turned_on["access"])
    c.gap()
    c.say(
        "$ OLD_ACCESS=$ACCESS",
        f"$ ACCESS='{short(access.value)}'   # the new one: {amr(access.value)}",
    )

    c.block("old-token-refused")
    c.curl("/api/me/", token=old_access, status=401)
    c.curl("/api/auth/refresh/", post=True, body={"refresh": refresh}, status=401)
    c.gap()
    c.curl("/api/auth/2fa/", token=access)

    clock.shift(30)  # the code that turned 2FA on is spent: the next step's
    c.block("login-2fa-on")
    pending_token = c.curl("/api/auth/login/", post=True, body=login).json()["pending_token"]
    pending = Var("PENDING", pending_token)
    kind = claims(pending_token)["token_type"]
    minutes = (claims(pending_token)["exp"] - claims(pending_token)["iat"]) // 60
    c.gap()
    c.say(
        f"$ PENDING='{short(pending_token)}'   # "
        f'"token_type":"{kind}",{amr(pending_token)}, valid {minutes} minutes'
    )

    c.block("pending-refused")
    c.curl("/api/me/", token=pending, status=401)

    authenticate = "/api/auth/2fa/authenticate/"
    code = pyotp.TOTP(secret).now()
    c.block("authenticate-totp")
    tokens = c.curl(
        authenticate, post=True, token=pending, body={"code": f"{code[:3]} {code[3:]}"}
    ).json()
    access = Var("ACCESS", tokens["access"])
    c.gap()
    c.say(f"$ ACCESS='{short(access.value)}'   # {amr(access.value)}")

    c.block("me-2fa-on")
    c.curl("/api/me/", token=access)

    c.block("authenticate-replay")
    c.curl(authenticate, post=True, token=pending, body={"code": code}, status=400)

    c.block("authenticate-recovery")
    tokens = c.curl(
        authenticate, post=True, token=pending, body={"code": recovery[0].upper()}
    ).json()
    access = Var("ACCESS", tokens["access"])
    c.gap()
    c.say(f"$ ACCESS='{short(access.value)}'   # {amr(access.value)}")

    c.block("recovery-code-spent")
    c.curl(authenticate, post=True, token=pending, body={"code": recovery[0]}, status=400)
    c.gap()
    c.curl("/api/auth/2fa/", token=access)

    clock.shift(30)  # a TOTP code of a step not used yet
    c.block("new-recovery-codes")
    recovery = c.curl(
        "/api/auth/2fa/recovery-codes/",
        post=True,
        token=access,
        body={"code": pyotp.TOTP(secret).now()},
    ).json()["recovery_codes"]

    c.block("lockout")
    totp, now = pyotp.TOTP(secret), time.time()
    near = {totp.at(now + 30 * steps) for steps in range(-3, 4)}
    wrong = next(w for w in (str(d) * 6 for d in range(10)) if w not in near)
    c.curl(authenticate, post=True, token=pending, body={"code": wrong}, status=400)
    c.say("$ # ... four more times, then even a valid recovery code gets:")
    for _ in range(4):
        again = c.client.post(
            authenticate,
            data=json.dumps({"code": wrong}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {pending.value}",
        )
        if again.status_code != 400:
            raise AssertionError(f"a wrong code before the lock: {again.status_code}")
    locked = c.curl(
        authenticate,
        post=True,
        token=pending,
        body={"code": recovery[1]},
        headers=("Content-Type", "Retry-After", "Cache-Control"),
        status=429,
    )

    clock.shift(int(locked.headers["Retry-After"]))  # the lock has passed
    c.block("turn-off")
    c.curl(
        "/api/auth/2fa/turn-off/",
        post=True,
        token=access,
        body={"code": recovery[2]},
        headers=("Cache-Control",),
        status=204,
    )

    c.block("revoked")
    c.curl("/api/auth/2fa/", token=access, status=401)

    c.block("login-again")
    tokens = c.curl("/api/auth/login/", post=True, body=login).json()
    refresh = Var("REFRESH", tokens["refresh"])
    c.gap()
    c.say(f"$ REFRESH='{short(refresh.value)}'")

    c.block("logout")
    c.curl(
        "/api/auth/logout/",
        post=True,
        body={"refresh": refresh},
        headers=("Cache-Control",),
        status=204,
    )
    c.gap()
    c.curl("/api/auth/refresh/", post=True, body={"refresh": refresh}, status=401)


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Every random draw of the run (``secrets``, ``uuid4``, ``os.urandom``) from one seed."""
    rng = random.Random(seed)  # noqa: S311 (repeatable on purpose: the docs' example)
    system = random.SystemRandom
    with (
        mock.patch.object(system, "getrandbits", side_effect=rng.getrandbits),
        mock.patch.object(system, "randbytes", side_effect=rng.randbytes),
        mock.patch.object(system, "random", side_effect=rng.random),
        mock.patch("os.urandom", side_effect=rng.randbytes),
    ):
        yield


def generate() -> dict[str, list[str]]:
    """The blocks, by name. Needs Django set up and an empty database."""
    return run().blocks


def run() -> Console:
    """The flow, run once. Needs Django set up and an empty database.

    The example project's key and password hashers, whatever the caller's
    settings (the test suite's differ): the token payload's state stamp is
    derived from them.
    """
    import django
    import time_machine
    from django.conf import global_settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client, override_settings

    from example import settings as example

    mail = (
        {"MAILERS": {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}}
        if django.VERSION >= (6, 1)
        else {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    )
    with (
        override_settings(
            SECRET_KEY=example.DEMO_SECRET_KEY,
            SECRET_KEY_FALLBACKS=[],
            PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS,
            **mail,
        ),
        seeded(SEED),
        time_machine.travel(START, tick=False) as clock,
    ):
        cache.clear()  # the login throttle's history
        get_user_model()._default_manager.create(pk=1, username=USERNAME)
        call_command("ensure_demo_user", stdout=io.StringIO())
        console = Console(Client(SERVER_NAME="127.0.0.1", SERVER_PORT="8000"))
        flow(console, clock)
    return console


def section_bounds(lines: list[str]) -> tuple[int, int]:
    """The section's lines: from its title to the next title of its level."""
    start = lines.index(SECTION)
    rule = lines[start + 1][0]
    for i in range(start + 2, len(lines) - 1):
        below = lines[i + 1]
        if lines[i].strip() and below and set(below) == {rule} and len(below) >= len(lines[i]):
            return start, i
    return start, len(lines)


def blocks_in(text: str) -> dict[str, tuple[int, int]]:
    """Each marked block's content lines (start, end) in ``text``'s lines."""
    lines = text.split("\n")
    start, end = section_bounds(lines)
    found: dict[str, tuple[int, int]] = {}
    i = start
    while i < end:
        match = MARKER.match(lines[i])
        i += 1
        if not match:
            continue
        name = match["name"]
        while i < end and not lines[i].strip():
            i += 1
        if i >= end or not lines[i].startswith(".. code-block::"):
            raise ValueError(f"{NAME}: no code-block after the marker {name!r}")
        i += 1
        if lines[i].strip():
            raise ValueError(f"{NAME}: block {name!r} needs a blank line after its directive")
        first = i + 1
        last = first
        while last < end and (not lines[last].strip() or lines[last].startswith(INDENT)):
            last += 1
        while last > first and not lines[last - 1].strip():
            last -= 1
        if name in found:
            raise ValueError(f"{NAME}: marker {name!r} twice")
        found[name] = (first, last)
        i = last
    return found


def rewrite(text: str, blocks: dict[str, list[str]]) -> str:
    """``text`` with each marked block's content replaced by ``blocks``."""
    places = blocks_in(text)
    missing, unknown = set(blocks) - set(places), set(places) - set(blocks)
    if missing or unknown:
        raise ValueError(
            f"{NAME}: markers missing for {sorted(missing)}, unknown markers {sorted(unknown)}"
        )
    lines = text.split("\n")
    for name, (first, last) in sorted(places.items(), key=lambda item: -item[1][0]):
        content = [INDENT + line if line else "" for line in blocks[name]]
        if last < len(lines) and lines[last].strip():  # an empty block: a new one
            content.append("")
        lines[first:last] = content
    return "\n".join(lines)


def set_up_django() -> None:
    """The example project as ``make demo`` runs it, on a fresh SQLite file."""
    sys.path[:0] = [str(ROOT), str(ROOT / "example_project")]
    database = Path(tempfile.mkdtemp()) / "docs.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "example.settings"
    os.environ["DJANGO_DEBUG"] = "1"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.pop("DJANGO_SECRET_KEY", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    logging.disable(logging.WARNING)  # the 4xx the flow provokes, wrong codes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="print a diff, exit 1 on drift")
    args = parser.parse_args(argv)
    set_up_django()
    text = PAGE.read_text(encoding="utf-8")
    new = rewrite(text, generate())
    if new == text:
        print(f"{NAME}: the example responses are up to date")
        return 0
    if args.check:
        sys.stdout.writelines(
            difflib.unified_diff(
                text.splitlines(keepends=True),
                new.splitlines(keepends=True),
                NAME,
                f"{NAME} (regenerated)",
            )
        )
        print(f"{NAME}: the example responses drifted; `make docs-responses` rewrites them")
        return 1
    PAGE.write_text(new, encoding="utf-8")
    print(f"{NAME}: example responses rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
