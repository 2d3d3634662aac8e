"""Web API change sets: runs of plain creates go in as one CreateMultiple, with what per-part Creates give
(stored rows, audit rows, per-part responses and Content-IDs, plugins, security, faults, order)."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from tests.test_webapi_batch import batch, change_set, op, statuses
from tests.webapi_helpers import ROOT, Api

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService
from leadsdk.messages import AddPrivilegesRoleRequest, PublishDuplicateRuleRequest
from leadsdk.plugins import PluginExecutionContext, PluginStage
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.security import PrivilegeDepth, RolePrivilege
from leadsdk.storage import SqliteStorage
from leadsdk.webapi.api import WebApi
from leadsdk.webapi.http import ApiRequest


@pytest.fixture
def api(svc: OrganizationService) -> Api:
    return Api(svc)


def _lead_body(i: int, account: uuid.UUID | None = None) -> str:
    body: dict[str, object] = {"lastname": f"Lead {i}", "subject": "change set", "emailaddress1": f"l{i}@x.example",
                               "leadsourcecode": 3}
    if account is not None:
        body["parentaccountid@odata.bind"] = f"/accounts({account})"
    return json.dumps(body)


def _ids(text: str) -> list[uuid.UUID]:
    """The ids in the parts' OData-EntityId headers, in order."""
    return [uuid.UUID(m) for m in re.findall(r"OData-EntityId: \S+?\(([0-9a-f-]{36})\)", text)]


def _leads(svc: OrganizationService) -> list[Entity]:
    return list(svc.retrieve_multiple(QueryExpression("lead", column_set=ColumnSet(all_columns=True))).entities)


def _audit(svc: OrganizationService, ids: list[uuid.UUID]) -> list[Entity]:
    q = QueryExpression("audit", column_set=ColumnSet("objectid", "action", "operation", "userid"))
    q.criteria.add_condition("objecttypecode", ConditionOperator.EQUAL, "lead")
    return [a for a in svc.retrieve_multiple(q).entities if a["objectid"] in ids]


HEADERS = batch()[1]

_VOLATILE = {"leadid", "createdon", "modifiedon", "versionnumber", "lastname", "fullname", "emailaddress1",
             "yomifullname", "overriddencreatedon"}


def test_change_set_of_creates_stores_what_single_creates_store(api: Api, svc: OrganizationService) -> None:
    acc = svc.create(Entity("account", name="Parent"))
    single = api.create("leads", json.loads(_lead_body(0, acc)))
    parts = [op("POST", "leads", _lead_body(i, acc), str(i)) for i in range(1, 6)]
    r = api.post("$batch", content=batch(change_set(*parts))[0], headers=HEADERS)
    assert r.status_code == 200 and statuses(r.text) == [204] * 5
    assert re.findall(r"Content-ID: (\d+)", r.text) == ["1", "2", "3", "4", "5"]
    ids = _ids(r.text)
    assert len(set(ids)) == 5
    for i, id_ in enumerate(ids, 1):  # each part's OData-EntityId names its own record
        assert svc.retrieve("lead", id_, ColumnSet("lastname"))["lastname"] == f"Lead {i}"
    rows = {e.id: e for e in _leads(svc)}
    want = {k: v for k, v in rows[uuid.UUID(str(single))].attributes.items() if k not in _VOLATILE}
    for id_ in ids:
        got = {k: v for k, v in rows[id_].attributes.items() if k not in _VOLATILE}
        assert got == want
    one = _audit(svc, [uuid.UUID(str(single))])
    audit = _audit(svc, ids)
    assert sorted(a["objectid"] for a in audit) == sorted(ids)
    key = [(a["action"].value, a["operation"].value, a["userid"].id) for a in one]
    assert key == [(1, 1, one[0]["userid"].id)]
    assert {(a["action"].value, a["operation"].value, a["userid"].id) for a in audit} == set(key)


