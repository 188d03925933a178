"""The results table: one row per scenario, with its target and PASS or MISS."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


@dataclass
class Row:
    """One scenario's figures; a row has a ratio target, a time limit, or neither."""

    scenario: str
    per_second: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    ratio: float | None = None
    target: float | None = None  # least ratio to the bare route (most, if lower_is_better)
    lower_is_better: bool = False
    limit_ms: float | None = None  # the p50 must stay under this
    errors: int = 0
    single: bool = False  # timed one request at a time, not under wrk's load
    note: str = ""

    @property
    def target_text(self) -> str:
        if self.target is not None:
            return f"{'≤' if self.lower_is_better else '≥'} {self.target:g}"
        if self.limit_ms is not None:
            return (f"< {self.limit_ms / 1000:g} s" if self.limit_ms >= 10_000
                    else f"< {self.limit_ms:g} ms")
        return ""

    @property
    def result(self) -> str:
        if self.note:
            return "n/a"
        if self.errors:
            return "ERRORS"
        if self.target is not None and self.ratio is not None:
            met = self.ratio <= self.target if self.lower_is_better else self.ratio >= self.target
            return verdict(met)
        if self.limit_ms is not None and self.p50_ms is not None:
            return verdict(self.p50_ms < self.limit_ms)
        return ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"target_text": self.target_text, "result": self.result}


def _number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def table_lines(rows: list[Row]) -> list[str]:
    """The table as Markdown (it reads well in a terminal too)."""
    lines = ["| scenario | req/s | p50 ms | p99 ms | ratio | target | result |",
             "|---|---:|---:|---:|---:|---|---|"]
    for row in rows:
        name = row.scenario + (f" ({row.note})" if row.note else "")
        if row.errors:
            name += f" [{row.errors} errors]"
        per_second = _number(row.per_second, 0) + (" *" if row.single and row.per_second
                                                   else "")
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "—"
        lines.append(f"| {name} | {per_second} | {_number(row.p50_ms)} | "
                     f"{_number(row.p99_ms)} | {ratio} | {row.target_text} | {row.result} |")
    return lines


def print_table(results: dict[str, Any], rows: list[Row]) -> None:
    facts = results["machine"]
    settings = results["settings"]
    bare = results["bare_route"]
    print()
    print(f"{facts['cpu']}, {facts['nproc']} cores; load average "
          f"{', '.join(f'{x:.2f}' for x in facts['load_average_before'])} before, "
          f"{', '.join(f'{x:.2f}' for x in facts['load_average_after'])} after")
    print(f"{results['database']}, {settings['products']:,} products; gunicorn "
          f"{settings['workers']} sync workers; wrk -t{settings['wrk_threads']} "
          f"-c{settings['wrk_connections']} -d{settings['duration_s']:g}s per scenario; "
          f"bare route {bare['requests_per_second']:,.0f} req/s overall (slices "
          f"{bare['slowest_slice']:,.0f} to {bare['fastest_slice']:,.0f})")
    print()
    for line in table_lines(rows):
        print(line)
    memory = results["memory"]
    print(f"\nPeak worker memory (VmHWM): shop {memory['shop']['peak_vmhwm_mb']:.0f} MB "
          f"({memory['shop']['peak_vmhwm_mb_before_single_shots']:.0f} MB before the single "
          f"shots), bare {memory['bare']['peak_vmhwm_mb']:.0f} MB "
          f"(target < {memory['target_mb']} MB): {memory['result']}")
    print(f"Highest sampled share of one shop worker: PSS {memory['shop']['peak_pss_mb']:.0f} MB, "
          f"private {memory['shop']['peak_private_mb']:.0f} MB (the rest of VmHWM is shared "
          "with the preloaded master)")
    print("* timed one request at a time: req/s is 1 / mean time, not a load figure")
