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
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from leadsdk import customizations
from leadsdk.entities.model import EntityMetadata
from leadsdk.messages.base import HandlerContext
from leadsdk.messages.records import HOOKS, for_tables
from leadsdk.query.model import OrderExpression, QueryExpression
from leadsdk.security.engine import SECURITY_RELATIONSHIPS, SECURITY_TABLES
from leadsdk.types import ColumnSet

__all__ = ["WATCHED_TABLES", "forget_caches", "refresh", "top_level"]

WATCHED_TABLES = frozenset(SECURITY_TABLES | {
    "duplicaterule", "duplicaterulecondition", "msdyn_assignmentrule", "organization", "transactioncurrency",
    customizations.TABLE,
})
"""Tables whose writes change what services cache: their changes bump the store's counter."""

_SEEN = "coherence.generation"
_APPLIED = "coherence.customizations"
_LOCK = "coherence.lock"


@contextmanager
def top_level(core: Any) -> Iterator[None]:
    """Around one top-level request of a service core: the close gate, then `refresh`."""
    with core.storage.gate.request():
        refresh(core)
        yield


def start(core: Any) -> None:
    """When a core opens its store: remember the counter and the customizations applied already."""
    ext = core.extensions
    ext[_LOCK] = threading.Lock()
    ext[_SEEN] = core.storage.generation()
    ext[_APPLIED] = {r[0] for r in _customization_rows(core)}


def refresh(core: Any) -> None:
    """Drop the core's caches when the store's counter moved since this core last looked."""
    st = core.storage
    if st.in_transaction:
        return  # a request inside a caller's transaction: its outermost request looked already
    ext = core.extensions
    g = st.generation()
    if ext.get(_SEEN) == g:
        return
    with ext[_LOCK]:
        if ext.get(_SEEN) == g:
            return
        forget_caches(core)
        ext[_SEEN] = g


def forget_caches(core: Any) -> None:
    """Drop every cached security, rule and organization fact, and replay new customizations."""
    ext = core.extensions
    for key in ("duplicates", "cache"):
        ext.pop(key, None)
    for key in ("security", "routing"):
        eng = ext.get(key)
        cache = getattr(eng, "cache", None)
        if cache is not None:
            cache.invalidate(False)
    applied: set[uuid.UUID] = ext.setdefault(_APPLIED, set())
    new = [r for r in _customization_rows(core) if r[0] not in applied]
    if new:
        for rid, kind, payload in new:
            customizations.apply(core.metadata, kind, json.loads(payload))
            applied.add(rid)
        core.storage.attach(core.metadata)


def _customization_rows(core: Any) -> list[tuple[uuid.UUID, str, str]]:
    t = core.metadata.get(customizations.TABLE)
    if t is None:
        return []
    pk = t.primary_id_attribute
    q = QueryExpression(customizations.TABLE, ColumnSet(pk, "kind", "payload", "sequence"))
    q.orders.append(OrderExpression("sequence"))
    return [(r[pk], str(r["kind"]), str(r["payload"])) for r in core.storage.select(q).rows]


# ------------------------------------------------------------------------------------------------
# bumps, in the transaction of the change
@for_tables(*WATCHED_TABLES)
def _bump(ctx: HandlerContext, t: EntityMetadata, id_: uuid.UUID, *_: Any) -> None:
    if t.logical_name in WATCHED_TABLES:
        ctx.storage.bump_generation()
        if t.logical_name == customizations.TABLE:  # applied here already
            ctx.extensions.setdefault(_APPLIED, set()).add(id_)


def _bump_link(ctx: HandlerContext, relationship: str, *_: Any) -> None:
    if relationship in SECURITY_RELATIONSHIPS:
        ctx.storage.bump_generation()


HOOKS.after_create.append(_bump)
HOOKS.after_update.append(_bump)
HOOKS.after_delete.append(_bump)
HOOKS.after_associate.append(_bump_link)
HOOKS.after_disassociate.append(_bump_link)
