"""RetrieveDuplicates under callgrind (`/work/notes/cg.sh benchmarks/cg_duplicates.py`): K probes (a lead with
firstname, lastname and an e-mail address matching one seeded lead, as compare's `row_retrieve_duplicates`)
after 20 of warm-up, on a 2,000-lead SQLite store seeded as compare seeds it (WAL, synchronous=NORMAL), with
the e-mail duplicate rule published. Each probe returns its one duplicate as Dataverse does: the whole record,
every column with its lookup names and formatted values.

Run it from the worktree root with `PYTHONPATH=src:benchmarks PYTHONHASHSEED=0`; `DUP_CHECK=1` prints the
first probe's duplicate (its attributes and formatted values) instead, to compare outputs before/after.
`DUP_PART=sql`: per probe, only leadsdk's two statements (the coherence check and the probe statement, as
the warm-up's probes ran them) on its connection by sqlite3: the floor, to subtract from the whole."""

from __future__ import annotations

import gc
import os
import tempfile
from pathlib import Path

import bench_compare as b

from leadsdk import Entity, OrganizationService
from leadsdk.messages import PublishDuplicateRuleRequest, RetrieveDuplicatesRequest
from leadsdk.query import ColumnSet, ConditionOperator, QueryExpression
from leadsdk.storage.sqlite import SqliteStorage

K = int(os.environ.get("K", "50"))


def _store() -> OrganizationService:
    """2,000 leads seeded as compare seeds them; the lead e-mail rule published (as compare picks it)."""
    tmp = Path(tempfile.mkdtemp())
    svc = OrganizationService(SqliteStorage(tmp / "leadsdk.db", synchronous="NORMAL"))
    b._seed(svc, b._sqlite_raw(tmp / "raw.db"), 2000, 200)
    q = QueryExpression("duplicaterule", column_set=ColumnSet("baseentityname", "name"))
    q.criteria.add_condition("baseentityname", ConditionOperator.EQUAL, "lead")
    rules = [r for r in svc.retrieve_multiple(q).entities if "mail" in str(r.get("name", "")).lower()] or \
        list(svc.retrieve_multiple(q).entities)
    svc.execute(PublishDuplicateRuleRequest(duplicate_rule_id=rules[0].id))
    return svc


def _probe(svc: OrganizationService, i: int) -> list[Entity]:
    e = Entity("lead", firstname="New", lastname=f"Probe{i}", emailaddress1=f"user{i * 7}@example.com")
    found = list(svc.execute(RetrieveDuplicatesRequest(business_entity=e, matching_entity_name="lead"))
                 .duplicate_collection.entities)
    assert len(found) == 1, found
    return found


def main() -> None:
    svc = _store()
    if os.environ.get("DUP_CHECK"):
        for i in (0, 3):
            d = _probe(svc, i)[0]
            print(d.logical_name, d.id)
            for k in sorted(d.attributes):
                print(" ", k, repr(d.attributes[k]))
            for k in sorted(d.formatted_values):
                print(" fv", k, repr(d.formatted_values[k]))
        return
    if os.environ.get("DUP_PART") == "sql":
        _statements(svc)
        return
    gc.freeze()  # the seeded objects out of the collector's way (as cg_qualify.py)
    for i in range(K + 20):
        _probe(svc, i)


def _statements(svc: OrganizationService) -> None:
    """The statements of K + 20 probes (recorded from 270 of leadsdk's, whatever K), replayed by sqlite3."""
    storage = svc.storage
    assert isinstance(storage, SqliteStorage)
    rec = b._Recorder(storage.conn)
    storage._state.conn = rec
    for i in range(270):
        _probe(svc, i)
    storage._state.conn = rec._conn
    gc.freeze()
    conn = rec._conn
    for sql, params, many in rec.log[: len(rec.log) // 270 * (K + 20)]:
        conn.executemany(sql, params) if many else conn.execute(sql, params).fetchall()


if __name__ == "__main__":
    main()
