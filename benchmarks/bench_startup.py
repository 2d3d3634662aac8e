"""How long `import leadsdk` takes in a fresh interpreter, with the optional packages (pandas, pyarrow,
scikit-learn, tqdm, rapidfuzz, psycopg) installed and as if they were not (each import of them made to
fail, as when missing). Targets (issue 19): under 150 ms without them, at most 50 ms more with them.
The raw column is the interpreter's own start (`python -c pass`), for scale. The import is timed as CPU
time of the importing process (`time.process_time`), which a busy shared machine inflates far less than
wall time; run it where the bytecode caches can be written (not under PYTHONDONTWRITEBYTECODE), or
every run compiles the package afresh.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

from harness import Result

OPTIONAL = ("pandas", "pyarrow", "numpy", "sklearn", "tqdm", "rapidfuzz", "psycopg", "psycopg_pool")
TARGET_WITHOUT_S = 0.150
TARGET_EXTRA_S = 0.050

_TIMED_IMPORT = """
import sys, time
for name in {blocked!r}:
    sys.modules[name] = None  # `import name` now raises ImportError, as when it is not installed
t0 = time.process_time()
import leadsdk
print(time.process_time() - t0)
"""


def _import_s(blocked: tuple[str, ...]) -> float:
    """CPU seconds `import leadsdk` takes in a new interpreter (measured inside it)."""
    out = subprocess.run([sys.executable, "-c", _TIMED_IMPORT.format(blocked=blocked)],
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def _startup_s() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - t0


def _best(fn: Callable[[], float], n: int) -> float:
    return min(fn() for _ in range(n))


def run(quick: bool) -> list[Result]:
    n = 3 if quick else 7
    _import_s(())  # warm the bytecode caches
    without = _best(lambda: _import_s(OPTIONAL), n)
    with_ = _best(lambda: _import_s(()), n)
    start = _best(_startup_s, n)
    ok_without = "yes" if without < TARGET_WITHOUT_S else "NO"
    ok_with = "yes" if with_ - without <= TARGET_EXTRA_S else "NO"
    return [
        Result("import leadsdk, optional packages not importable", 1, without, start,
               note=f"{without * 1000:.0f} ms (target < {TARGET_WITHOUT_S * 1000:.0f} ms: {ok_without})"),
        Result("import leadsdk, optional packages installed", 1, with_, start,
               note=f"{with_ * 1000:.0f} ms, {(with_ - without) * 1000:+.0f} ms against not installed "
                    f"(target <= +{TARGET_EXTRA_S * 1000:.0f} ms: {ok_with})"),
    ]
