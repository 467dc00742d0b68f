"""The statuses Schemathesis reached, per operation, from its NDJSON report.

    python clients/schemathesis/statuses.py REPORT.ndjson SCHEMA.json

Prints a table of every operation of the schema with the statuses of the
responses Schemathesis got (its own requests only: the hooks' set-up is not in
the report), and fails (exit 1) unless every operation in ``NEEDS_2XX`` got at
least one 2xx. The operations in ``EXEMPT`` can only succeed with a valid TOTP
code, recovery code or security key, which Schemathesis cannot make; an
operation of the schema in neither list fails the run too, so a new endpoint
is classified here before it is tested.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

NEEDS_2XX = {
    "POST /api/auth/login/",
    "POST /api/auth/refresh/",
    "POST /api/auth/logout/",
    "POST /api/auth/2fa/generate/",
    "POST /api/auth/2fa/generate.png",
    "POST /api/auth/2fa/generate.svg",
    "GET /api/auth/2fa/",
    "GET /api/auth/2fa/devices/",
    "DELETE /api/auth/2fa/devices/{id}/",
    "GET /api/auth/2fa/webauthn/",
    "POST /api/auth/2fa/webauthn/register/options/",
    "POST /api/auth/2fa/webauthn/authenticate/options/",
    "PATCH /api/auth/2fa/webauthn/{id}/",
    "DELETE /api/auth/2fa/webauthn/{id}/",
    "GET /api/me/",
    "POST /api/payout/",
}
VALID_CODE = "needs a valid TOTP or recovery code"
EXEMPT = {
    "POST /api/auth/2fa/authenticate/": f"{VALID_CODE}, or a security key's assertion",
    "POST /api/auth/2fa/verify/": f"{VALID_CODE}, or a security key's assertion",
    "POST /api/auth/2fa/turn-on/": "needs a valid TOTP code of the secret just generated",
    "POST /api/auth/2fa/turn-off/": VALID_CODE,
    "POST /api/auth/2fa/recovery-codes/": "needs a valid TOTP code",
    "POST /api/auth/2fa/webauthn/register/": "needs an authenticator's answer to the options",
}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def operations(schema: dict) -> list[str]:
    return [
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if method in METHODS
    ]


def statuses(report: Path) -> dict[str, Counter[int]]:
    """``"METHOD /path/{id}/"`` -> how many responses of each status."""
    seen: dict[str, Counter[int]] = defaultdict(Counter)
    with report.open() as lines:
        for line in lines:
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            recorder = finished["recorder"]
            for case_id, case in recorder.get("cases", {}).items():
                value = case["value"]
                interaction = recorder.get("interactions", {}).get(case_id)
                if interaction is None or interaction.get("response") is None:
                    continue
                label = f"{value['method'].upper()} {value['path']}"
                seen[label][interaction["response"]["status_code"]] += 1
    return seen


def main(report: Path, schema_file: Path) -> int:
    schema = json.loads(schema_file.read_text())
    seen = statuses(report)
    failures = []
    width = max(len(label) for label in operations(schema))
    print(f"\n{'operation':<{width}}  2xx?    statuses reached (responses)")
    for label in operations(schema):
        counts = seen.get(label, Counter())
        reached = any(200 <= status < 300 for status in counts)
        shown = ", ".join(f"{status} ({n})" for status, n in sorted(counts.items())) or "-"
        if label in NEEDS_2XX:
            mark = "yes" if reached else "NO"
            if not reached:
                failures.append(f"{label}: no 2xx (reached {shown})")
        elif label in EXEMPT:
            mark = "yes" if reached else "exempt"
        else:
            mark = "?"
            failures.append(f"{label}: neither in NEEDS_2XX nor in EXEMPT (statuses.py)")
        print(f"{label:<{width}}  {mark:<6}  {shown}")
    documented = set(operations(schema))
    # The unsupported_method check's probes: every method a path does not offer.
    probes: dict[int, list[str]] = defaultdict(list)
    for label in sorted(set(seen) - documented):
        for status, n in seen[label].items():
            probes[status] += [label] * n
    for status, labels in sorted(probes.items()):
        listed = "" if status == 405 else ": " + ", ".join(labels)
        print(f"methods the schema does not offer: {status} ({len(labels)}){listed}")
    for label in sorted((NEEDS_2XX | set(EXEMPT)) - documented):
        failures.append(f"{label}: listed in statuses.py but not in the schema")
    print("\nExempt from the 2xx requirement (they need a valid code or key):")
    for label, reason in EXEMPT.items():
        print(f"  {label}: {reason}")
    if failures:
        print("\nFAILED, 2xx coverage:\n  " + "\n  ".join(failures))
        return 1
    print(f"\n2xx reached on all {len(NEEDS_2XX)} operations that can answer one without a code.")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