def test_content_ids_of_a_run_resolve_in_later_parts(api: Api, svc: OrganizationService) -> None:
    body, headers = batch(change_set(
        op("POST", f"{ROOT}accounts", '{"name": "A1"}', "1"),
        op("POST", "accounts", '{"name": "A2"}', "2"),
        op("POST", "accounts", '{"name": "A3", "parentaccountid@odata.bind": "$1"}', "3"),
        op("POST", "contacts", '{"lastname": "C4", "parentcustomerid_account@odata.bind": "$2"}', "4"),
        op("POST", "contacts", '{"lastname": "C5", "parentcustomerid_account@odata.bind": "$3"}', "5"),
    ))
    r = api.post("$batch", content=body, headers=headers)
    assert statuses(r.text) == [204] * 5
    a1, a2, a3, c4, c5 = _ids(r.text)
    assert [svc.retrieve("account", a, ColumnSet("name"))["name"] for a in (a1, a2, a3)] == ["A1", "A2", "A3"]
    assert svc.retrieve("account", a3, ColumnSet("parentaccountid"))["parentaccountid"].id == a1
    assert svc.retrieve("contact", c4, ColumnSet("parentcustomerid"))["parentcustomerid"].id == a2
    assert svc.retrieve("contact", c5, ColumnSet("parentcustomerid"))["parentcustomerid"].id == a3


def test_plugin_on_create_sees_every_record(api: Api, svc: OrganizationService) -> None:
    seen: list[tuple[str, int, str]] = []

    def stamp(ctx: PluginExecutionContext) -> None:
        target = ctx.input_parameters["Target"]
        seen.append((ctx.message_name, ctx.depth, target["lastname"]))
        target["description"] = "stamped"

    def multiple(ctx: PluginExecutionContext) -> None:
        seen.append((ctx.message_name, ctx.depth, ""))

    svc.register_plugin(message="Create", entity="lead", stage=PluginStage.PRE_OPERATION, handler=stamp)
    svc.register_plugin(message="CreateMultiple", entity="lead", stage=PluginStage.PRE_OPERATION, handler=multiple)
    body, headers = batch(change_set(*(op("POST", "leads", _lead_body(i)) for i in range(3))))
    assert statuses(api.post("$batch", content=body, headers=headers).text) == [204] * 3
    assert seen == [("Create", 1, f"Lead {i}") for i in range(3)]  # as three top-level Creates
    assert {e["description"] for e in _leads(svc)} == {"stamped"}


def test_failing_record_fails_the_change_set_naming_its_part(api: Api, svc: OrganizationService) -> None:
    bad = json.dumps({"lastname": "Bad", "subject": "s", "leadsourcecode": 999})
    single = api.post("leads", json=json.loads(bad))
    assert single.status_code == 400
    parts = [op("POST", "leads", _lead_body(i), str(i)) for i in range(1, 6)]
    parts[2] = op("POST", "leads", bad, "3")
    r = api.post("$batch", content=batch(change_set(*parts))[0], headers=HEADERS)
    assert r.status_code == 200 and statuses(r.text) == [400]
    assert "Content-ID: 3" in r.text
    error = json.loads(r.text[r.text.index("{"):r.text.rindex("}") + 1])
    assert error == single.json()  # the same code and message as the record's own POST
    assert _leads(svc) == []


def test_duplicate_detection_asked_for_runs_per_record(api: Api, svc: OrganizationService) -> None:
    rid = svc.create(Entity("duplicaterule", name="same email", baseentityname="lead", matchingentityname="lead"))
    svc.create(Entity("duplicaterulecondition", regardingobjectid=EntityReference("duplicaterule", rid),
                      baseattributename="emailaddress1", matchingattributename="emailaddress1", operatorcode=0))
    svc.execute(PublishDuplicateRuleRequest(duplicate_rule_id=rid))
    api.create("leads", json.loads(_lead_body(2)))
    detect = "MSCRM.SuppressDuplicateDetection: false\r\n"
    parts = [op("POST", "leads", _lead_body(i), str(i), headers=detect) for i in range(1, 4)]
    r = api.post("$batch", content=batch(change_set(*parts))[0], headers=HEADERS)
    assert statuses(r.text) == [412] and "Content-ID: 2" in r.text and "0x80040333" in r.text
    assert len(_leads(svc)) == 1
    parts = [op("POST", "leads", _lead_body(i), str(i)) for i in range(1, 4)]  # suppressed by default
    r = api.post("$batch", content=batch(change_set(*parts))[0], headers=HEADERS)
    assert statuses(r.text) == [204] * 3 and len(_leads(svc)) == 4


