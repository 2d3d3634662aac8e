"""Run benchmarks: `python benchmarks/run.py [area ...] [--quick]` (areas: the bench_<area>.py files)."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import print_table  # noqa: E402


def main() -> None:
    areas = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("areas", nargs="*", help=f"some of: {', '.join(areas)} (default: all)")
    ap.add_argument("--quick", action="store_true", help="smaller N, for a smoke run")
    args = ap.parse_args()
    for area in args.areas or areas:
        if area not in areas:
            ap.error(f"unknown area {area!r}; known: {', '.join(areas)}")
        mod = importlib.import_module(f"bench_{area}")
        print(f"\n== {area} ==")
        getattr(mod, "print_table", print_table)(mod.run(args.quick))


if __name__ == "__main__":
    main()
