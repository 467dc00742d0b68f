#!/usr/bin/env python
"""Benchmark: what the second factor costs, printed as one RST simple table.

``make bench`` runs it (``BENCH_ARGS=--quick`` for a shorter run); so does
``python bench/bench.py [--quick] [--no-server] [--wall]``. The scale part
(10^3 against 10^6 users, ``bench/scale.py``) runs on its own: ``make
bench-scale`` or ``python bench/bench.py --scale [--quick]``.
Everything is measured in one run, side by side: compared variants alternate
call by call, their order rotating, so noise on a busy machine hits all of
them, and each figure is a median over rounds. The parts:

- a protected view behind ``TwoFactorJWTAuthentication`` (the state stamp)
  and ``IsTwoFactorAuthenticated`` against the same view behind SimpleJWT's
  ``JWTAuthentication`` and DRF's ``IsAuthenticated``, for a user with 2FA on
  and an ``mfa`` token, and for a user with 2FA off;
- ``login/`` against SimpleJWT's ``TokenObtainPairView``, both with Django's
  default hasher (PBKDF2), so hashing dominates as in production; then the
  same pair with the MD5 hasher, to show the cost beyond hashing;
- latency and queries of ``2fa/authenticate/`` (a TOTP code, a recovery
  code, a security key's assertion), ``2fa/turn-on/`` and
  ``2fa/generate/`` in JSON, PNG and SVG; the user's last accepted step is
  reset between requests, outside the timed region, so every code is fresh,
  and each assertion answers a challenge fetched and signed outside it;
- the package's QR encoders against the qrcode library's image factories
  (``bench/qr.py``), every image decoded again;
- the whole flow under 8 concurrent clients against gunicorn and PostgreSQL
  (``bench/load.py``), skipped with a message when PostgreSQL is unreachable.

The in-process parts drive Django's test client with the example project's
settings (``bench/settings.py``) on a throwaway SQLite file, timed by CPU time
(``--wall`` for the wall clock). Query counts leave out transaction control.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# This script's folder would shadow the ``bench`` package with this very file.
sys.path[0:1] = [str(REPO), str(REPO / "example_project")]

from bench import load, qr  # noqa: E402
from bench.measure import (  # noqa: E402
    JSON,
    PASSWORD,
    QUICK,
    Plan,
    Report,
    Row,
    clock_name,
    count_queries,
    interleaved_rounds,
    latency,
    median,
    now,
    progress,
    throughput_ratio,
    use_wall_clock,
    verdict,
)

DEMO_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
#: An endpoint row: set-up outside the timed region, timed call, requests, most queries allowed.
Endpoint = tuple[Callable[[], None], Callable[[], Any], int, int | None]


def set_up_django(sqlite_path: Path, pg_url: str | None) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["BENCH_SQLITE_PATH"] = str(sqlite_path)
    os.environ.pop("BENCH_PG_URL", None)
    if pg_url:
        os.environ["BENCH_PG_URL"] = pg_url
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def expect(response: Any, status: int = 200) -> Any:
    if response.status_code != status:
        raise SystemExit(f"unexpected {response.status_code}: {response.content[:300]!r}")
    return response


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


class Fixture:
    """Users in the states the measurements need, and a test client."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password
        from django.test import Client

        self.users = get_user_model()._default_manager
        self.client = Client()
        self.password_hash = make_password(PASSWORD)  # PBKDF2, hashed once and shared

    def user(self, username: str, *, secret: str = "", enabled: bool = False, **fields: Any) -> Any:
        from django_twofactor import crypto

        fields.setdefault("password", self.password_hash)
        if secret and enabled:  # TOTP on: turn-on accepted a step (0, 1970: any code is fresh)
            fields.setdefault("two_factor_last_step", 0)
        return self.users.create(
            username=username,
            two_factor_secret=crypto.encrypt(secret) if secret else "",
            two_factor_enabled=enabled,
            **fields,
        )

    def code(self, secret: str) -> str:
        from django_twofactor.methods.totp import algorithm as totp

        return totp.code_at(secret, totp.TotpParameters.from_settings())

    def post(self, path: str, body: dict[str, Any], **extra: Any) -> Any:
        return self.client.post(path, json.dumps(body), content_type=JSON, **extra)

    def login(self, path: str, username: str) -> Callable[[], Any]:
        body = {"username": username, "password": PASSWORD}
        return lambda: expect(self.post(path, body))


