"""Schemathesis against the live example project, then the 2xx coverage.

    .venv/bin/python clients/live.py -- .venv/schemathesis/bin/python clients/schemathesis/run.py

(``make schemathesis``.) Runs ``st run`` on the live schema (``$SCHEMA_FILE``,
``$API_URL`` from ``clients/live.py``) with every check and every phase
(examples, coverage, fuzzing, stateful: the stateful one follows the schema's
OpenAPI links), a fixed seed and a bounded number of examples per operation
(``MAX_EXAMPLES``; the stateful phase's in ``schemathesis.toml``),
the auth of ``hooks.py``, and its reports (JUnit XML, NDJSON, HAR) in
``clients/schemathesis/report/`` (git-ignored). Then ``statuses.py`` reads the
NDJSON report. Exits non-zero if Schemathesis found any failure or an
operation that must reach a 2xx did not. ``ST_ARGS`` (split on spaces) is
appended to the command, say ``ST_ARGS="--max-examples 10"`` for a quick try.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
REPORT = HERE / "report"
SEED = 15
MAX_EXAMPLES = 50


def main() -> int:
    config = (HERE / "schemathesis.toml").read_text()
    if json.dumps(os.environ["API_PASSWORD"]) not in config:
        print("schemathesis.toml's password dictionary is not $API_PASSWORD", file=sys.stderr)
        return 1
    for stale in REPORT.glob("*"):
        stale.unlink()
    REPORT.mkdir(exist_ok=True)
    ndjson = REPORT / "events.ndjson"
    command = [
        str(Path(sys.executable).parent / "st"),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        os.environ["SCHEMA_FILE"],
        "--url",
        os.environ["API_URL"],
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        # One request at a time: the server has one thread, and the hooks'
        # TOTP steps and token renewals are simplest in order.
        "--workers",
        "1",
        # Every failure of a scenario, not only its first.
        "--continue-on-failure",
        # No examples carried over from an earlier run: the seed alone decides.
        "--generation-database",
        "none",
        # The curl reproductions in full: tokens and bodies of a throwaway
        # server whose signing key died with it.
        "--output-sanitize",
        "false",
        "--no-color",
        "--report",
        "junit,ndjson,har",
        "--report-dir",
        str(REPORT),
        "--report-junit-path",
        str(REPORT / "junit.xml"),
        "--report-ndjson-path",
        str(ndjson),
        "--report-har-path",
        str(REPORT / "requests.har"),
        *os.environ.get("ST_ARGS", "").split(),
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "clients.schemathesis.hooks",
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    started = time.monotonic()
    status = subprocess.run(command, cwd=ROOT, env=env).returncode
    print(f"\nst run: exit {status} after {time.monotonic() - started:.0f} s")
    if not ndjson.exists():
        print(f"no report at {ndjson}", file=sys.stderr)
        return status or 1
    from statuses import main as statuses

    coverage = statuses(ndjson, Path(os.environ["SCHEMA_FILE"]))
    return status or coverage


if __name__ == "__main__":
    sys.exit(main())
