"""Every service on one store sees the others' security and customization changes on its next request
(records layer).

A store caches facts it reads often in its `StoreCache`: each user's rights, published duplicate rules,
routing rules, entity maps, the organization row, and the metadata (custom tables and columns). A
feature that changes one of them calls `changed(ctx, namespace)` (a customization: `customized`),
which drops the namespace here and bumps the store-wide counter (`Storage.bump_generation`, one row in
the store) in the same transaction; a rolled-back change rolls its bump back with it.

The pipeline wraps each top-level request in `top_level`: it registers the request with the store's
`RequestGate` (so `close()` waits for it and requests after `close()` fault), then `refresh`es: when
the counter moved since this store last looked (another service, in this process or another, changed
something) it drops every cached value and replays the customizations it has not applied yet.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Hashable

from leadsdk.query.model import OrderExpression, QueryExpression
from leadsdk.records.context import Context, StoreState
from leadsdk.storage.customizations import TABLE as CUSTOMIZATION_TABLE
from leadsdk.storage.customizations import apply as apply_customization
from leadsdk.types import ColumnSet

__all__ = ["changed", "customized", "refresh", "start", "top_level"]


class _Watch:
    """What one store last saw: the counter and the customization rows applied."""

    def __init__(self, generation: int, applied: set[uuid.UUID]) -> None:
        self.lock = threading.Lock()
        self.generation = generation
        self.applied = applied


# ------------------------------------------------------------------------------------------------
# the pipeline's side
def start(state: StoreState) -> None:
    """When a store is opened: remember the counter and the customizations applied already."""
    state.watch = _Watch(state.storage.generation(), {r[0] for r in _customization_rows(state)})


class top_level:
    """Around one top-level request on a store: the close gate, then `refresh` (a plain context manager,
    as it wraps every request)."""

    __slots__ = ("gate", "state")

    def __init__(self, state: StoreState) -> None:
        self.state = state
        self.gate = state.storage.gate

    def __enter__(self) -> None:
        self.gate.enter()
        try:
            refresh(self.state)
        except BaseException:
            self.gate.leave()
            raise

    def __exit__(self, *exc: object) -> None:
        self.gate.leave()


def refresh(state: StoreState) -> None:
    """Drop the store's caches when its counter moved since the store last looked."""
    st = state.storage
    watch: _Watch | None = state.watch
    if watch is None or st.in_transaction:
        return  # a request inside a caller's transaction: its outermost request looked already
    g = st.generation()
    if watch.generation == g:
        return
    with watch.lock:
        if watch.generation == g:
            return
        _forget(state, watch)
        watch.generation = g


def _forget(state: StoreState, watch: _Watch) -> None:
    """Drop every cached security, rule and settings fact, and replay new customizations."""
    state.cache.clear()
    new = [r for r in _customization_rows(state) if r[0] not in watch.applied]
    if new:
        for rid, kind, payload in new:
            apply_customization(state.metadata, kind, json.loads(payload))
            watch.applied.add(rid)
        state.storage.attach(state.metadata)


def _customization_rows(state: StoreState) -> list[tuple[uuid.UUID, str, str]]:
    t = state.metadata.get(CUSTOMIZATION_TABLE)
    if t is None:
        return []
    pk = t.primary_id_attribute
    q = QueryExpression(CUSTOMIZATION_TABLE, ColumnSet(pk, "kind", "payload", "sequence"))
    q.orders.append(OrderExpression("sequence"))
    return [(r[pk], str(r["kind"]), str(r["payload"])) for r in state.storage.select(q).rows]


# ------------------------------------------------------------------------------------------------
# the features' side: in the transaction of the change
def changed(ctx: Context, *namespaces: Hashable) -> None:
    """Cached facts of these StoreCache namespaces changed in this request: drop them here, and make
    every other service on the store drop its caches on its next request."""
    ctx.cache.invalidate(*namespaces)
    ctx.storage.bump_generation()


def customized(ctx: Context, row_id: uuid.UUID) -> None:
    """A customization row was recorded (and applied to this store's metadata already): other services
    replay it on their next request."""
    ctx.storage.bump_generation()
    watch: _Watch | None = ctx.store.watch
    if watch is not None:
        watch.applied.add(row_id)
