#!/usr/bin/env python3
"""Project tasks that need nothing but Python 3.10+: `python3 tasks.py demo|test|lint|bench|docs`.

Each task makes (or reuses) the virtual environment `.venv` and installs the project into it with
its development extras, re-installing when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".leadsdk-installed"


def run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    rc = subprocess.call([str(a) for a in args], cwd=ROOT)
    if rc != 0:
        sys.exit(rc)


def ensure_venv() -> None:
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
        run(PY, "-m", "pip", "install", "-q", "--upgrade", "pip")
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != want:
        run(PY, "-m", "pip", "install", "-q", "-e", ".[dev]")
        STAMP.write_text(want)


def demo() -> None:
    run(PY, "examples/demo.py")


def lint() -> None:
    run(BIN / "ruff", "check", "src", "tests", "benchmarks", "examples")
    run(BIN / "mypy", "src")
    run(PY, "-m", "leadsdk.entities.codegen", "--check")
    run(PY, "-m", "leadsdk.docgen", "--check")


def js_test_deps() -> None:
    """The npm client the Web API tests drive (tests/webapi_js); skipped where npm is missing."""
    npm = shutil.which("npm")
    js = ROOT / "tests" / "webapi_js"
    if npm is None or (js / "node_modules" / "dynamics-web-api").exists():
        return
    rc = subprocess.call([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(js)], cwd=ROOT)
    if rc != 0:
        print("! npm ci failed: the dynamics-web-api tests will be skipped", flush=True)


def test() -> None:
    lint()
    js_test_deps()
    run(PY, "-m", "pytest", *sys.argv[2:])


def bench() -> None:
    run(PY, "benchmarks/run.py", *sys.argv[2:])


TASKS = {"demo": demo, "test": test, "lint": lint, "bench": bench}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        print(f"usage: python3 tasks.py {{{'|'.join(TASKS)}}} [args]", file=sys.stderr)
        sys.exit(2)
    ensure_venv()
    TASKS[sys.argv[1]]()


if __name__ == "__main__":
    main()
