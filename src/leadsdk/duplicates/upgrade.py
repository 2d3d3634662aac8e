"""Re-keying the match codes of stores written before `leadsdk.duplicates.codeids` (duplicates feature).

Such stores hold code rows whose primary id is uuid5(rule id, str(record id)); this version finds a
record's code by `code_id(rule, record)`, so an old row would be neither updated (a second row would be
inserted next to it) nor deleted by its id. When a store is opened (`rules.rekey_match_codes`, a store
upgrader), `needs_rekey` reads the code row with the smallest id (one probe of the primary-key index): a
store whose codes were all written or re-keyed by this version has its own id there; an old store almost
surely has an old id there, since old ids are spread over the whole range of ids and this version's sort
with their records' time-ordered ids. `rekey` then gives every row its new id in one transaction, in
which the indexes those stores kept on the rule and record columns are dropped (codes are found by id).
"""

from __future__ import annotations

from leadsdk.duplicates.codeids import code_id
from leadsdk.duplicates.store import drop_unused_indexes
from leadsdk.messages.base import HandlerContext
from leadsdk.query.model import QueryExpression
from leadsdk.query.paging import pages
from leadsdk.storage.base import Row
from leadsdk.types import ColumnSet

__all__ = ["PAGE", "needs_rekey", "rekey", "rekey_all"]


_MC = "duplicatematchcode"


_ID, _RULE, _RECORD = "duplicatematchcodeid", "duplicateruleid", "recordid"


_COLUMNS = (_ID, _RULE, _RECORD, "entityname", "matchcode", "isactive")


def _stale(row: Row) -> bool:
    return bool(row[_ID] != code_id(row[_RULE], row[_RECORD]))


def needs_rekey(ctx: HandlerContext) -> bool:
    """Whether the store's first code row (by id) has an id other than `code_id` of its rule and record."""
    q = QueryExpression(_MC, column_set=ColumnSet(_ID, _RULE, _RECORD), top_count=1)
    q.add_order(_ID)
    rows = ctx.storage.select(q).rows
    return bool(rows) and _stale(rows[0])


PAGE = 5000
"""Code rows read (and re-keyed) at a time."""


def rekey(ctx: HandlerContext) -> int:
    """Give every code row whose id is not `code_id(rule, record)` that id (the caller's transaction);
    the number of rows re-keyed. The rows are read a page at a time in id order (keyset paging: a row
    re-keyed to an id after the page is read again later and left as it is); a row whose new id is
    already taken (a code this version wrote for the same rule and record) is only deleted."""
    mc = ctx.metadata.table(_MC)
    q = QueryExpression(_MC, column_set=ColumnSet(*_COLUMNS))
    done = 0
    for res in pages(lambda q_: ctx.storage.select(q_), q, PAGE):
        old = [r for r in res.rows if _stale(r)]
        if not old:
            continue
        new = [code_id(r[_RULE], r[_RECORD]) for r in old]
        taken = {r[_ID] for r in ctx.storage.get_many(mc, new, [_ID])}
        ctx.storage.delete_many(mc, [r[_ID] for r in old])
        keep = [(i, r) for i, r in zip(new, old) if i not in taken]
        if keep:
            ctx.storage.insert_columns(mc, {
                _ID: [i for i, _ in keep], **{c: [r[c] for _, r in keep] for c in _COLUMNS[1:]}})
        done += len(old)
    return done


def rekey_all(ctx: HandlerContext) -> int:
    """`rekey` when `needs_rekey`, in a setup transaction (checked again inside it: another process may
    have re-keyed the store meanwhile); the number of rows re-keyed."""
    if not needs_rekey(ctx):
        return 0
    with ctx.storage.setup_transaction():
        if not needs_rekey(ctx):
            return 0
        drop_unused_indexes(ctx)  # the rule and record indexes of those stores: no longer read
        return rekey(ctx)

