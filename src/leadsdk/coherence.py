"""Every service on one store sees the others' security and customization changes on its next request.

A service core caches facts it reads often: each user's rights, published duplicate rules, routing
rules, the organization row, and the metadata (custom tables and columns). A change of any of them -
a write of a watched table, a security N:N link - bumps the store-wide counter
(`Storage.bump_generation`, one row in the store) in the same transaction. At the start of each
top-level request a core compares the counter with the value it saw last (`refresh`); when another
service, in this process or another, changed something it drops those caches and replays the
customizations it has not applied yet. A rolled-back change rolls its bump back with it.

`top_level` wraps each top-level request: it also registers the request with the store's
`RequestGate`, so `close()` waits for it and requests after `close()` fault.
"""

from __future__ import annotations

import json
import threading
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from leadsdk import customizations
from leadsdk.entities.model import EntityMetadata
from leadsdk.messages.base import HandlerContext
from leadsdk.query.model import OrderExpression, QueryExpression
from leadsdk.records.context import StoreState
from leadsdk.records.events import listens_for
from leadsdk.security.engine import SECURITY_RELATIONSHIPS, SECURITY_TABLES
from leadsdk.types import ColumnSet

__all__ = ["WATCHED_TABLES", "forget_caches", "refresh", "start", "top_level"]

WATCHED_TABLES = frozenset(SECURITY_TABLES | {
    "duplicaterule", "duplicaterulecondition", "msdyn_assignmentrule", "organization", "transactioncurrency",
    "scoringmodel", customizations.TABLE,
})
"""Tables whose writes change what services cache: their changes bump the store's counter."""


class _Watch:
    """What one store's services last saw: the counter and the customization rows applied."""

    def __init__(self, generation: int, applied: set[uuid.UUID]) -> None:
        self.lock = threading.Lock()
        self.generation = generation
        self.applied = applied


_WATCHES: weakref.WeakKeyDictionary[StoreState, _Watch] = weakref.WeakKeyDictionary()


@contextmanager
def top_level(state: StoreState) -> Iterator[None]:
    """Around one top-level request on a store: the close gate, then `refresh`."""
    with state.storage.gate.request():
        refresh(state)
        yield


def start(state: StoreState) -> None:
    """When a store is opened: remember the counter and the customizations applied already."""
    _WATCHES[state] = _Watch(state.storage.generation(), {r[0] for r in _customization_rows(state)})


def refresh(state: StoreState) -> None:
    """Drop the store's caches when its counter moved since its services last looked."""
    st = state.storage
    watch = _WATCHES.get(state)
    if watch is None or st.in_transaction:
        return  # a request inside a caller's transaction: its outermost request looked already
    g = st.generation()
    if watch.generation == g:
        return
    with watch.lock:
        if watch.generation == g:
            return
        forget_caches(state, watch)
        watch.generation = g


def forget_caches(state: StoreState, watch: _Watch) -> None:
    """Drop every cached security, rule and settings fact, and replay new customizations."""
    state.cache.clear()
    new = [r for r in _customization_rows(state) if r[0] not in watch.applied]
    if new:
        for rid, kind, payload in new:
            customizations.apply(state.metadata, kind, json.loads(payload))
            watch.applied.add(rid)
        state.storage.attach(state.metadata)


def _customization_rows(state: StoreState) -> list[tuple[uuid.UUID, str, str]]:
    t = state.metadata.get(customizations.TABLE)
    if t is None:
        return []
    pk = t.primary_id_attribute
    q = QueryExpression(customizations.TABLE, ColumnSet(pk, "kind", "payload", "sequence"))
    q.orders.append(OrderExpression("sequence"))
    return [(r[pk], str(r["kind"]), str(r["payload"])) for r in state.storage.select(q).rows]


# ------------------------------------------------------------------------------------------------
# bumps, in the transaction of the change
@listens_for(("after_create", "after_update", "after_delete"), tables=WATCHED_TABLES)
def _bump(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, *_: Any) -> None:
    if t.logical_name in WATCHED_TABLES:
        ctx.storage.bump_generation()
        watch = _WATCHES.get(ctx.store)
        if t.logical_name == customizations.TABLE and watch is not None:  # applied here already
            watch.applied.add(id_)


@listens_for(("after_associate", "after_disassociate"))
def _bump_link(ctx: HandlerContext, relationship: str, *_: Any) -> None:
    if relationship in SECURITY_RELATIONSHIPS:
        ctx.storage.bump_generation()
