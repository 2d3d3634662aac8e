"""Long operations report progress to a callback (or a tqdm bar with progress=True); silent by default."""

from __future__ import annotations

from leadsdk import Entity, OrganizationService
from leadsdk.helpers.lifecycle import qualify_leads
from leadsdk.messages import BulkDetectSimilarLeadsRequest
from leadsdk.scoring.messages import score_all


def test_bulk_qualify_reports_each_lead(svc: OrganizationService) -> None:
    ids = [svc.create(Entity("lead", lastname=f"L{i}", companyname=f"C{i}")) for i in range(3)]
    seen: list[tuple[int, int | None]] = []
    results = qualify_leads(svc, [*ids, ids[0]], create_account=True, suppress_duplicate_detection=True,
                            progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert [r.ok for r in results] == [True, True, True, False]


def test_bulk_similar_leads_and_scoring_report(svc: OrganizationService) -> None:
    for i in range(5):
        svc.create(Entity("lead", firstname="Ada", lastname=f"Lovelace{i}", companyname="Analytical"))
    seen: list[int] = []
    svc.execute(BulkDetectSimilarLeadsRequest(parameters={"progress": lambda done, total: seen.append(done)}))
    assert seen and seen[-1] == 5
    tables: list[int] = []
    score_all(svc, progress=lambda done, total: tables.append(done))
    assert tables == [1, 2]


def test_silent_by_default(svc: OrganizationService, capsys) -> None:  # type: ignore[no-untyped-def]
    svc.create(Entity("lead", lastname="A", companyname="C"))
    qualify_leads(svc, [])
    svc.execute(BulkDetectSimilarLeadsRequest())
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_training_and_rescoring_report_pages(svc: OrganizationService) -> None:
    from leadsdk.messages import ScoreRecordsRequest, TrainScoringModelRequest
    from leadsdk.scoring.synthetic import load_leads

    load_leads(svc, closed=120, open_=20, seed=3)
    mid = svc.create(Entity("scoringmodel", name="All leads", entityname="lead"))
    seen: list[int] = []
    svc.execute(TrainScoringModelRequest(model_id=mid, parameters={"progress": lambda d, t: seen.append(d)}))
    assert seen and seen[-1] >= 120
    scored: list[int] = []
    svc.execute(ScoreRecordsRequest(entity_name="lead", parameters={"progress": lambda d, t: scored.append(d)}))
    assert scored == [] or scored[-1] >= 0
