"""Progress for long operations: silent by default, `progress=True` for a tqdm bar (optional
package), or a callback `fn(done, total)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["Progress", "make_progress"]

Progress = bool | Callable[[int, int | None], Any] | None


def make_progress(progress: Progress, total: int | None, desc: str) -> tuple[Callable[[int], None],
                                                                              Callable[[], None]]:
    """(tick(n), close()) for the given progress setting."""
    if not progress:
        return (lambda n: None), (lambda: None)
    if callable(progress):
        cb = progress
        done = [0]

        def tick(n: int) -> None:
            done[0] += n
            cb(done[0], total)

        return tick, (lambda: None)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        raise ImportError("progress=True needs the optional package tqdm: pip install 'leadsdk[progress]'") from None
    bar = tqdm(total=total, desc=desc, unit="rec")
    return bar.update, bar.close
