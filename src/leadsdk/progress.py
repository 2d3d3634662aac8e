"""Long operations: progress (silent by default, `progress=True` for a tqdm bar from the optional
package, or a callback `fn(done, total)`), and the garbage collector paused while one builds many objects."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Progress", "make_progress", "paused_gc"]

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


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off for a bulk step (restored after, if it was on).

    Bulk steps (a page of rows becoming Entities, bulk duplicate detection) allocate many objects and no
    cycles; the collector would rescan them again and again while they are made (a third of an export's
    time, more than half of bulk detection's). It runs once afterwards instead. Another thread's pause
    may end this one early, which only costs time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
