"""A per-store cache of values computed from stored rows, correct across transactions (records layer).

Settings rows, published duplicate rules, security rights, routing rules and entity maps are read on
almost every request, so each store keeps them. A cached value must never outlive the data it came
from, nor show one transaction's uncommitted (maybe rolled-back) writes to another request:

- every key is a tuple whose first item is its *namespace* (`("org",)`, `("rights", user)`);
  `invalidate(namespace)` drops the namespace;
- inside a transaction (`scope()`, entered by the pipeline around every write transaction) values
  are kept in a layer private to the thread; an invalidation there also hides the shared values of
  the namespace from this transaction. On commit the layer's values are published (unless another
  thread invalidated since they were loaded) and its invalidations applied again; on rollback the
  layer is dropped, so nothing a rolled-back transaction saw or wrote is ever served later.

Thread-safe: the shared dictionary changes under a lock; each thread has its own layers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

__all__ = ["StoreCache"]

T = TypeVar("T")
_MISS = object()


class _Layer:
    """What one transaction (or savepoint) loaded and invalidated."""

    __slots__ = ("dropped", "values")

    def __init__(self) -> None:
        self.values: dict[tuple[Hashable, ...], tuple[Any, int]] = {}
        self.dropped: set[Hashable] = set()


class _Layers(threading.local):
    stack: list[_Layer]

    def __init__(self) -> None:
        self.stack = []


class StoreCache:
    """Values keyed by `(namespace, ...)`, shared by every request on one store; see the module docstring."""

    def __init__(self) -> None:
        self._data: dict[tuple[Hashable, ...], Any] = {}
        self._generation = 0
        self._lock = threading.Lock()
        self._layers = _Layers()

    def get(self, key: tuple[Hashable, ...], load: Callable[[], T]) -> T:
        """The cached value of `key`, loaded with `load()` (and kept) on a miss."""
        stack = self._layers.stack
        if stack:
            namespace = key[0]
            for layer in reversed(stack):
                got = layer.values.get(key)
                if got is not None:
                    return got[0]  # type: ignore[no-any-return]
                if namespace in layer.dropped:
                    break  # hidden from this transaction: load it
            else:
                value = self._data.get(key, _MISS)
                if value is not _MISS:
                    return value  # type: ignore[no-any-return]
            generation = self._generation
            loaded = load()
            stack[-1].values[key] = (loaded, generation)
            return loaded
        value = self._data.get(key, _MISS)
        if value is not _MISS:
            return value  # type: ignore[no-any-return]
        generation = self._generation
        loaded = load()
        with self._lock:
            if self._generation == generation:
                self._data[key] = loaded
        return loaded

    def invalidate(self, *namespaces: Hashable) -> None:
        """Forget every value of these namespaces (after a write of the rows they come from)."""
        self._drop_shared(namespaces)
        stack = self._layers.stack
        if stack:
            for layer in stack:
                for key in [k for k in layer.values if k[0] in namespaces]:
                    del layer.values[key]
            stack[-1].dropped.update(namespaces)

    def clear(self) -> None:
        """Forget everything (the store's data changed behind the cache's back)."""
        with self._lock:
            self._generation += 1
            self._data.clear()
        for layer in self._layers.stack:
            layer.values.clear()

    def _drop_shared(self, namespaces: Any) -> None:
        with self._lock:
            self._generation += 1
            for key in [k for k in self._data if k[0] in namespaces]:
                del self._data[key]

    def scope(self) -> AbstractContextManager[None]:
        """A transaction (or savepoint) of this thread: see the module docstring."""
        return _Scope(self)

    def _enter(self) -> _Layer:
        layer = _Layer()
        self._layers.stack.append(layer)
        return layer

    def _leave(self, layer: _Layer, failed: bool) -> None:
        """The end of a scope: its layer dropped (`failed`) or merged into the one below / published."""
        stack = self._layers.stack
        stack.pop()
        if failed:
            if stack:  # a rolled-back savepoint: what the outer layers loaded may have seen its writes
                for outer in stack:
                    outer.values.clear()
                stack[-1].dropped.update(layer.dropped)
            return
        if stack:
            outer = stack[-1]
            for key in [k for k in outer.values if k[0] in layer.dropped]:
                del outer.values[key]
            outer.dropped.update(layer.dropped)
            outer.values.update(layer.values)
            return
        if layer.dropped:  # other threads may have cached the old committed values meanwhile
            self._drop_shared(layer.dropped)
        with self._lock:
            for key, (value, generation) in layer.values.items():
                if generation == self._generation and key[0] not in layer.dropped:
                    self._data[key] = value


class _Scope:
    """`StoreCache.scope()`: a class, not a generator, as every write transaction enters one."""

    __slots__ = ("cache", "layer")

    def __init__(self, cache: StoreCache) -> None:
        self.cache = cache

    def __enter__(self) -> None:
        self.layer = self.cache._enter()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: Any) -> None:
        self.cache._leave(self.layer, et is not None)
