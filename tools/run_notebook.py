"""Run a notebook's code cells and store their outputs in it, as Jupyter's Run All and Save would.

    python tools/run_notebook.py docs/tutorial.ipynb            # rewrite the stored outputs
    python tools/run_notebook.py docs/tutorial.ipynb --check    # exit 1 when they are stale

The cells run in order in one namespace, in this interpreter (no kernel needed); a cell's outputs are
what it prints and the value of its last expression (`text/plain`, and `text/html` when the value has
a `_repr_html_`, as a notebook shows DataFrames and leadsdk's records). The docs site publishes the
stored outputs (mkdocs-jupyter with `execute: false`: nothing runs when the site is built), and
tests/test_docs.py checks that they are current. Stale means different once ids (GUIDs), times and
memory addresses are masked (they change on every run) and runs of white space are made one space.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["execute", "main", "masked_outputs", "read", "write"]

_MASKS = (
    (re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"), "<id>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"), "<time>"),
    (re.compile(r"\b\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}( [AP]M)?"), "<time>"),
    (re.compile(r" at 0x[0-9a-fA-F]+"), " at <address>"),
)


def _lines(text: str) -> list[str]:
    """Text as nbformat stores it: a list of lines, each but the last ending in a newline."""
    return text.splitlines(keepends=True)


def _run_cell(source: str, ns: dict[str, Any], name: str) -> tuple[str, Any]:
    """Run one cell: what it printed, and the value of its last statement when that is an expression."""
    tree = ast.parse(source, filename=name)
    last: ast.expr | None = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body.pop().value
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(tree, name, "exec"), ns)
        value = eval(compile(ast.Expression(last), name, "eval"), ns) if last is not None else None
    return out.getvalue(), value


def execute(nb: dict[str, Any], name: str = "notebook") -> dict[str, Any]:
    """`nb` with every code cell run (in the current directory) and its outputs and count stored."""
    ns: dict[str, Any] = {"__name__": "__main__"}
    count = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        count += 1
        printed, value = _run_cell("".join(cell["source"]), ns, f"{name}[cell {count}]")
        outputs: list[dict[str, Any]] = []
        if printed:
            outputs.append({"name": "stdout", "output_type": "stream", "text": _lines(printed)})
        if value is not None:
            data = {"text/plain": _lines(repr(value))}
            html = value._repr_html_() if hasattr(value, "_repr_html_") else None
            if isinstance(html, str):
                data["text/html"] = _lines(html)
            outputs.append({"data": data, "execution_count": count, "metadata": {},
                            "output_type": "execute_result"})
        cell["execution_count"] = count
        cell["outputs"] = outputs
    return nb


def masked_outputs(nb: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Each code cell's outputs with ids, times and addresses masked: what must stay the same."""
    def mask(text: str) -> str:
        for pattern, replacement in _MASKS:
            text = pattern.sub(replacement, text)
        return " ".join(text.split())

    def clean(output: dict[str, Any]) -> dict[str, Any]:
        kept: dict[str, Any] = {"output_type": output["output_type"]}
        if "text" in output:
            kept["text"] = mask("".join(output["text"]))
        for mime, value in output.get("data", {}).items():
            kept[mime] = mask("".join(value) if isinstance(value, list) else str(value))
        return kept

    return [[clean(o) for o in c.get("outputs", [])] for c in nb["cells"] if c["cell_type"] == "code"]


def read(path: Path) -> dict[str, Any]:
    nb: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return nb


def write(nb: dict[str, Any], path: Path) -> None:
    """As Jupyter saves a notebook: one-space indents, sorted keys."""
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def run_fresh(path: Path) -> dict[str, Any]:
    """The notebook at `path`, run in a throw-away directory (what its cells write stays out of the tree)."""
    nb = read(path)
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            return execute(nb, path.name)
        finally:
            os.chdir(here)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    paths = [Path(a).resolve() for a in args if a != "--check"]
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    stale = 0
    for path in paths:
        fresh = run_fresh(path)
        if check:
            if masked_outputs(fresh) != masked_outputs(read(path)):
                print(f"{path}: stored outputs are stale: run python tools/run_notebook.py {path}", file=sys.stderr)
                stale += 1
            continue
        write(fresh, path)
        print(f"wrote the outputs of {path}")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
