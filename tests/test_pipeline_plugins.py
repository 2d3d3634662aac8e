"""Plugins: every stage and context field, ordering, filtering, images, rollback, depth, entry points."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from leadsdk import Entity, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.errors import ErrorCodes
from leadsdk.messages import CreateRequest, ExecuteMultipleRequest, RetrieveRequest, UpdateRequest
from leadsdk.plugins import InvalidPluginExecutionException, PluginExecutionContext, PluginStage
from leadsdk.query import QueryExpression
from leadsdk.security import SYSTEM_USER_ID
from leadsdk.types import ColumnSet

PRE_VAL, PRE_OP, POST_OP = PluginStage.PRE_VALIDATION, PluginStage.PRE_OPERATION, PluginStage.POST_OPERATION


def _count(svc: OrganizationService, table: str) -> int:
    return len(svc.retrieve_multiple(QueryExpression(table)).entities)


def _user(svc: OrganizationService, last: str = "Seller") -> uuid.UUID:
    """A user with a role that may create and read leads and tasks (organization-wide)."""
    from leadsdk.messages import AddPrivilegesRoleRequest
    from leadsdk.security import PrivilegeDepth, RolePrivilege

    bu = svc.retrieve_multiple(QueryExpression("businessunit")).entities[0].id
    uid = svc.create(Entity("systemuser", lastname=last, domainname=f"{last.lower()}@example.com",
                            businessunitid=EntityReference("businessunit", bu)))
    rid = svc.create(Entity("role", name=f"{last} role", businessunitid=EntityReference("businessunit", bu)))
    privs = [RolePrivilege(f"prv{a}{t}", PrivilegeDepth.GLOBAL)
             for a in ("Create", "Read", "Write", "Append", "AppendTo") for t in ("Lead", "Activity")]
    svc.execute(AddPrivilegesRoleRequest(role_id=rid, privileges=privs))
    svc.associate("systemuser", uid, "systemuserroles_association", [EntityReference("role", rid)])
    return uid


def test_stages_run_in_order_with_context_fields(svc: OrganizationService) -> None:
    calls: list[tuple[int, PluginExecutionContext, dict[str, Any]]] = []

    def spy(ctx: PluginExecutionContext) -> None:
        calls.append((ctx.stage, ctx, {
            "id": ctx.primary_entity_id, "out": dict(ctx.output_parameters), "tx": ctx.is_in_transaction,
        }))

    for stage in (POST_OP, PRE_OP, PRE_VAL):
        svc.register_plugin(message="Create", entity="lead", stage=stage, handler=spy)
    lid = svc.create(Entity("lead", lastname="Ng", subject="Bikes"))
    assert [c[0] for c in calls] == [PRE_VAL, PRE_OP, POST_OP]
    ctx = calls[-1][1]
    assert ctx.message_name == "Create"
    assert ctx.primary_entity_name == "lead"
    assert ctx.primary_entity_id == lid
    assert isinstance(ctx.input_parameters["Target"], Entity)
    assert ctx.input_parameters["Target"]["lastname"] == "Ng"
    assert calls[-1][2]["out"] == {"id": lid}
    assert calls[0][2]["out"] == {} and calls[1][2]["out"] == {}
    assert ctx.depth == 1
    assert ctx.user_id == SYSTEM_USER_ID and ctx.initiating_user_id == SYSTEM_USER_ID
    # pre-validation of the outermost request runs outside the transaction, the others inside
    assert [c[2]["tx"] for c in calls] == [False, True, True]


def test_rank_orders_steps_within_a_stage(svc: OrganizationService) -> None:
    order: list[str] = []
    svc.register_plugin("Create", "lead", PRE_OP, lambda c: order.append("r5"), rank=5)
    svc.register_plugin("Create", "lead", PRE_OP, lambda c: order.append("r1"), rank=1)
    svc.register_plugin("Create", "lead", PRE_OP, lambda c: order.append("r1b"), rank=1)
    svc.register_plugin("Create", "account", PRE_OP, lambda c: order.append("other table"))
    svc.create(Entity("lead", lastname="X"))
    assert order == ["r1", "r1b", "r5"]


def test_pre_operation_target_change_is_written(svc: OrganizationService) -> None:
    def shout(ctx: PluginExecutionContext) -> None:
        t = ctx.input_parameters["Target"]
        t["subject"] = t["subject"].upper()
        t["description"] = "set by plugin"

    svc.register_plugin("Create", "lead", PRE_OP, shout)
    lid = svc.create(Entity("lead", lastname="X", subject="bikes"))
    got = svc.retrieve("lead", lid, ColumnSet("subject", "description"))
    assert got["subject"] == "BIKES" and got["description"] == "set by plugin"


def test_replacing_target_in_pre_validation(svc: OrganizationService) -> None:
    def swap(ctx: PluginExecutionContext) -> None:
        ctx.input_parameters["Target"] = Entity("lead", attributes={"lastname": "Replaced"})

    svc.register_plugin("Create", "lead", PRE_VAL, swap)
    lid = svc.create(Entity("lead", lastname="Original"))
    assert svc.retrieve("lead", lid, ColumnSet("lastname"))["lastname"] == "Replaced"


def test_images_and_shared_variables_on_update(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="Old", subject="S1", companyname="Co"))
    seen: dict[str, Any] = {}

    def pre(ctx: PluginExecutionContext) -> None:
        ctx.shared_variables["marker"] = 42
        seen["pre_images"] = {k: dict(v) for k, v in ctx.pre_entity_images.items()}

    def post(ctx: PluginExecutionContext) -> None:
        seen["marker"] = ctx.shared_variables.get("marker")
        seen["pre"] = dict(ctx.pre_entity_images["Before"])
        seen["post"] = dict(ctx.post_entity_images["After"])

    svc.register_plugin("Update", "lead", PRE_OP, pre, pre_image={"Before": ["lastname", "subject"]})
    svc.register_plugin("Update", "lead", POST_OP, post, pre_image={"Before": ["lastname", "subject"]},
                        post_image={"After": ["lastname"]})
    svc.update(Entity("lead", lid, {"lastname": "New"}))
    assert seen["marker"] == 42
    assert seen["pre"] == {"leadid": lid, "lastname": "Old", "subject": "S1"}
    assert seen["post"] == {"leadid": lid, "lastname": "New"}
    assert seen["pre_images"]["Before"]["lastname"] == "Old"


def test_pre_validation_gets_pre_image(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="Before"))
    got: list[str] = []
    svc.register_plugin("Update", "lead", PRE_VAL, lambda c: got.append(c.pre_entity_images["PreImage"]["lastname"]),
                        pre_image=["lastname"])
    svc.update(Entity("lead", lid, {"lastname": "After"}))
    assert got == ["Before"]


def test_filtering_attributes(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="X"))
    hits: list[str] = []
    svc.register_plugin("Update", "lead", POST_OP, lambda c: hits.append("subject"),
                        filtering_attributes=["subject"])
    svc.update(Entity("lead", lid, {"lastname": "Y"}))
    assert hits == []
    svc.update(Entity("lead", lid, {"subject": "Z", "lastname": "W"}))
    assert hits == ["subject"]


@pytest.mark.parametrize("stage", [PRE_VAL, PRE_OP, POST_OP])
def test_invalid_plugin_exception_rolls_back_everything(svc: OrganizationService, stage: PluginStage) -> None:
    def nested_then_fail(ctx: PluginExecutionContext) -> None:
        ctx.service.create(Entity("account", name="made by plugin"))
        raise InvalidPluginExecutionException("Leads from this source are not accepted.")

    svc.register_plugin("Create", "lead", stage, nested_then_fail)
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.create(Entity("lead", lastname="X"))
    assert ei.value.error_code == ErrorCodes.PLUGIN_EXECUTION_FAILED
    assert ei.value.message == "Leads from this source are not accepted."
    assert _count(svc, "lead") == 0
    if stage != PRE_VAL:  # pre-validation of the outermost request runs before the transaction opens
        assert _count(svc, "account") == 0


def test_fault_in_nested_plugin_rolls_back_outer(svc: OrganizationService) -> None:
    svc.register_plugin("Create", "lead", POST_OP,
                        lambda c: c.service.create(Entity("task", subject="follow up")))

    def refuse(ctx: PluginExecutionContext) -> None:
        raise InvalidPluginExecutionException("no tasks today", error_code=ErrorCodes.INVALID_OPERATION)

    svc.register_plugin("Create", "task", PRE_OP, refuse)
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.create(Entity("lead", lastname="X"))
    assert ei.value.error_code == ErrorCodes.INVALID_OPERATION
    assert _count(svc, "lead") == 0 and _count(svc, "task") == 0


def test_plugins_fire_for_nested_requests_with_depth_and_same_transaction(svc: OrganizationService) -> None:
    depths: list[tuple[str, int, bool]] = []
    svc.register_plugin("Create", "lead", POST_OP,
                        lambda c: c.service.create(Entity("task", subject="call",
                                                          regardingobjectid=EntityReference("lead",
                                                                                            c.primary_entity_id))))
    svc.register_plugin("Create", "task", PRE_VAL,
                        lambda c: depths.append(("task", c.depth, c.is_in_transaction)))
    svc.register_plugin("Create", "task", POST_OP,
                        lambda c: depths.append(("parent", c.parent_context.depth if c.parent_context else 0,
                                                 c.parent_context is not None)))
    svc.create(Entity("lead", lastname="X"))
    assert depths == [("task", 2, True), ("parent", 1, True)]
    assert _count(svc, "task") == 1


def test_depth_beyond_eight_faults(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="X", numberofemployees=0))

    def loop(ctx: PluginExecutionContext) -> None:
        n = ctx.service.retrieve("lead", ctx.primary_entity_id, ColumnSet("numberofemployees"))
        ctx.service.update(Entity("lead", ctx.primary_entity_id,
                                  {"numberofemployees": (n.get("numberofemployees") or 0) + 1}))

    svc.register_plugin("Update", "lead", POST_OP, loop)
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.update(Entity("lead", lid, {"numberofemployees": 1}))
    assert ei.value.error_code == ErrorCodes.INFINITE_LOOP_DETECTED
    assert svc.retrieve("lead", lid, ColumnSet("numberofemployees"))["numberofemployees"] == 0


def test_depth_eight_is_allowed(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="X", numberofemployees=0))
    seen: list[int] = []

    def loop(ctx: PluginExecutionContext) -> None:
        seen.append(ctx.depth)
        if ctx.depth < 8:
            ctx.service.update(Entity("lead", ctx.primary_entity_id, {"numberofemployees": ctx.depth + 1}))

    svc.register_plugin("Update", "lead", POST_OP, loop)
    svc.update(Entity("lead", lid, {"numberofemployees": 1}))
    assert seen == [1, 2, 3, 4, 5, 6, 7, 8]
    assert svc.retrieve("lead", lid, ColumnSet("numberofemployees"))["numberofemployees"] == 8


def test_plugin_service_runs_as_user_and_initiating_user_is_kept(svc: OrganizationService) -> None:
    seller = _user(svc, "Seller")
    other = _user(svc, "Other")
    seen: list[tuple[uuid.UUID, uuid.UUID]] = []
    svc.register_plugin("Create", "lead", POST_OP, lambda c: c.service.as_user(other).create(
        Entity("task", subject="t")))
    svc.register_plugin("Create", "task", POST_OP, lambda c: seen.append((c.user_id, c.initiating_user_id)))
    lid = svc.as_user(seller).create(Entity("lead", lastname="X"))
    assert seen == [(other, seller)]
    lead = svc.retrieve("lead", lid, ColumnSet("createdby"))
    assert lead["createdby"].id == seller


def test_generic_exception_in_plugin_is_a_fault(svc: OrganizationService) -> None:
    svc.register_plugin("Create", "lead", PRE_OP, lambda c: 1 / 0)
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.create(Entity("lead", lastname="X"))
    assert "ZeroDivisionError" in ei.value.message
    assert _count(svc, "lead") == 0


def test_unregister_and_bad_registrations(svc: OrganizationService) -> None:
    hits: list[int] = []
    sid = svc.register_plugin("Create", "lead", POST_OP, lambda c: hits.append(1))
    svc.create(Entity("lead", lastname="A"))
    svc.unregister_plugin(sid)
    svc.create(Entity("lead", lastname="B"))
    assert hits == [1]
    with pytest.raises(OrganizationServiceFault):
        svc.unregister_plugin(sid)
    with pytest.raises(OrganizationServiceFault):
        svc.register_plugin("Create", "lead", 35, lambda c: None)
    with pytest.raises(OrganizationServiceFault):
        svc.register_plugin("Create", "nosuchtable", POST_OP, lambda c: None)
    with pytest.raises(OrganizationServiceFault):
        svc.register_plugin("Create", "lead", POST_OP, None)


def test_trace_is_carried_on_the_fault(svc: OrganizationService) -> None:
    def traced(ctx: PluginExecutionContext) -> None:
        ctx.trace_message("checked the source")
        raise InvalidPluginExecutionException("stop")

    svc.register_plugin("Create", "lead", PRE_OP, traced)
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.create(Entity("lead", lastname="X"))
    assert ei.value.trace_text is not None and "checked the source" in ei.value.trace_text


def test_message_without_entity_and_retrieve(svc: OrganizationService) -> None:
    lid = svc.create(Entity("lead", lastname="X"))
    seen: list[tuple[str, str | None]] = []
    svc.register_plugin("Retrieve", None, POST_OP, lambda c: seen.append((c.message_name, c.primary_entity_name)))
    svc.execute(RetrieveRequest(target=EntityReference("lead", lid), column_set=ColumnSet("lastname")))
    assert seen == [("Retrieve", "lead")]


def test_plugins_fire_for_each_item_of_execute_multiple(svc: OrganizationService) -> None:
    depths: list[int] = []
    svc.register_plugin("Create", "lead", POST_OP, lambda c: depths.append(c.depth))
    svc.execute(ExecuteMultipleRequest(requests=[CreateRequest(target=Entity("lead", lastname=str(i)))
                                                 for i in range(3)]))
    assert depths == [1, 1, 1]


def test_update_via_plugin_in_post_operation_of_same_record(svc: OrganizationService) -> None:
    svc.register_plugin("Create", "lead", POST_OP, lambda c: c.service.execute(UpdateRequest(
        target=Entity("lead", c.output_parameters["id"], {"description": "stamped"}))))
    lid = svc.create(Entity("lead", lastname="X"))
    assert svc.retrieve("lead", lid, ColumnSet("description"))["description"] == "stamped"


class _FakeEntryPoint:
    def __init__(self, name: str, fn: Any) -> None:
        self.name = name
        self.value = f"fake:{name}"
        self._fn = fn

    def load(self) -> Any:
        return self._fn


def test_steps_declared_on_an_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    from leadsdk import plugins

    def declare(service: OrganizationService) -> None:
        def stamp(ctx: PluginExecutionContext) -> None:
            ctx.input_parameters["Target"]["description"] = "from entry point"
        service.register_plugin(message="Create", entity="lead", stage=PRE_OP, handler=stamp)

    def fake_entry_points(group: str) -> list[Any]:
        return [_FakeEntryPoint("stamp", declare)] if group == plugins.ENTRY_POINT_GROUP else []

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)
    plugins.clear_entry_point_cache()
    try:
        svc = OrganizationService()
        lid = svc.create(Entity("lead", lastname="X"))
        assert svc.retrieve("lead", lid, ColumnSet("description"))["description"] == "from entry point"
        svc.close()

        def broken(service: OrganizationService) -> None:
            raise RuntimeError("missing dependency")

        monkeypatch.setattr(importlib.metadata, "entry_points",
                            lambda group: [_FakeEntryPoint("broken", broken)])
        plugins.clear_entry_point_cache()
        with pytest.raises(OrganizationServiceFault) as ei:
            OrganizationService()
        assert "broken" in ei.value.message and "missing dependency" in ei.value.message
    finally:
        plugins.clear_entry_point_cache()