def bench_protected_view(fx: Fixture, plan: Plan, report: Report) -> None:
    from django_twofactor.tokens import full_tokens

    progress(
        "protected view: TwoFactorJWTAuthentication + IsTwoFactorAuthenticated "
        "vs JWTAuthentication + IsAuthenticated"
    )
    cases = {
        "2FA on + mfa token": full_tokens(
            fx.user("view-on", secret=DEMO_SECRET, enabled=True), ["pwd", "mfa", "otp"]
        )["access"],
        "2FA off": full_tokens(fx.user("view-off"), ["pwd"])["access"],
    }
    variants: dict[str, Callable[[], Any]] = {}
    for case, access in cases.items():
        kinds = ("twofactor", "max-age", "plain") if "mfa" in case else ("twofactor", "plain")
        for kind in kinds:  # bench/urls.py: the package's classes or none
            path, headers = f"/bench/me/{kind}/", bearer(access)
            variants[f"{case}/{kind}"] = lambda p=path, h=headers: expect(fx.client.get(p, **h))
    for call in variants.values():
        for _ in range(30):
            call()
    queries = {name: count_queries(call) for name, call in variants.items()}
    seconds = interleaved_rounds(variants, plan.view_rounds, plan.view_requests)
    labels = {
        "twofactor": "TwoFactorJWTAuthentication + IsTwoFactorAuthenticated",
        "max-age": "TwoFactorRequired.max_age(3600)",
    }
    compared = [(case, kind) for case in cases for kind in labels if f"{case}/{kind}" in seconds]
    for case, kind in compared:
        ours, theirs = seconds[f"{case}/{kind}"], seconds[f"{case}/plain"]
        ratio = throughput_ratio(ours, theirs)
        q_ours, q_theirs = queries[f"{case}/{kind}"], queries[f"{case}/plain"]
        report.add(
            Row(
                f"{labels[kind]}, {case}",
                f"{1 / median(ours):,.0f} req/s",
                f"JWTAuthentication + IsAuthenticated {1 / median(theirs):,.0f} req/s",
                f"{ratio:.3f}",
                f"{q_ours} vs {q_theirs}",
                ">= 0.97, no extra query",
                verdict(ratio >= 0.97 and q_ours <= q_theirs),
            )
        )


def bench_login(fx: Fixture, plan: Plan, report: Report) -> None:
    from django.contrib.auth.hashers import make_password
    from django.test import override_settings

    progress("login/ vs TokenObtainPairView, with PBKDF2 (slow on purpose) and MD5")
    fx.user("login-off")
    fx.user("login-on", secret=DEMO_SECRET, enabled=True)
    variants = {
        "ours": fx.login("/api/auth/login/", "login-off"),
        "simplejwt": fx.login("/bench/simplejwt/login/", "login-off"),
        "pending": fx.login("/api/auth/login/", "login-on"),
    }
    queries = {name: count_queries(call) for name, call in variants.items()}
    seconds = interleaved_rounds(variants, plan.login_rounds, 1)
    theirs = f"TokenObtainPairView {1 / median(seconds['simplejwt']):.2f} req/s"
    for name, label in (("ours", "2FA off"), ("pending", "2FA on: pending token")):
        ratio = throughput_ratio(seconds[name], seconds["simplejwt"])
        report.add(
            Row(
                f"login/, {label} (PBKDF2)",
                f"{1 / median(seconds[name]):.2f} req/s",
                theirs,
                f"{ratio:.3f}",
                f"{queries[name]} vs {queries['simplejwt']}",
                ">= 0.95",
                verdict(ratio >= 0.95),
            )
        )

    with override_settings(PASSWORD_HASHERS=MD5):
        fx.user("login-md5", password=make_password(PASSWORD))
        md5 = {
            "ours": fx.login("/api/auth/login/", "login-md5"),
            "simplejwt": fx.login("/bench/simplejwt/login/", "login-md5"),
        }
        for call in md5.values():
            for _ in range(20):
                call()
        queries = {name: count_queries(call) for name, call in md5.items()}
        seconds = interleaved_rounds(md5, plan.view_rounds, plan.md5_login_requests)
    ours, simplejwt = median(seconds["ours"]), median(seconds["simplejwt"])
    report.add(
        Row(
            "login/, 2FA off (MD5: beyond hashing)",
            f"{1 / ours:,.0f} req/s",
            f"TokenObtainPairView {1 / simplejwt:,.0f} req/s",
            f"{throughput_ratio(seconds['ours'], seconds['simplejwt']):.3f}",
            f"{queries['ours']} vs {queries['simplejwt']}",
            f"info: {(ours - simplejwt) * 1e6:+.0f} us/request",
        )
    )


