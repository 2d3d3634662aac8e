"""A tiny harness: time leadsdk and raw driver code doing the same work in the same run, print ratios.

Each benchmark module `benchmarks/bench_<area>.py` defines `run(quick: bool) -> list[Result]`.
`python benchmarks/run.py [area ...] [--quick]` runs them and prints one table.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

__all__ = ["Result", "measure", "peak_memory", "print_table", "timed"]


@dataclass
class Result:
    """One workload: leadsdk's time and the raw baseline's time for the same number of operations."""

    name: str
    ops: int
    leadsdk_s: float
    raw_s: float | None = None
    bound: float | None = None
    """The issue's target for leadsdk_s / raw_s (e.g. 3.0); for throughput targets like '>= 1/3 of raw', 3.0."""
    note: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return None if not self.raw_s else self.leadsdk_s / self.raw_s

    @property
    def ok(self) -> bool | None:
        r = self.ratio
        return None if r is None or self.bound is None else r <= self.bound


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """Best wall time of `repeat` runs of fn (seconds)."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def measure(name: str, ops: int, leadsdk: Callable[[], object], raw: Callable[[], object] | None = None,
            bound: float | None = None, repeat: int = 1, note: str = "") -> Result:
    """Run raw first then leadsdk (each `repeat` times, best kept)."""
    raw_s = timed(raw, repeat) if raw is not None else None
    lead_s = timed(leadsdk, repeat)
    return Result(name, ops, lead_s, raw_s, bound, note)


def peak_memory(fn: Callable[[], object]) -> tuple[float, int]:
    """(seconds, peak bytes allocated by Python) of one run of fn."""
    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return dt, peak


def print_table(results: Iterable[Result]) -> None:
    rows = list(results)
    print(f"{'workload':<52} {'ops':>8} {'leadsdk ops/s':>14} {'raw ops/s':>12} {'ratio':>7} {'bound':>6}  ok")
    for r in rows:
        lo = r.ops / r.leadsdk_s if r.leadsdk_s else float("inf")
        ro = f"{r.ops / r.raw_s:12.0f}" if r.raw_s else f"{'-':>12}"
        ratio = f"{r.ratio:7.2f}" if r.ratio is not None else f"{'-':>7}"
        bound = f"{r.bound:6.1f}" if r.bound is not None else f"{'-':>6}"
        ok = {True: "yes", False: "NO", None: ""}[r.ok]
        print(f"{r.name:<52} {r.ops:>8} {lo:14.0f} {ro} {ratio} {bound}  {ok}")
        if r.note:
            print(f"    {r.note}")
        for k, v in r.extra.items():
            print(f"    {k}: {v}")
