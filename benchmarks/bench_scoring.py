"""Scoring benchmark (issue 10): train on N closed leads, score N open leads, refresh, score on create.

Data comes from `leadsdk.scoring.synthetic` (a known signal; rows written through the storage interface,
see benchmarks/gen_scoring_data.py), in a file-backed SQLite store. Targets: training on 100,000 closed
leads under 10 s and scoring 100,000 open leads under 10 s. The "raw" column of the create rows is the
same 1,000 creates with no published model, so their ratio is the cost of scoring on create.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from harness import Result

from leadsdk import Entity, OrganizationService
from leadsdk.messages import PublishScoringModelRequest, ScoreRecordsRequest, TrainScoringModelRequest
from leadsdk.scoring.synthetic import load_leads

N_FULL = 100_000
N_QUICK = 10_000
CREATES = 1000


def _creates(svc: OrganizationService, tag: str) -> None:
    for i in range(CREATES):
        svc.create(Entity("lead", lastname=f"{tag}{i}", subject="bench", leadsourcecode=1 + i % 10,
                          budgetstatus=i % 4, emailaddress1=f"{tag}{i}@example.com" if i % 2 else None))


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def run(quick: bool) -> list[Result]:
    n = N_QUICK if quick else N_FULL
    out: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp, OrganizationService.open(Path(tmp) / "crm.db") as svc:
        load_leads(svc, closed=n, seed=1)
        mid = svc.create(Entity("scoringmodel", name="All leads", entityname="lead"))
        secs, tr = _timed(lambda: svc.execute(TrainScoringModelRequest(model_id=mid)))
        out.append(Result(f"train naive Bayes on {n:,} closed leads", n, secs,
                          note=f"AUC {tr.auc:.3f} on held-out leads; columns {', '.join(tr.columns)}"))  # type: ignore[attr-defined]

        load_leads(svc, open_=n, seed=2)
        before, _ = _timed(lambda: _creates(svc, "before"))
        secs, _ = _timed(lambda: svc.execute(PublishScoringModelRequest(model_id=mid)))
        out.append(Result(f"publish: score {n:,} open leads", n, secs))
        after, _ = _timed(lambda: _creates(svc, "after"))
        out.append(Result(f"create {CREATES} leads, each scored on create", CREATES, after, raw_s=before,
                          note="raw column: the same creates before the model was published"))
        secs, nothing = _timed(lambda: svc.execute(ScoreRecordsRequest(entity_name="lead")).scored_count)
        out.append(Result(f"daily refresh, nothing changed ({nothing} scored)", n, secs))
        secs, forced = _timed(lambda: svc.execute(ScoreRecordsRequest(entity_name="lead", force=True)).scored_count)
        out.append(Result(f"re-score all {forced:,} open leads (trend)", forced, secs))
        try:
            import sklearn  # noqa: F401
        except ImportError:
            return out
        svc.update(Entity("scoringmodel", mid, engine="sklearn"))
        secs, sk = _timed(lambda: svc.execute(TrainScoringModelRequest(model_id=mid)))
        out.append(Result(f"train scikit-learn on {n:,} closed leads", n, secs,
                          note=f"AUC {sk.auc:.3f} on held-out leads"))  # type: ignore[attr-defined]
    return out