def bench_endpoints(fx: Fixture, plan: Plan, report: Report) -> None:
    from django.db import transaction

    from django_twofactor import crypto, services, tokens
    from django_twofactor.methods.totp import algorithm as totp
    from django_twofactor.models import RecoveryCode

    progress("2fa/authenticate/, 2fa/turn-on/, 2fa/generate/: latency and queries")
    secret = totp.new_secret()
    ciphertext = crypto.encrypt(secret)
    authenticating = fx.user("endpoint-auth", secret=secret, enabled=True)
    pending = tokens.pending_token(authenticating)
    recovering = fx.user("endpoint-recovery", secret=secret, enabled=True)
    recovery_pending = tokens.pending_token(recovering)
    with transaction.atomic():
        recovery_code = services.replace_recovery_codes(recovering)[-1]
    turning_on = fx.user("endpoint-turn-on", secret=secret)
    turn_on_access = tokens.full_tokens(turning_on, ["pwd"])["access"]
    generate_access = tokens.full_tokens(fx.user("endpoint-generate"), ["pwd"])["access"]

    def authenticate() -> Any:
        body = {"code": fx.code(secret)}
        return expect(fx.post("/api/auth/2fa/authenticate/", body, **bearer(pending)))

    def fresh_step() -> None:
        fx.users.filter(pk=authenticating.pk).update(two_factor_last_step=0)

    def authenticate_with_recovery_code() -> Any:
        body = {"code": recovery_code}
        return expect(fx.post("/api/auth/2fa/authenticate/", body, **bearer(recovery_pending)))

    def unspend() -> None:
        RecoveryCode.objects.filter(user=recovering).update(used_at=None)

    def turn_on() -> Any:
        body = {"code": fx.code(secret)}
        return expect(fx.post("/api/auth/2fa/turn-on/", body, **bearer(turn_on_access)))

    def set_up_again() -> None:
        fx.users.filter(pk=turning_on.pk).update(  # epoch 0: the access token stays good
            two_factor_enabled=False,
            two_factor_secret=ciphertext,
            two_factor_last_step=None,
            two_factor_epoch=0,
        )

    def generate(accept: str) -> Callable[[], Any]:
        def call() -> Any:
            response = fx.client.post(
                "/api/auth/2fa/generate/", HTTP_ACCEPT=accept, **bearer(generate_access)
            )
            assert expect(response)["Content-Type"].startswith(accept), response["Content-Type"]
            return response

        return call

    def nothing() -> None:
        return None

    endpoints: dict[str, Endpoint] = {
        "2fa/authenticate/ (TOTP code)": (fresh_step, authenticate, plan.endpoint_requests, 3),
        "2fa/authenticate/ (recovery code)": (
            unspend,
            authenticate_with_recovery_code,
            plan.endpoint_requests,
            None,
        ),
        **security_key_endpoint(fx, plan, report),
        "2fa/turn-on/": (set_up_again, turn_on, plan.endpoint_requests, None),
    }
    formats = {"JSON (PNG data URI)": JSON, "PNG": "image/png", "SVG": "image/svg+xml"}
    for label, accept in formats.items():
        endpoints[f"2fa/generate/ {label}"] = (
            nothing,
            generate(accept),
            plan.generate_requests,
            None,
        )
    queries: dict[str, int] = {}
    for name, (prepare, call, _, _) in endpoints.items():
        for _ in range(3):
            prepare()
            call()
        prepare()
        queries[name] = count_queries(call)
    seconds: dict[str, list[float]] = {name: [] for name in endpoints}
    for i in range(max(spec[2] for spec in endpoints.values())):
        for name, (prepare, call, count, _) in endpoints.items():  # one request of each in turn
            if i < count:
                prepare()
                start = now()
                call()
                seconds[name].append(now() - start)
    for name, (_, _, _, limit) in endpoints.items():
        report.add(
            Row(
                name,
                latency(seconds[name]),
                queries=str(queries[name]),
                target="-" if limit is None else f"<= {limit} queries",
                met="-" if limit is None else verdict(queries[name] <= limit),
            )
        )


