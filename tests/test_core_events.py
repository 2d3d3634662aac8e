"""Record events: declared with `listens_for`, collected per store in the one FEATURES order."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from leadsdk import Entity, OrganizationService
from leadsdk.pipeline import FEATURES
from leadsdk.records.events import EVENTS, Events, listens_for


def test_listeners_run_in_features_order(svc: OrganizationService) -> None:
    events = svc._core.state.events  # the store's events: what this test is about
    order = [m.__name__ for m in FEATURES]
    for event in EVENTS:
        owners = [n.rsplit(".", 1)[0] for n in events.names(event)]
        assert all(o in order for o in owners), owners
        positions = [order.index(o) for o in owners]
        assert positions == sorted(positions), (event, owners)
    # what every write relies on: audit records a create after lifecycle filled the row's stage
    creates = events.names("after_create")
    assert any("audit" in n for n in creates) and any("duplicates" in n for n in creates)
    assert len(events.names("state_change")) == 4


def test_listens_for_checks_event_names_and_registers_nothing_by_itself() -> None:
    with pytest.raises(ValueError, match="not a record event"):
        listens_for("before_save")  # type: ignore[arg-type]

    @listens_for(("before_create", "before_update"), tables=("lead",))
    def hook(*_: Any) -> None: ...

    assert Events().for_table("before_create", "lead") == ()  # declaring is not registering


def test_a_listener_added_to_one_store_is_not_seen_by_another(svc: OrganizationService) -> None:
    heard: list[uuid.UUID] = []

    def hook(ctx: Any, t: Any, id_: uuid.UUID, row: dict[str, Any], _: Any) -> None:
        heard.append(id_)

    svc._core.state.events.add("after_create", hook, tables=("lead",))
    with OrganizationService() as other:
        other.create(Entity("lead", lastname="Elsewhere"))
        assert heard == []
    lid = svc.create(Entity("lead", lastname="Here"))
    svc.create(Entity("account", name="Not a lead"))
    assert heard == [lid]
