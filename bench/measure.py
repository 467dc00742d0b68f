"""What every part of the benchmark shares: the plan, the clock, rounds, the table."""

from __future__ import annotations

import gc
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PASSWORD = "correct horse battery staple"
JSON = "application/json"


@dataclass(frozen=True)
class Plan:
    """How much of each part to run; the defaults take about 100 s on 2 cores."""

    view_rounds: int = 12
    view_requests: int = 120  # per variant and round
    login_rounds: int = 12  # PBKDF2: about 0.5 s a login on a small machine
    md5_login_requests: int = 50  # per variant and round
    endpoint_requests: int = 200
    generate_requests: int = 40  # per format
    qr_images: int = 30  # per factory
    flow_seconds: float = 12.0
    flow_users: int = 120
    auth_seconds: float = 6.0
    auth_users: int = 1000


QUICK = Plan(
    view_rounds=7, view_requests=80, login_rounds=5, md5_login_requests=30,
    endpoint_requests=80, generate_requests=15, qr_images=12,
    flow_seconds=6.0, flow_users=60, auth_seconds=3.0, auth_users=500,
)  # fmt: skip

# In-process figures use this process's CPU time: on a shared machine the wall
# clock also counts the time other processes hold the CPU. --wall switches.
_clock: Callable[[], float] = time.process_time


def use_wall_clock() -> None:
    global _clock
    _clock = time.perf_counter


def clock_name() -> str:
    return "the wall clock" if _clock is time.perf_counter else "CPU time"


def now() -> float:
    return _clock()


@dataclass
class Row:
    what: str
    result: str
    baseline: str = "-"
    ratio: str = "-"
    queries: str = "-"
    target: str = "-"
    met: str = "-"


HEADER = Row("Measurement", "Result", "Compared with", "Ratio", "Queries", "Target", "Met")


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        print(f"  {row.what}: {row.result}  {row.baseline}  {row.ratio}", file=sys.stderr)

    def table(self) -> str:
        """An RST simple table, ready to paste into docs/operations.rst."""
        cells = [list(vars(row).values()) for row in (HEADER, *self.rows)]
        widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]
        border = "  ".join("=" * width for width in widths)

        def line(values: list[str]) -> str:
            return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

        return "\n".join([border, line(cells[0]), border, *map(line, cells[1:]), border])


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def latency(seconds: list[float]) -> str:
    return f"median {ms(median(seconds))}, p95 {ms(p95(seconds))}"


def interleaved_rounds(
    variants: dict[str, Callable[[], Any]], rounds: int, per_round: int
) -> dict[str, list[float]]:
    """Seconds per call of each variant, one figure per round.

    Variants alternate call by call, their order rotating, so a burst of
    background load hits them all alike.
    """
    names = list(variants)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        gc.collect()
        spent = dict.fromkeys(names, 0.0)
        for i in range(per_round):
            shift = (r * per_round + i) % len(names)
            for name in names[shift:] + names[:shift]:
                start = now()
                variants[name]()
                spent[name] += now() - start
        for name in names:
            seconds[name].append(spent[name] / per_round)
    return seconds


def throughput_ratio(ours: list[float], theirs: list[float]) -> float:
    """Our requests per second over theirs: the median of the ratios within rounds.

    Both sides of a round ran interleaved, under the same load, so the ratio
    within a round cancels the drift that moves both medians.
    """
    return median([t / o for o, t in zip(ours, theirs, strict=True)])


_TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


def count_queries(call: Callable[[], Any], using: str = "default") -> int:
    """SQL statements ``call`` runs; transaction control, which varies by backend, left out."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connections[using]) as captured:
        call()
    return sum(1 for q in captured.captured_queries if not _TRANSACTION_CONTROL.match(q["sql"]))
