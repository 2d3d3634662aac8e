"""Every ```python block in docs/*.md and README.md runs, file by file, in one namespace per file.

A block fenced as ```python is executed; use ```text or ```pycon for examples that must not run.
"""

from __future__ import annotations

import importlib.util
import json
import re
import uuid
from pathlib import Path
from types import ModuleType

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


def _notebook_tool() -> ModuleType:
    path = ROOT / "tools" / "run_notebook.py"
    spec = importlib.util.spec_from_file_location("run_notebook", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tutorial_notebook_runs_and_its_stored_outputs_are_current(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/tutorial.ipynb: every code cell runs, in order, in one namespace (as Run All does), and prints
    what the notebook stores (the docs site publishes the stored outputs), ids and times aside."""
    tool = _notebook_tool()
    path = ROOT / "docs" / "tutorial.ipynb"
    stored = tool.read(path)
    monkeypatch.chdir(tmp_path)
    fresh = tool.execute(tool.read(path), path.name)
    assert [c["source"] for c in fresh["cells"]] == [c["source"] for c in stored["cells"]]
    assert all(c["outputs"] for c in stored["cells"] if c["cell_type"] == "code"), "every code cell shows something"
    assert tool.masked_outputs(fresh) == tool.masked_outputs(stored), (
        "the stored outputs are stale: run python tools/run_notebook.py docs/tutorial.ipynb")


def test_the_notebook_check_sees_a_stale_output() -> None:
    """The comparison masks ids and spacing, but not what a cell shows."""
    tool = _notebook_tool()
    nb = tool.read(ROOT / "docs" / "tutorial.ipynb")
    changed = json.loads(json.dumps(nb))
    stream = next(o for c in changed["cells"] for o in c.get("outputs", []) if o["output_type"] == "stream")
    text = "".join(stream["text"])
    new_id = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", str(uuid.uuid4()), text)
    assert new_id != text
    stream["text"] = [new_id.replace(" ", "  ")]
    assert tool.masked_outputs(changed) == tool.masked_outputs(nb)
    stream["text"] = [new_id.replace("already closed", "still open")]
    assert tool.masked_outputs(changed) != tool.masked_outputs(nb)
