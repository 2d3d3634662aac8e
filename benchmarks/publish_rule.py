"""Publishing the lead e-mail duplicate rule over N existing leads (issue 22: 1,000,000 leads in < 15 s).

    python benchmarks/publish_rule.py build N STORE   # a SQLite file store, N leads by CreateMultiple of 100,000
    python benchmarks/publish_rule.py publish STORE   # time PublishDuplicateRuleRequest of the lead e-mail rule

`build` writes a store once; `publish` runs on a copy of it (made by the caller, e.g. `cp`), since publishing
writes the rule's codes. It prints the publish's wall time, its CPU time (resource.getrusage of the process,
the request alone) and the process's max RSS.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

from leadsdk import ColumnSet, Entity, OrganizationService
from leadsdk.messages import CreateMultipleRequest, PublishDuplicateRuleRequest
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.storage import SqliteStorage

CHUNK = 100_000


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def build(n: int, path: Path) -> None:
    svc = OrganizationService(SqliteStorage(path, synchronous="NORMAL"))
    t0 = time.perf_counter()
    for start in range(0, n, CHUNK):
        svc.execute(CreateMultipleRequest(targets=[
            Entity("lead", firstname=f"First{i % 997}", lastname=f"Last{i}", companyname=f"Company {i % 5003}",
                   subject="Bench", emailaddress1=f"person{i}@example{i % 101}.com",
                   telephone1=f"+1 555 {i % 10_000_000:07d}")
            for i in range(start, min(n, start + CHUNK))]))
    svc.close()
    print(f"built {n:,} leads in {time.perf_counter() - t0:.1f} s: {path}")


def publish(path: Path) -> None:
    svc = OrganizationService(SqliteStorage(path, synchronous="NORMAL"))
    q = QueryExpression("duplicaterule", column_set=ColumnSet("baseentityname"))
    q.criteria.add_condition("baseentityname", ConditionOperator.EQUAL, "lead")
    rule_id = svc.retrieve_multiple(q)[0].id
    c0, t0 = _cpu(), time.perf_counter()
    svc.execute(PublishDuplicateRuleRequest(duplicate_rule_id=rule_id))
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    svc.close()
    print(f"publish: {wall:.2f} s wall, {cpu:.2f} s CPU, max RSS {rss:.0f} MiB")


if __name__ == "__main__":
    if sys.argv[1:2] == ["build"] and len(sys.argv) == 4:
        build(int(sys.argv[2]), Path(sys.argv[3]))
    elif sys.argv[1:2] == ["publish"] and len(sys.argv) == 3:
        publish(Path(sys.argv[2]))
    else:
        sys.exit(__doc__)
