#!/usr/bin/env python
"""Scale benchmark: what the requests cost with 10^3 and with 10^6 users.

``make bench-scale`` runs it (``BENCH_ARGS=--quick`` for a shorter run); so do
``python bench/scale.py [--quick]`` and ``python bench/bench.py --scale``. It
never runs in CI. For each database (PostgreSQL; MariaDB or MySQL when the
``MySQLdb`` driver of the ``mysql`` extra is importable, a note otherwise):

- two throwaway databases are created (and dropped at the end): one with
  10^3 users, one with 10^6, each user with 2FA on and 10 recovery-code rows
  (10^7 rows in the large one). They are loaded with SQL, not the ORM
  (``generate_series`` on PostgreSQL, a digits cross join on MariaDB), with
  values shaped like real ones: MD5 password hashes valid for the password,
  Fernet ciphertexts of known TOTP secrets, 2-hex-digit lookups and random
  code hashes of the stored format's length; then analyzed. The users whose
  requests are timed are made through the package (a real secret, real
  recovery codes) after the load.
- the protected view (the example's ``api/me/``), ``2fa/authenticate/`` with
  a TOTP code and with a recovery code, and ``login/`` (MD5 hasher, so the
  look-up is not drowned by hashing) are timed with Django's test client on
  a connection kept open, by the wall clock (the database's time is the
  point). Both sizes alternate in blocks, their order swapping each round:
  median and p99 of each size, and the ratio 10^6 / 10^3 (target: <= 1.1),
  the median of the ratios of the blocks' medians within each round, so a
  burst of load on the machine reaches both sides of a ratio alike.
- every SQL statement those requests run is captured at 10^6 users
  (``CaptureQueriesContext``) and shown with its ``EXPLAIN``; a sequential
  (full table) scan of the users or recovery-code table is flagged.
- PostgreSQL only: ``2fa/authenticate/`` (TOTP) against gunicorn with 4 sync
  workers on the 10^6-user database, with 1, 2, 4, 8, ... client threads for
  a few seconds each, until the median latency doubles (the knee). Every
  client has pending tokens of its own, minted beforehand for loaded users
  who never used a code (so each code is fresh, as in ``bench/load.py``).

The parent process creates and drops the databases; each database is
measured in a child process of its own (Django is set up once per process).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if __name__ == "__main__":  # this folder would shadow the ``bench`` package with bench.py
    sys.path[0:1] = [str(REPO), str(REPO / "example_project")]

from bench import load  # noqa: E402
from bench.measure import _TRANSACTION_CONTROL, JSON, PASSWORD, count_queries, progress  # noqa: E402

CODES_PER_USER = 10
SECRETS = 64  # known TOTP secrets the loaded users share, user i has secret i % 64
KNEE_WORKERS = 4
KNEE_RATE_CAP = 500  # req/s: pending tokens minted per second of a knee step
EXPLAINABLE = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.I)
Endpoint = tuple[Callable[[], None], Callable[[], Any]]  # set-up (untimed), timed call


@dataclass(frozen=True)
class ScalePlan:
    requests: int = 300  # per request kind and size
    block: int = 10  # requests in a row on one size before switching
    knee_seconds: float = 4.0
    knee_clients: tuple[int, ...] = (1, 2, 4, 8, 16, 32)


QUICK = ScalePlan(requests=100, block=10, knee_seconds=2.0, knee_clients=(1, 2, 4, 8, 16))


def size_label(n: int) -> str:
    exponent = round(math.log10(n)) if n > 0 else 0
    return f"10^{exponent}" if 10**exponent == n else f"{n:,}"


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


# --------------------------------------------------------------------------
# The parent: databases, children, the report.


def create_pg_databases(server_url: str, names: list[str]) -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{server_url}/postgres", autocommit=True, connect_timeout=3) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # any failure means: skip this database, say why
        progress(f"PostgreSQL at {server_url} not usable ({type(exc).__name__}: {exc})")
        return False
    return True


def drop_pg_databases(server_url: str, names: list[str]) -> None:
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True, connect_timeout=3) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _mysql_connect(server_url: str) -> Any:
    import MySQLdb  # type: ignore[import-untyped]
    from dj_database_url import parse

    config = parse(f"{server_url}/mysql")
    return MySQLdb.connect(
        host=config["HOST"],
        port=int(config["PORT"] or 3306),
        user=config["USER"],
        password=config["PASSWORD"] or "",
        connect_timeout=3,
    )


def create_mysql_databases(server_url: str, names: list[str]) -> bool:
    try:
        conn = _mysql_connect(server_url)
        try:
            cursor = conn.cursor()
            for name in names:
                cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
                cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        finally:
            conn.close()
    except Exception as exc:  # any failure means: skip this database, say why
        progress(f"MySQL/MariaDB at {server_url} not usable ({type(exc).__name__}: {exc})")
        return False
    return True


def drop_mysql_databases(server_url: str, names: list[str]) -> None:
    conn = _mysql_connect(server_url)
    try:
        cursor = conn.cursor()
        for name in names:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        conn.close()


def run_child(kind: str, server_url: str, args: argparse.Namespace) -> dict[str, Any] | None:
    names = [f"twofactor_scale_{os.getpid()}_{size}" for size in ("small", "large")]
    create, drop = {
        "postgresql": (create_pg_databases, drop_pg_databases),
        "mysql": (create_mysql_databases, drop_mysql_databases),
    }[kind]
    if not create(server_url, names):
        return None
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [
            sys.executable, str(Path(__file__).resolve()), "--child", kind,
            "--small-url", f"{server_url}/{names[0]}", "--large-url", f"{server_url}/{names[1]}",
            "--small", str(args.small), "--large", str(args.large), "--out", out.name,
        ]  # fmt: skip
        if args.quick:
            command.append("--quick")
        if args.no_knee:
            command.append("--no-knee")
        try:
            subprocess.run(command, check=True, cwd=REPO)
            return dict(json.loads(Path(out.name).read_text()))
        finally:
            progress(f"dropping {', '.join(names)}")
            drop(server_url, names)


def rst_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    border = "  ".join("=" * width for width in widths)

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    return "\n".join([border, line(header), border, *map(line, rows), border])


def report(results: list[dict[str, Any]], notes: list[str]) -> str:
    out: list[str] = []
    small, large = results[0]["sizes"]["small"], results[0]["sizes"]["large"]
    s, b = size_label(small), size_label(large)
    header = [
        "Request", "Database", f"{s} median", f"{s} p99", f"{b} median", f"{b} p99",
        "Ratio median", "Ratio p99", "Queries", "Full scans", "Met",
    ]  # fmt: skip
    rows = []
    for result in results:
        for row in result["rows"]:
            lo, hi = row["small"], row["large"]
            ratio = row["ratio"]
            met = ratio <= 1.1 and not row["full_scans"]
            rows.append(
                [
                    row["request"], result["database"], ms(lo["median"]), ms(lo["p99"]),
                    ms(hi["median"]), ms(hi["p99"]), f"{ratio:.3f}", f"{hi['p99'] / lo['p99']:.2f}",
                    str(row["queries"]), ", ".join(row["full_scans"]) or "none",
                    "yes" if met else "NO",
                ]
            )  # fmt: skip
    out += [rst_table(header, rows), ""]
    out.append(
        f"Target: the {b} / {s} ratio of the medians <= 1.1 and no full scan of the users or "
        "recovery-code table. In-process: Django's test client, one connection kept open, wall "
        f"clock, {results[0]['requests']} requests per size, sizes alternating in blocks of "
        f"{results[0]['block']}; the ratio of the medians is the median of the blocks' ratios "
        "within each round. "
        f"Users have 2FA on and {CODES_PER_USER} recovery-code rows each; MD5 password hasher."
    )
    out.append("")
    for result in results:
        for loaded in result["load"]:
            out.append(
                f"Load, {result['database']}, {size_label(loaded['users'])} users: users "
                f"{loaded['users_seconds']:.1f} s, {loaded['codes']:,} recovery-code rows "
                f"{loaded['codes_seconds']:.1f} s, "
                f"{loaded['analyze']} {loaded['analyze_seconds']:.1f} s."
            )
    for result in results:
        knee = result.get("knee")
        if not knee:
            continue
        out += ["", knee["title"], ""]
        steps = knee["steps"]
        base = steps[0]["median"]
        krows = [
            [
                str(step["clients"]), f"{step['rps']:.1f}", ms(step["median"]), ms(step["p99"]),
                f"{step['median'] / base:.2f}", str(step["done"]),
                str(len(step["errors"])) + (" (ran out of tokens)" if step["ran_out"] else ""),
            ]
            for step in steps
        ]  # fmt: skip
        out.append(
            rst_table(
                ["Clients", "req/s", "Median", "p99", "Median / 1 client", "Requests", "Errors"],
                krows,
            )
        )
        out.append("")
        out.append(knee["summary"])
    for result in results:
        out += ["", f"EXPLAIN at {b} users, {result['database']}:", ""]
        for item in result["explain"]:
            flag = f"  <-- FULL SCAN of {', '.join(item['flags'])}" if item["flags"] else ""
            out.append(f"[{item['request']}]{flag}")
            out.append(f"  {shorten(item['sql'])}")
            out.extend(f"    {line}" for line in item["plan"].splitlines())
    if notes:
        out.append("")
        out.extend(notes)
    return "\n".join(out)


def shorten(sql: str) -> str:
    """The statement for reading: a long column list or value as its count or head."""
    sql = re.sub(
        r"^SELECT ((?:[`\"]\w+[`\"]\.[`\"]\w+[`\"], ){3,}[`\"]\w+[`\"]\.[`\"]\w+[`\"]) FROM",
        lambda m: f"SELECT <{m.group(1).count(', ') + 1} columns> FROM",
        sql,
    )
    return re.sub(r"'([^']{40})[^']{20,}'", r"'\1...'", sql)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests, shorter knee")
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server, no database name: throwaway databases are created and dropped",
    )  # fmt: skip
    parser.add_argument(
        "--mysql-url", default=os.environ.get("BENCH_MYSQL_SERVER", "mysql://root@127.0.0.1:3306"),
        help="MySQL or MariaDB server, no database name (used if MySQLdb is importable)",
    )  # fmt: skip
    parser.add_argument("--no-mysql", action="store_true", help="PostgreSQL only")
    parser.add_argument("--no-knee", action="store_true", help="skip the gunicorn knee")
    parser.add_argument("--small", type=int, default=10**3, help="users of the small database")
    parser.add_argument("--large", type=int, default=10**6, help="users of the large database")
    parser.add_argument("--child", choices=["postgresql", "mysql"], help=argparse.SUPPRESS)
    parser.add_argument("--small-url", help=argparse.SUPPRESS)
    parser.add_argument("--large-url", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)

    began = time.perf_counter()
    results: list[dict[str, Any]] = []
    notes: list[str] = []
    result = run_child("postgresql", args.pg_url.rstrip("/"), args)
    if result is None:
        notes.append(f"PostgreSQL SKIPPED: no server at {args.pg_url}.")
    else:
        results.append(result)
    if args.no_mysql:
        notes.append("MySQL/MariaDB skipped (--no-mysql).")
    elif find_spec("MySQLdb") is None:
        notes.append("MySQL/MariaDB SKIPPED: no MySQLdb driver (pip install -e '.[mysql]').")
    else:
        result = run_child("mysql", args.mysql_url.rstrip("/"), args)
        if result is None:
            notes.append(f"MySQL/MariaDB SKIPPED: no server at {args.mysql_url}.")
        else:
            results.append(result)
    if not results:
        print("\n".join(notes))
        return 1
    print()
    print(report(results, notes))
    print()
    print(
        f"Django {results[0]['django']}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
        f"{', --quick' if args.quick else ''}. Run took {time.perf_counter() - began:.0f} s."
    )
    return 0


# --------------------------------------------------------------------------
# The child: one database server, both sizes.


def child(args: argparse.Namespace) -> int:
    os.environ["DATABASE_URL"] = args.large_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.scale_settings"
    import django
    from django.db import connections

    django.setup()
    plan = QUICK if args.quick else ScalePlan()
    large = connections["default"]
    small_name = args.small_url.rsplit("/", 1)[1]
    small = type(large)({**large.settings_dict, "NAME": small_name}, "default")
    dbs = {"small": small, "large": large}
    sizes = {"small": args.small, "large": args.large}
    database = database_name(large)
    progress(f"{database}: migrating both databases")
    from django.core.management import call_command

    for conn in dbs.values():
        use(conn)
        call_command("migrate", verbosity=0, interactive=False)

    from django_twofactor import crypto
    from django_twofactor.methods.totp import algorithm as totp

    secrets = [totp.new_secret() for _ in range(SECRETS)]
    ciphertexts = [crypto.encrypt(secret) for secret in secrets]
    loads = []
    for size, conn in dbs.items():
        use(conn)
        loads.append(load_users(conn, sizes[size], ciphertexts))

    endpoints: dict[str, dict[str, Endpoint]] = {}
    for size, conn in dbs.items():
        use(conn)
        endpoints[size] = subjects()
    queries: dict[str, int] = {}
    use(large)
    for name, (prepare, call) in endpoints["large"].items():
        prepare()
        call()
        prepare()
        queries[name] = count_queries(call)

    progress(f"{database}: explaining every statement at {size_label(args.large)} users")
    explained = explain_all(large, endpoints["large"])
    progress(f"{database}: timing {plan.requests} requests of each kind on each size")
    seconds = measure(dbs, endpoints, plan)
    rows: list[dict[str, Any]] = []
    for name in endpoints["large"]:
        rows.append(
            {
                "request": name,
                "queries": queries[name],
                "ratio": block_ratio(seconds[name]["small"], seconds[name]["large"], plan.block),
                "full_scans": sorted(
                    {t for item in explained if item["request"] == name for t in item["flags"]}
                ),
                **{
                    size: {"median": statistics.median(values), "p99": p99(values)}
                    for size, values in seconds[name].items()
                },
            }
        )
        lo, hi = rows[-1]["small"], rows[-1]["large"]
        progress(
            f"  {name}: {ms(lo['median'])} / {ms(hi['median'])} "
            f"(ratio {rows[-1]['ratio']:.3f}), p99 {ms(lo['p99'])} / {ms(hi['p99'])}"
        )
    result: dict[str, Any] = {
        "database": database,
        "django": django.get_version(),
        "sizes": sizes,
        "requests": plan.requests,
        "block": plan.block,
        "load": loads,
        "rows": rows,
        "explain": explained,
    }
    if large.vendor == "postgresql" and not args.no_knee:
        use(large)
        result["knee"] = knee(args.large_url, plan, secrets, args.large)
    for conn in dbs.values():
        conn.close()
    Path(args.out).write_text(json.dumps(result))
    return 0


def use(conn: Any) -> None:
    """Make ``conn`` the default connection: both stay open, switching is free."""
    from django.db import connections

    connections["default"] = conn


def database_name(conn: Any) -> str:
    with conn.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = str(cursor.fetchone()[0])
    if conn.vendor == "postgresql":
        return "PostgreSQL " + version.split()[1]
    name = "MariaDB" if "mariadb" in version.lower() else "MySQL"
    return f"{name} {version.split('-')[0]}"


def load_users(conn: Any, count: int, ciphertexts: list[str]) -> dict[str, Any]:
    """``count`` users with 2FA on and their recovery-code rows, by SQL."""
    from django.contrib.auth import get_user_model
    from django.core.management.color import no_style

    from django_twofactor.methods.recovery import codes as recovery
    from django_twofactor.models import RecoveryCode

    user_model = get_user_model()
    users, codes = user_model._meta.db_table, RecoveryCode._meta.db_table
    pg = conn.vendor == "postgresql"
    label = size_label(count)
    # Everything each row needs, as SQL of this vendor over the row number g.
    if pg:
        salt = "substr(md5('s' || g), 1, 22)"
        concat: Callable[..., str] = lambda *parts: " || ".join(parts)  # noqa: E731
        now, secret = "CURRENT_TIMESTAMP", "(%s::text[])[1 + g %% 64]"
        secret_params: list[Any] = [ciphertexts]
        number = "g::text"
        random_hex = "lpad(to_hex((random() * 255)::int), 2, '0')"
        random_salt = "substr(md5(random()::text), 1, 22)"
        random_b64 = "encode(sha256(random()::text::bytea), 'base64')"
    else:
        salt = "LEFT(MD5(CONCAT('s', g)), 22)"
        concat = lambda *parts: f"CONCAT({', '.join(parts)})"  # noqa: E731
        now = "UTC_TIMESTAMP(6)"
        secret = f"ELT(1 + g %% {SECRETS}, {', '.join(['%s'] * SECRETS)})"
        secret_params = list(ciphertexts)
        number = "CAST(g AS CHAR)"
        random_hex = "LOWER(LPAD(HEX(FLOOR(RAND() * 256)), 2, '0'))"
        random_salt = "LEFT(MD5(RAND()), 22)"
        random_b64 = "TO_BASE64(UNHEX(SHA2(RAND(), 256)))"
    columns: dict[str, tuple[str, list[Any]]] = {
        "id": ("g", []),
        "password": (concat("'md5$'", salt, "'$'", f"md5({concat(salt, '%s')})"), [PASSWORD]),
        "last_login": ("NULL", []),
        "is_superuser": ("FALSE", []),
        "username": (concat("'user'", f"lpad({number}, 7, '0')"), []),
        "first_name": ("''", []),
        "last_name": ("''", []),
        "email": (concat("'user'", number, "'@example.com'"), []),
        "is_staff": ("FALSE", []),
        "is_active": ("TRUE", []),
        "date_joined": (now, []),
        "two_factor_enabled": ("TRUE", []),
        "two_factor_secret": (secret, secret_params),
        "two_factor_last_step": ("0", []),  # turned on long ago: every current code is fresh
        "two_factor_failed_attempts": ("0", []),
        "two_factor_locked_until": ("NULL", []),
        "two_factor_epoch": ("1", []),
    }
    model_columns = {str(f.column) for f in user_model._meta.concrete_fields}
    if model_columns != set(columns):
        raise SystemExit(
            f"the user model's columns changed: {sorted(model_columns ^ set(columns))}"
        )
    names = ", ".join(conn.ops.quote_name(c) for c in columns)
    exprs = ", ".join(expr for expr, _ in columns.values())
    params = [p for _, ps in columns.values() for p in ps]
    prefix = f"{recovery.RecoveryCodeHasher.algorithm}${recovery.ITERATIONS}$"
    code_hash = concat(f"'{prefix}'", random_salt, "'$'", random_b64)
    code_columns = "user_id, lookup, code_hash, created_at, used_at"
    chunk = 100_000  # users per statement of recovery codes: 10^6 rows
    progress(f"loading {label} users ({count * CODES_PER_USER:,} recovery-code rows)")
    with conn.cursor() as cursor:
        began = time.perf_counter()
        if pg:
            cursor.execute(
                f"INSERT INTO {users} ({names}) SELECT {exprs} FROM generate_series(1, %s) AS g",  # noqa: S608
                [*params, count],
            )
        else:
            digits = math.ceil(math.log10(max(count, CODES_PER_USER))) or 1
            cursor.execute("CREATE TABLE scale_digits (d INT PRIMARY KEY)")
            ten = ", ".join(f"({d})" for d in range(10))
            cursor.execute(f"INSERT INTO scale_digits VALUES {ten}")  # noqa: S608
            joined = " CROSS JOIN ".join(f"scale_digits d{i}" for i in range(digits))
            number_sql = " + ".join(f"{10**i} * d{i}.d" for i in range(digits))
            cursor.execute("SET foreign_key_checks = 0, unique_checks = 0")
            cursor.execute(
                f"INSERT INTO {users} ({names}) SELECT {exprs} FROM "  # noqa: S608
                f"(SELECT 1 + {number_sql} AS g FROM {joined}) AS numbers WHERE g <= %s",
                [*params, count],
            )
        for statement in conn.ops.sequence_reset_sql(no_style(), [user_model]):
            cursor.execute(statement)
        users_seconds = time.perf_counter() - began
        progress(f"  {label} users: {users_seconds:.1f} s")
        began = time.perf_counter()
        if pg:
            # The rows are valid by construction: skip the foreign key's trigger per row.
            cursor.execute("SET session_replication_role = replica")
        for first in range(1, count + 1, chunk):
            last = min(first + chunk - 1, count)
            if pg:
                cursor.execute(
                    f"INSERT INTO {codes} ({code_columns}) SELECT (g - 1) / {CODES_PER_USER} + 1, "  # noqa: S608
                    f"{random_hex}, {code_hash}, {now}, NULL "
                    "FROM generate_series(%s, %s) AS g",
                    [(first - 1) * CODES_PER_USER + 1, last * CODES_PER_USER],
                )
            else:
                cursor.execute(
                    f"INSERT INTO {codes} ({code_columns}) SELECT STRAIGHT_JOIN u.id, "  # noqa: S608
                    f"{random_hex}, {code_hash}, {now}, NULL FROM {users} u "
                    "JOIN scale_digits d ON d.d < %s WHERE u.id BETWEEN %s AND %s",
                    [CODES_PER_USER, first, last],
                )
            if count >= 10 * chunk:
                progress(f"  recovery codes of users up to {last:,}")
        if pg:
            cursor.execute("SET session_replication_role = DEFAULT")
        else:
            cursor.execute("SET foreign_key_checks = 1, unique_checks = 1")
            cursor.execute("DROP TABLE scale_digits")
        codes_seconds = time.perf_counter() - began
        progress(f"  {label} users' recovery codes: {codes_seconds:.1f} s")
        began = time.perf_counter()
        if pg:  # VACUUM too: autovacuum would otherwise visit the new rows mid-measurement
            analyze = "VACUUM ANALYZE"
            cursor.execute(f"VACUUM ANALYZE {users}, {codes}")
        else:
            analyze = "ANALYZE TABLE"
            cursor.execute(f"ANALYZE TABLE {users}, {codes}")
            cursor.fetchall()
        analyze_seconds = time.perf_counter() - began
        progress(f"  {analyze}: {analyze_seconds:.1f} s")
        cursor.execute(f"SELECT count(*) FROM {codes}")  # noqa: S608
        rows = int(cursor.fetchone()[0])
    return {
        "users": count,
        "codes": rows,
        "users_seconds": users_seconds,
        "codes_seconds": codes_seconds,
        "analyze": analyze,
        "analyze_seconds": analyze_seconds,
    }


def expect(response: Any, status: int = 200) -> Any:
    if response.status_code != status:
        raise SystemExit(f"unexpected {response.status_code}: {response.content[:300]!r}")
    return response


def subjects() -> dict[str, Endpoint]:
    """The timed users, made through the package in the current default database."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.test import Client

    from django_twofactor import crypto, services, tokens
    from django_twofactor.methods.totp import algorithm as totp
    from django_twofactor.models import RecoveryCode

    users = get_user_model()._default_manager
    client = Client()
    secret = totp.new_secret()
    params = totp.TotpParameters.from_settings()
    password = make_password(PASSWORD)  # MD5 (bench/scale_settings.py)

    def user(username: str) -> Any:
        # TOTP on since step 0 (1970), as turn-on leaves it: any current code is fresh.
        return users.create(
            username=username,
            password=password,
            two_factor_secret=crypto.encrypt(secret),
            two_factor_enabled=True,
            two_factor_last_step=0,
        )

    def post(path: str, body: dict[str, Any], token: str | None = None) -> Any:
        extra: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        return expect(client.post(path, json.dumps(body), content_type=JSON, **extra))

    viewer = user("scale-view")
    access = tokens.full_tokens(viewer, ["pwd", "mfa", "otp"])["access"]
    authenticating = user("scale-totp")
    pending = tokens.pending_token(authenticating)
    recovering = user("scale-recovery")
    with transaction.atomic():
        recovery_code = services.replace_recovery_codes(recovering)[-1]
    recovery_pending = tokens.pending_token(recovering)
    user("scale-login")

    def nothing() -> None:
        return None

    def me() -> Any:
        return expect(client.get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {access}"))

    def fresh_step() -> None:
        users.filter(pk=authenticating.pk).update(two_factor_last_step=0)

    def authenticate() -> Any:
        code = totp.code_at(secret, params)
        return post("/api/auth/2fa/authenticate/", {"code": code}, pending)

    def unspend() -> None:
        RecoveryCode.objects.filter(user=recovering).update(used_at=None)

    def authenticate_with_recovery_code() -> Any:
        return post("/api/auth/2fa/authenticate/", {"code": recovery_code}, recovery_pending)

    def login() -> Any:
        response = post("/api/auth/login/", {"username": "scale-login", "password": PASSWORD})
        assert response.json()["two_factor_required"], response.content
        return response

    return {
        "api/me/ (protected view)": (nothing, me),
        "2fa/authenticate/ (TOTP code)": (fresh_step, authenticate),
        "2fa/authenticate/ (recovery code)": (unspend, authenticate_with_recovery_code),
        "login/ (MD5 hasher, 2FA on)": (nothing, login),
    }


def measure(
    dbs: dict[str, Any], endpoints: dict[str, dict[str, Endpoint]], plan: ScalePlan
) -> dict[str, dict[str, list[float]]]:
    """Wall-clock seconds per request, by request kind and size.

    Sizes alternate in blocks of ``plan.block`` requests (one untimed request
    after each switch), the order of the sizes swapping every round, so drift
    on a busy machine reaches both alike.
    """
    names = list(endpoints["large"])
    seconds: dict[str, dict[str, list[float]]] = {n: {s: [] for s in dbs} for n in names}
    for r in range(math.ceil(plan.requests / plan.block)):
        gc.collect()
        order = list(dbs) if r % 2 == 0 else list(reversed(dbs))
        for name in names:
            for size in order:
                use(dbs[size])
                prepare, call = endpoints[size][name]
                prepare()
                call()
                for _ in range(min(plan.block, plan.requests - len(seconds[name][size]))):
                    prepare()
                    start = time.perf_counter()
                    call()
                    seconds[name][size].append(time.perf_counter() - start)
    return seconds


def block_ratio(small: list[float], large: list[float], block: int) -> float:
    """The median over rounds of large / small, each side a block's median.

    A round's two blocks ran one after the other, so the ratio within a round
    cancels the drift that moves both.
    """
    return statistics.median(
        statistics.median(large[i : i + block]) / statistics.median(small[i : i + block])
        for i in range(0, min(len(small), len(large)), block)
    )


def explain_all(conn: Any, endpoints: dict[str, Endpoint]) -> list[dict[str, Any]]:
    """Each statement the requests run, with its plan and the tables it scans whole."""
    from django.contrib.auth import get_user_model
    from django.test.utils import CaptureQueriesContext

    from django_twofactor.models import RecoveryCode

    watched = {get_user_model()._meta.db_table, RecoveryCode._meta.db_table}
    explained = []
    for name, (prepare, call) in endpoints.items():
        prepare()
        with CaptureQueriesContext(conn) as captured:
            call()
        for query in captured.captured_queries:
            sql = query["sql"]
            if _TRANSACTION_CONTROL.match(sql):
                continue
            if not EXPLAINABLE.match(sql):
                explained.append(
                    {"request": name, "sql": sql, "plan": "(not a query)", "flags": []}
                )
                continue
            plan, flags = explain(conn, sql, watched)
            explained.append({"request": name, "sql": sql, "plan": plan, "flags": flags})
    return explained


def explain(conn: Any, sql: str, watched: set[str]) -> tuple[str, list[str]]:
    with conn.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        rows = cursor.fetchall()
        if conn.vendor == "postgresql":
            plan = "\n".join(row[0] for row in rows)
            scanned = re.findall(r"Seq Scan on (\w+)", plan)
            return plan, sorted({t for t in scanned if t in watched})
        header = [d[0] for d in cursor.description]
    cells = [header, *[["NULL" if v is None else str(v) for v in row] for row in rows]]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    plan = "\n".join(
        " | ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in cells
    )
    # type ALL reads the whole table, type index the whole of one index.
    # An INSERT's own row reads no table, whatever its type says.
    full = {
        str(row[header.index("table")])
        for row in rows
        if str(row[header.index("type")]) in ("ALL", "index")
        and str(row[header.index("select_type")]) != "INSERT"
    }
    return plan, sorted(full & watched)


# --------------------------------------------------------------------------
# The knee: 2fa/authenticate/ against gunicorn, more and more clients.


@dataclass
class Step:
    clients: int
    done: int = 0
    elapsed: float = 0.0
    rps: float = 0.0
    median: float = 0.0
    p99: float = 0.0
    ran_out: bool = False
    errors: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def run_step(base: str, slices: list[list[tuple[str, str]]], seconds: float) -> Step:
    """One client thread per slice of (pending token, secret), for ``seconds``."""
    from django_twofactor.methods.totp import algorithm as totp

    params = totp.TotpParameters.from_settings()
    step, lock = Step(len(slices)), threading.Lock()
    barrier = threading.Barrier(len(slices) + 1)
    deadline = [0.0]

    def client(work: list[tuple[str, str]]) -> None:
        barrier.wait()
        for pending, secret in work:
            if time.perf_counter() >= deadline[0]:
                return
            code = {"code": totp.code_at(secret, params)}  # fresh: this user's first code
            began = time.perf_counter()
            try:
                status, body = load.http(base, "/api/auth/2fa/authenticate/", code, pending)
                assert status == 200, f"authenticate {status}"
                assert "access" in body, body
            except (AssertionError, OSError) as exc:
                with lock:
                    step.errors.append(str(exc))
                continue
            took = time.perf_counter() - began
            with lock:
                step.seconds.append(took)
        with lock:
            step.ran_out = True

    threads = [threading.Thread(target=client, args=(work,)) for work in slices]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    deadline[0] = start + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    step.elapsed = time.perf_counter() - start
    step.done = len(step.seconds)
    if step.done:
        step.rps = step.done / step.elapsed
        step.median = statistics.median(step.seconds)
        step.p99 = p99(step.seconds)
    return step


def knee(database_url: str, plan: ScalePlan, secrets: list[str], users: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import connections

    from django_twofactor import tokens

    per_step = int(plan.knee_seconds * KNEE_RATE_CAP)
    warm = 40
    wanted = min(users, warm + per_step * len(plan.knee_clients))
    progress(f"knee: minting {wanted:,} pending tokens for loaded users")
    pool = [
        (tokens.pending_token(user), secrets[user.pk % SECRETS])
        for user in get_user_model()._default_manager.filter(pk__lte=wanted).order_by("pk")
    ]
    connections.close_all()
    workers, load.WORKERS = load.WORKERS, KNEE_WORKERS  # Gunicorn() reads it
    try:
        server = load.Gunicorn(database_url)
    finally:
        load.WORKERS = workers
    steps: list[Step] = []
    try:
        server.wait_ready()
        run_step(server.base, [pool[:warm]], 30)  # every worker imports and connects
        taken = warm
        for clients in plan.knee_clients:
            work = pool[taken : taken + per_step]
            taken += per_step
            if len(work) < clients:
                break
            progress(f"knee: {clients} clients for {plan.knee_seconds:.0f} s")
            step = run_step(
                server.base, [work[i::clients] for i in range(clients)], plan.knee_seconds
            )
            if not step.done:
                raise RuntimeError(f"knee: nothing completed; errors: {step.errors[:3]}")
            steps.append(step)
            progress(
                f"  {step.rps:.1f} req/s, median {ms(step.median)}, p99 {ms(step.p99)}"
                + (f", {len(step.errors)} errors" if step.errors else "")
            )
            if step.median >= 2 * steps[0].median:
                break
    finally:
        server.stop()
    base = steps[0].median
    knee_step = next((s for s in steps if s.median >= 2 * base), None)
    before = [s for s in steps if s.median < 2 * base]
    best = max(before, key=lambda s: s.rps)
    if knee_step is None:
        summary = (
            f"No knee up to {steps[-1].clients} clients: the median stayed under twice the "
            f"single client's ({ms(base)}); best {best.rps:.1f} req/s."
        )
    else:
        summary = (
            f"Knee at {knee_step.clients} clients: median {ms(knee_step.median)} >= 2 x "
            f"{ms(base)}, {knee_step.rps:.1f} req/s there; before it, {best.rps:.1f} req/s "
            f"at {best.clients} clients."
        )
    return {
        "title": (
            f"Throughput knee: 2fa/authenticate/ (TOTP), gunicorn with {KNEE_WORKERS} sync "
            f"workers, PostgreSQL with {size_label(users)} users, client threads on the same "
            f"machine, {plan.knee_seconds:.0f} s per step"
        ),
        "summary": summary,
        "steps": [{k: v for k, v in asdict(s).items() if k != "seconds"} for s in steps],
    }


if __name__ == "__main__":
    sys.exit(main())
