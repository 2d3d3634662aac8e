"""Match codes of stores written before `leadsdk.duplicates.codeids` (duplicates feature), upgraded when
such a store is opened (`rules.rekey_match_codes`, a store upgrader).

Those stores hold code rows whose primary id is uuid5(rule id, str(record id)); this version finds a
record's code by `code_id(rule, record)`, so an old row would be neither updated (a second row would be
inserted next to it) nor deleted by its id. `needs_rekey` reads the code row with the smallest id (one
probe of the primary-key index): a store whose codes were all written by this version has its own id
there; an old store almost surely has an old id there, since old ids are spread over the whole range of
ids and this version's sort with their records' time-ordered ids.

`rekey` then writes every code again, in one transaction: the table is emptied (one statement), and the
codes of every published rule are computed from the records as publishing the rule computes them, in
record order, so with the new ids (about as long as publishing the rules: ~7 s for 1,000,000 leads on a
SQLite file; changing each row's id in place took ~50 s, its deletes and inserts landing on random pages).
A code depends only on its rule and the record's values, which the write hooks kept current, so the codes
are the ones stored; rows of rules that are no longer published (never read) are not written again. The
indexes those stores kept on the code table's rule and record columns are dropped (codes are found by id).
"""

from __future__ import annotations

from leadsdk.duplicates.codeids import code_id
from leadsdk.duplicates.store import (
    MC,
    clear_codes,
    compute_all_codes,
    index_codes,
    published_rules,
)
from leadsdk.messages.base import HandlerContext
from leadsdk.query.model import QueryExpression
from leadsdk.types import ColumnSet

__all__ = ["needs_rekey", "rekey", "rekey_all"]


_ID, _RULE, _RECORD = "duplicatematchcodeid", "duplicateruleid", "recordid"


def needs_rekey(ctx: HandlerContext) -> bool:
    """Whether the store's first code row (by id) has an id other than `code_id` of its rule and record."""
    q = QueryExpression(MC, column_set=ColumnSet(_ID, _RULE, _RECORD), top_count=1)
    q.add_order(_ID)
    rows = ctx.storage.select(q).rows
    return bool(rows) and rows[0][_ID] != code_id(rows[0][_RULE], rows[0][_RECORD])


def rekey(ctx: HandlerContext) -> int:
    """Every code written again with this version's ids (the caller's transaction; see the module
    docstring); the number of old rows deleted."""
    old = clear_codes(ctx, None)  # and the code index, built from the new codes at once
    for rules in published_rules(ctx).by_matching.values():
        for rule in rules:
            compute_all_codes(ctx, rule)
    index_codes(ctx)
    return old


def rekey_all(ctx: HandlerContext) -> int:
    """`rekey` when `needs_rekey`, in a setup transaction (checked again inside it: another process may
    have upgraded the store meanwhile); the number of old rows deleted."""
    if not needs_rekey(ctx):
        return 0
    with ctx.storage.setup_transaction():
        return rekey(ctx) if needs_rekey(ctx) else 0
