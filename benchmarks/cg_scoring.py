"""PublishScoringModel under callgrind (`/work/notes/cg.sh benchmarks/cg_scoring.py`): compare's
`row_scoring` at a small size. A SQLite store (WAL, synchronous=NORMAL) gets 600 closed leads, a model
trained on them and 5,000 open leads; all but K*20 of the open ones are then disqualified by one raw
UPDATE that writes every open lead (so the seeding costs the same for any K), and one publish scores the
K*20 left open (new score rows, the leads' score columns written back). cg.sh's per-op is per 20 leads:
per lead = (cost(K = 250) - cost(K = 50)) / 4,000, printed by `SC_MODE=wall` runs as well.

SC_MODE: `cg` (default: seed, one publish); `wall` (not for callgrind: seconds per lead of publishes on
30,000 open leads, best of SC_RUNS, each on a fresh store).
SC_AGAIN=1: the publish measured is a second one (every lead has a score row: re-scored in place); the
first scores all 5,000 open leads before the raw UPDATE, so it costs the same for any K."""

from __future__ import annotations

import gc
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from leadsdk import Entity, OrganizationService
from leadsdk.messages import PublishScoringModelRequest, TrainScoringModelRequest
from leadsdk.scoring.synthetic import load_leads
from leadsdk.storage.sqlite import SqliteStorage

K = int(os.environ.get("K", "50"))
MODE = os.environ.get("SC_MODE", "cg")
OPEN = 5000
PER_K = 20
AGAIN = os.environ.get("SC_AGAIN") == "1"


def _store(open_: int, keep: int) -> tuple[OrganizationService, object]:
    tmp = Path(tempfile.mkdtemp())
    svc = OrganizationService(SqliteStorage(tmp / "score.db", synchronous="NORMAL"))
    load_leads(svc, closed=600, seed=1)
    mid = svc.create(Entity("scoringmodel", name="All leads", entityname="lead"))
    svc.execute(TrainScoringModelRequest(model_id=mid))
    load_leads(svc, open_=open_, seed=2)
    if AGAIN:
        svc.execute(PublishScoringModelRequest(model_id=mid))
    if keep < open_:
        conn = sqlite3.connect(tmp / "score.db", isolation_level=None)
        conn.execute("UPDATE lead SET statecode = CASE WHEN leadid IN (SELECT leadid FROM lead WHERE statecode = 0 "
                     "ORDER BY leadid LIMIT ?) THEN 0 ELSE 2 END WHERE statecode = 0", (keep,))
        conn.close()
    return svc, mid


def main() -> None:
    if MODE == "wall":
        best = float("inf")
        for _ in range(int(os.environ.get("SC_RUNS", "3"))):
            svc, mid = _store(30_000, 30_000)
            t0 = time.perf_counter()
            res = svc.execute(PublishScoringModelRequest(model_id=mid))
            best = min(best, time.perf_counter() - t0)
            svc.close()
        print(f"publish of 30,000: {best:.3f} s ({best / 30_000 * 1e6:.2f} us/lead), scored {res.scored_count}")
        return
    svc, mid = _store(OPEN, K * PER_K)
    gc.freeze()  # the seeded objects out of the collector's way (see cg_qualify.py)
    res = svc.execute(PublishScoringModelRequest(model_id=mid))
    assert res.scored_count == K * PER_K, res.scored_count


if __name__ == "__main__":
    main()
