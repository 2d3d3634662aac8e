"""The single update's fast paths (upd30): each compared with what the general code gives."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from leadsdk import Entity, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.entities import AuditAction
from leadsdk.messages import ConcurrencyBehavior, RetrieveRecordChangeHistoryRequest, UpdateRequest
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.security import SYSTEM_USER_ID
from leadsdk.storage import dialect
from leadsdk.types import ColumnSet

UTC = dt.timezone.utc


def test_datetime_text_equals_isoformat() -> None:
    # SQLite's stored text of a moment: the remembered minute + seconds table give isoformat's digits
    rnd = random.Random(7)
    moments = [dt.datetime(1000, 1, 1, tzinfo=UTC), dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
               dt.datetime(2026, 12, 7, 0, 0, 0, 0, tzinfo=UTC), dt.datetime(2026, 12, 7, 9, 5, 7, 10, tzinfo=UTC)]
    moments += [dt.datetime(1000, 1, 1, tzinfo=UTC) + dt.timedelta(microseconds=rnd.randrange(2 ** 57))
                 for _ in range(3000)]
    for m in moments:
        assert dialect._stored_moment(m) == m.isoformat(" ", "microseconds")[:26]
        assert dialect._stored_moment(m) == m.strftime("%Y-%m-%d %H:%M:%S.%f")
    # through the encoder, also a moment in another zone and one before the year 1000
    east = dt.timezone(dt.timedelta(hours=5, minutes=30))
    local = dt.datetime(2026, 3, 1, 2, 3, 4, 56, tzinfo=east)
    assert dialect._datetime_out(local) == "2026-02-28 20:33:04.000056"
    early = dt.datetime(999, 5, 6, 7, 8, 9, 1, tzinfo=UTC)
    assert dialect._datetime_out(early) == early.strftime("%Y-%m-%d %H:%M:%S.%f")  # (as before: strftime)


def test_repeated_updates_store_values_versions_and_audit(svc: OrganizationService) -> None:
    """Updates of one column list (the cached UPDATE plan), another list and a versioned update: stored
    values, modifiedon/modifiedby, versionnumber and the audit rows' old and new values."""
    lid = svc.create(Entity("lead", lastname="Ng", jobtitle="Buyer", telephone1="555-0"))
    start = svc.retrieve("lead", lid, ColumnSet("versionnumber", "modifiedon"))
    versions = [int(start["versionnumber"])]
    moments = [start["modifiedon"]]
    for k in range(3):
        svc.update(Entity("lead", lid, {"jobtitle": f"Manager {k}", "telephone1": f"555-{k + 1}"}))
        got = svc.retrieve("lead", lid, ColumnSet("jobtitle", "telephone1", "versionnumber", "modifiedon",
                                                  "modifiedby"))
        assert (got["jobtitle"], got["telephone1"]) == (f"Manager {k}", f"555-{k + 1}")
        assert got["modifiedby"].id == SYSTEM_USER_ID
        versions.append(int(got["versionnumber"]))
        moments.append(got["modifiedon"])
    svc.update(Entity("lead", lid, {"subject": "Bikes"}))
    seen = svc.retrieve("lead", lid, ColumnSet("versionnumber"))
    e = Entity("lead", lid, {"jobtitle": "Owner", "telephone1": "555-9"})
    e.row_version = seen.row_version
    svc.execute(UpdateRequest(target=e, concurrency_behavior=ConcurrencyBehavior.IF_ROW_VERSION_MATCHES))
    stale = Entity("lead", lid, {"jobtitle": "Stale", "telephone1": "555-8"})
    stale.row_version = seen.row_version
    with pytest.raises(OrganizationServiceFault):
        svc.execute(UpdateRequest(target=stale, concurrency_behavior=ConcurrencyBehavior.IF_ROW_VERSION_MATCHES))
    got = svc.retrieve("lead", lid, ColumnSet("jobtitle", "telephone1", "subject", "versionnumber", "modifiedon"))
    assert (got["jobtitle"], got["telephone1"], got["subject"]) == ("Owner", "555-9", "Bikes")
    versions.append(int(got["versionnumber"]))
    moments.append(got["modifiedon"])
    assert versions == sorted(set(versions)) and moments == sorted(moments)
    assert len(set(moments)) == len(moments) and all(m.tzinfo is not None for m in moments)
    hist = svc.execute(RetrieveRecordChangeHistoryRequest(target=EntityReference("lead", lid))).audit_detail_collection
    changes = [({**d.old_value.attributes}, {**d.new_value.attributes}) for d in reversed(list(hist))
               if d.audit_record["action"].value == AuditAction.UPDATE]
    assert changes == [
        ({"jobtitle": "Buyer", "telephone1": "555-0"}, {"jobtitle": "Manager 0", "telephone1": "555-1"}),
        ({"jobtitle": "Manager 0", "telephone1": "555-1"}, {"jobtitle": "Manager 1", "telephone1": "555-2"}),
        ({"jobtitle": "Manager 1", "telephone1": "555-2"}, {"jobtitle": "Manager 2", "telephone1": "555-3"}),
        ({}, {"subject": "Bikes"}),
        ({"jobtitle": "Manager 2", "telephone1": "555-3"}, {"jobtitle": "Owner", "telephone1": "555-9"}),
    ]
    q = QueryExpression("audit", column_set=ColumnSet("attributemask", "action"))
    q.criteria.add_condition("objectid", ConditionOperator.EQUAL, lid)
    masks = sorted(r.get("attributemask") or "" for r in svc.retrieve_multiple(q).entities)
    assert masks == ["", *["jobtitle,telephone1"] * 4, "subject"]
