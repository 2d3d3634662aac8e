"""Web API requests run the same pipeline as in-process calls: plugins, duplicate detection, audit, limits."""

from __future__ import annotations

import uuid

import pytest
from tests.webapi_helpers import Api

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService
from leadsdk.messages import PublishDuplicateRuleRequest, RetrieveRecordChangeHistoryRequest
from leadsdk.plugins import InvalidPluginExecutionException, PluginExecutionContext, PluginStage
from leadsdk.query import QueryExpression


@pytest.fixture
def api(svc: OrganizationService) -> Api:
    return Api(svc)


def test_plugins_see_web_api_requests(api: Api, svc: OrganizationService) -> None:
    seen: list[tuple[str, int]] = []

    def stamp(ctx: PluginExecutionContext) -> None:
        target = ctx.input_parameters["Target"]
        seen.append((ctx.message_name, ctx.depth))
        if target.get("lastname") == "Forbidden":
            raise InvalidPluginExecutionException("Leads named Forbidden are refused.")
        target["description"] = "stamped by a plugin"

    svc.register_plugin(message="Create", entity="lead", stage=PluginStage.PRE_OPERATION, handler=stamp)
    lid = api.create("leads", {"lastname": "Fine", "subject": "s"})
    assert svc.retrieve("lead", lid)["description"] == "stamped by a plugin"
    r = api.post("leads", json={"lastname": "Forbidden", "subject": "s"})
    assert r.status_code == 400 and r.json()["error"]["message"] == "Leads named Forbidden are refused."
    assert r.json()["error"]["code"] == "0x80040265"
    assert len(svc.retrieve_multiple(QueryExpression("lead"))) == 1
    assert seen == [("Create", 1), ("Create", 1)]


def test_duplicate_detection_on_request(api: Api, svc: OrganizationService) -> None:
    rid = svc.create(Entity("duplicaterule", name="same email", baseentityname="lead", matchingentityname="lead"))
    svc.create(Entity("duplicaterulecondition", regardingobjectid=EntityReference("duplicaterule", rid),
                      baseattributename="emailaddress1", matchingattributename="emailaddress1", operatorcode=0))
    svc.execute(PublishDuplicateRuleRequest(duplicate_rule_id=rid))
    body = {"lastname": "Dup", "subject": "s", "emailaddress1": "dup@x.example"}
    api.create("leads", body)
    assert api.post("leads", json=body).status_code == 204          # suppressed by default, as Dataverse
    r = api.post("leads", json=body, headers={"MSCRM.SuppressDuplicateDetection": "false"})
    assert r.status_code == 412 and r.json()["error"]["code"] == "0x80040333"
    assert len(svc.retrieve_multiple(QueryExpression("lead"))) == 2


def test_updates_are_audited_as_the_caller(api: Api, svc: OrganizationService) -> None:
    lid = api.create("leads", {"lastname": "Audit", "subject": "s"})
    api.patch(f"leads({lid})", json={"lastname": "Audited"})
    history = svc.execute(RetrieveRecordChangeHistoryRequest(target=EntityReference("lead", lid)))
    assert len(history.audit_detail_collection.audit_details) >= 2


def test_oversized_body_is_refused(api: Api, svc: OrganizationService, monkeypatch: pytest.MonkeyPatch) -> None:
    import leadsdk.webapi.app as app_module

    monkeypatch.setattr(app_module, "MAX_BODY", 1000)
    r = api.post("leads", json={"lastname": "x" * 2000, "subject": "s"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "0x8004418a"
    assert len(svc.retrieve_multiple(QueryExpression("lead"))) == 0


def test_unexpected_errors_are_a_clean_500(api: Api, svc: OrganizationService) -> None:
    def boom(ctx: PluginExecutionContext) -> None:
        raise ZeroDivisionError("a bug in a plugin")

    svc.register_plugin(message="Create", entity="lead", stage=PluginStage.POST_OPERATION, handler=boom)
    r = api.post("leads", json={"lastname": "x", "subject": "s"})
    assert r.status_code in (400, 500) and "Traceback" not in r.text
    assert r.json()["error"]["code"].startswith("0x8004")
    assert len(svc.retrieve_multiple(QueryExpression("lead"))) == 0
    assert api.get(f"leads({uuid.uuid4()})").status_code == 404


def test_bypass_custom_plugin_execution(api: Api, svc: OrganizationService) -> None:
    def refuse(ctx: PluginExecutionContext) -> None:
        raise InvalidPluginExecutionException("no creates")

    svc.register_plugin(message="Create", entity="lead", stage=PluginStage.PRE_OPERATION, handler=refuse)
    assert api.post("leads", json={"lastname": "A", "subject": "s"}).status_code == 400
    r = api.post("leads", json={"lastname": "B", "subject": "s"}, headers={"MSCRM.BypassCustomPluginExecution": "true"})
    assert r.status_code == 204
    rows = svc.retrieve_multiple(QueryExpression("lead", column_set=ColumnSet("lastname")))
    assert [e["lastname"] for e in rows] == ["B"]