def _user(svc: OrganizationService, *privileges: str) -> uuid.UUID:
    me = svc.retrieve("systemuser", uuid.UUID("00000000-0000-0000-0000-00000000a001"), ColumnSet("businessunitid"))
    bu = me["businessunitid"].id
    uid = svc.create(Entity("systemuser", lastname="Caller", businessunitid=EntityReference("businessunit", bu)))
    role = svc.create(Entity("role", name="Lead maker", businessunitid=EntityReference("businessunit", bu)))
    svc.execute(AddPrivilegesRoleRequest(role_id=role, privileges=[
        RolePrivilege(p, PrivilegeDepth.GLOBAL) for p in privileges]))
    svc.associate("systemuser", uid, "systemuserroles_association", [EntityReference("role", role)])
    return uid


def test_impersonated_caller_goes_through_security_per_record(api: Api, svc: OrganizationService) -> None:
    reader = _user(svc, "prvReadLead")
    body, headers = batch(change_set(*(op("POST", "leads", _lead_body(i), str(i)) for i in range(1, 4))))
    r = api.post("$batch", content=body, headers={**headers, "MSCRMCallerID": str(reader)})
    assert statuses(r.text) == [403] and "Content-ID: 1" in r.text
    assert _leads(svc) == []
    maker = _user(svc, "prvReadLead", "prvCreateLead")
    r = api.post("$batch", content=body, headers={**headers, "MSCRMCallerID": str(maker)})
    assert statuses(r.text) == [204] * 3, r.text
    ids = _ids(r.text)
    assert {svc.retrieve("lead", i, ColumnSet("ownerid"))["ownerid"].id for i in ids} == {maker}
    assert {a["userid"].id for a in _audit(svc, ids)} == {maker}


def test_mixed_parts_keep_their_order(api: Api, svc: OrganizationService) -> None:
    body, headers = batch(change_set(
        op("POST", "leads", _lead_body(1), "1"),
        op("POST", "leads", _lead_body(2), "2"),
        op("PATCH", "$1", '{"subject": "changed"}', "3"),
        op("POST", "leads", _lead_body(4), "4"),
        op("POST", "leads", _lead_body(5), "5", headers="Prefer: return=representation\r\n"),
        op("POST", "leads", _lead_body(6), "6"),
        op("POST", "accounts", '{"name": "Acc"}', "7"),
        op("DELETE", "$2", None, "8"),
    ))
    r = api.post("$batch", content=body, headers=headers)
    assert statuses(r.text) == [204, 204, 204, 204, 201, 204, 204, 204], r.text
    assert re.findall(r"Content-ID: (\d+)", r.text) == [str(i) for i in range(1, 9)]
    assert '"lastname":"Lead 5"' in r.text
    by_name = {e["lastname"]: e for e in _leads(svc)}
    assert sorted(by_name) == ["Lead 1", "Lead 4", "Lead 5", "Lead 6"]
    assert by_name["Lead 1"]["subject"] == "changed" and by_name["Lead 4"]["subject"] == "change set"


def test_change_set_of_creates_runs_one_insert(tmp_path: Path) -> None:
    """Ten creates in a change set: one lead INSERT and one audit INSERT (not ten of each)."""
    svc = OrganizationService(SqliteStorage(tmp_path / "cs.db"))
    try:
        web = WebApi(svc)  # in this thread: the trace callback is on this thread's connection
        body, headers = batch(change_set(*(op("POST", "leads", _lead_body(i)) for i in range(10))))
        req = ApiRequest("POST", "$batch", {}, {"content-type": headers["Content-Type"]}, body)
        assert statuses(str(web.handle(req).body)) == [204] * 10  # warms the caches
        storage = svc.storage
        assert isinstance(storage, SqliteStorage)
        seen: list[str] = []
        storage.conn.set_trace_callback(seen.append)
        try:
            text = str(web.handle(req).body)
        finally:
            storage.conn.set_trace_callback(None)
        assert statuses(text) == [204] * 10
        inserts = [s for s in seen if s.lstrip().upper().startswith("INSERT")]
        assert len(inserts) == 2, "\n".join(s[:120] for s in seen)
        assert len(_leads(svc)) == 20
    finally:
        svc.close()
