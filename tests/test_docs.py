"""Every ```python block in docs/*.md and README.md runs, file by file, in one namespace per file.

A block fenced as ```python is executed; use ```text or ```pycon for examples that must not run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([*(ROOT / "docs").glob("*.md"), ROOT / "README.md"])
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_doc_examples_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = FENCE.findall(path.read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    ns: dict[str, object] = {"__name__": f"docs_{path.stem}"}
    for i, code in enumerate(blocks):
        try:
            exec(compile(code, f"{path.name}[block {i + 1}]", "exec"), ns)
        except Exception as e:  # pragma: no cover - the failure message is the point
            raise AssertionError(f"{path.name} block {i + 1} failed: {type(e).__name__}: {e}\n{code}") from e


def test_tutorial_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/tutorial.ipynb: every code cell runs, in order, in one namespace (as Run All does)."""
    import json

    nb = json.loads((ROOT / "docs" / "tutorial.ipynb").read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    ns: dict[str, object] = {"__name__": "tutorial"}
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert cells
    for i, cell in enumerate(cells):
        code = "".join(cell["source"])
        exec(compile(code, f"tutorial.ipynb[cell {i + 1}]", "exec"), ns)