def security_key_endpoint(fx: Fixture, plan: Plan, report: Report) -> dict[str, Endpoint]:
    """``2fa/authenticate/`` with a security key's assertion, as ``bench_endpoints``
    times the others: (set-up, timed call, requests, most queries allowed).

    The key is registered through the API by the software authenticator of
    the tests (``tests/webauthn_authenticator.py``, ES256), so its answers are
    what a browser sends. Each request needs a challenge of its own: the
    set-up fetches ``2fa/webauthn/authenticate/options/`` and signs the
    answer outside the timed region, so the row times what the server does
    with an answer: find the key, spend the challenge, check the signature
    (py_webauthn), move the counter. Without the ``webauthn`` extra the row is
    left out with a note.
    """
    from importlib.util import find_spec

    from django_twofactor import tokens
    from django_twofactor.methods import webauthn

    if not (webauthn.available() and find_spec("cbor2") and find_spec("pytest")):
        report.notes.append("2fa/authenticate/ (security key) SKIPPED: no webauthn extra.")
        return {}
    from tests.webauthn_authenticator import SoftAuthenticator

    authenticator = SoftAuthenticator()  # origin http://localhost:8000, as the RP accepts
    access = tokens.full_tokens(fx.user("endpoint-webauthn"), ["pwd"])["access"]
    options = expect(fx.post("/api/auth/2fa/webauthn/register/options/", {}, **bearer(access)))
    credential = authenticator.register(options.json())
    body = {"credential": credential, "name": "Bench key"}
    expect(fx.post("/api/auth/2fa/webauthn/register/", body, **bearer(access)), 201)
    pending = tokens.pending_token(fx.users.get(username="endpoint-webauthn"))
    answer: dict[str, Any] = {}

    def sign() -> None:
        options = fx.post("/api/auth/2fa/webauthn/authenticate/options/", {}, **bearer(pending))
        answer["credential"] = authenticator.authenticate(expect(options).json())

    def authenticate() -> Any:
        return expect(fx.post("/api/auth/2fa/authenticate/", answer, **bearer(pending)))

    return {
        "2fa/authenticate/ (security key, ES256)": (
            sign,
            authenticate,
            plan.endpoint_requests,
            None,
        )
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (about a minute)")
    parser.add_argument("--no-server", action="store_true", help="skip gunicorn + PostgreSQL")
    parser.add_argument("--wall", action="store_true", help="wall clock instead of CPU time")
    parser.add_argument(
        "--scale", action="store_true", help="the scale part instead (bench/scale.py, minutes)"
    )
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server, no database name: a throwaway database is created and dropped",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.scale:
        from bench import scale

        return scale.main(["--pg-url", args.pg_url, *(["--quick"] if args.quick else [])])
    plan = QUICK if args.quick else Plan()
    if args.wall:
        use_wall_clock()
    began = time.perf_counter()
    report = Report()
    tmp = Path(tempfile.mkdtemp(prefix="twofactor-bench-"))
    database_url = None if args.no_server else load.create_database(args.pg_url.rstrip("/"))
    try:
        progress("setting up Django: example settings, SQLite in a temporary folder")
        set_up_django(tmp / "bench.sqlite3", database_url)
        fx = Fixture()
        bench_protected_view(fx, plan, report)
        bench_login(fx, plan, report)
        bench_endpoints(fx, plan, report)
        qr.bench_qr_factories(plan, report)
        if database_url is not None:
            load.bench_server(database_url, plan, report)
        elif args.no_server:
            report.notes.append("Concurrency part skipped (--no-server).")
        else:
            report.notes.append(f"Concurrency part SKIPPED: no PostgreSQL at {args.pg_url}.")
    finally:
        if database_url is not None:
            from django.db import connections

            connections.close_all()
            load.drop_database(database_url)
        shutil.rmtree(tmp, ignore_errors=True)

    import django

    print()
    print(report.table())
    print()
    print(
        f"Django {django.get_version()}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs{', --quick' if args.quick else ''}. In-process rows: Django's "
        f"test client on SQLite, timed by {clock_name()} (so req/s is per core), medians of "
        "interleaved rounds, ratios the median of the ratios within rounds; queries without "
        "transaction control (BEGIN, SAVEPOINT). Login "
        "uses Django's default hasher, PBKDF2 (1,000,000 iterations in Django 5.2), unless "
        "marked MD5."
    )
    for note in report.notes:
        print(note)
    print(f"Run took {time.perf_counter() - began:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
