"""One OrganizationService shared by many threads (file SQLite, in-memory SQLite and PostgreSQL).

Each thread runs a mix of creates, updates, QualifyLeads, associations and queries over its own leads
(tagged with its number), half of them through an `as_user` view. Afterwards: no thread saw a raw
exception or another thread's rows, and every record is consistent (each qualified lead has exactly
one opportunity, each association is stored once)."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from leadsdk import ColumnSet, Entity, EntityReference, OrganizationService, OrganizationServiceFault
from leadsdk.messages import AddPrivilegesRoleRequest, QualifyLeadRequest
from leadsdk.query import ConditionOperator, QueryExpression
from leadsdk.security import PrivilegeDepth, RolePrivilege

THREADS = 8


def _seller(svc: OrganizationService) -> uuid.UUID:
    bu = svc.retrieve_multiple(QueryExpression("businessunit")).entities[0].id
    uid = svc.create(Entity("systemuser", lastname="Seller", domainname="seller@example.com",
                            businessunitid=EntityReference("businessunit", bu)))
    rid = svc.create(Entity("role", name="Seller", businessunitid=EntityReference("businessunit", bu)))
    svc.execute(AddPrivilegesRoleRequest(role_id=rid, privileges=[
        RolePrivilege(f"prv{a}{t}", PrivilegeDepth.GLOBAL)
        for a in ("Create", "Read", "Write", "Append", "AppendTo")
        for t in ("Lead", "Account", "Contact", "Opportunity", "Leadtoopportunitysalesprocess", "Note",
                  "Activity")]))
    svc.associate("systemuser", uid, "systemuserroles_association", [EntityReference("role", rid)])
    return uid


def _mine(svc: OrganizationService, tag: str) -> list[Entity]:
    q = QueryExpression("lead", ColumnSet("companyname", "statecode"))
    q.criteria.add_condition("companyname", ConditionOperator.EQUAL, tag)
    return list(svc.retrieve_multiple(q).entities)


def _worker(svc: OrganizationService, n: int, tag: str, seed: int, errors: list[str],
            created: dict[str, list[uuid.UUID]], qualified: dict[str, set[uuid.UUID]],
            linked: dict[str, set[tuple[uuid.UUID, uuid.UUID]]]) -> None:
    rnd = random.Random(seed)
    leads: list[uuid.UUID] = created[tag]
    open_leads: list[uuid.UUID] = []
    contact = svc.create(Entity("contact", lastname=tag))
    for i in range(n):
        op = rnd.choice(("create", "create", "update", "qualify", "associate", "query"))
        try:
            if op == "create" or not open_leads:
                lid = svc.create(Entity("lead", lastname=f"{tag}-{i}", companyname=tag, subject="Deal"))
                leads.append(lid)
                open_leads.append(lid)
            elif op == "update":
                svc.update(Entity("lead", rnd.choice(open_leads), jobtitle=f"t{i}"))
            elif op == "qualify":
                lid = open_leads.pop(rnd.randrange(len(open_leads)))
                svc.execute(QualifyLeadRequest(lead_id=EntityReference("lead", lid), create_account=False,
                                               create_contact=False, create_opportunity=True, status=3))
                qualified[tag].add(lid)
            elif op == "associate":
                lid = rnd.choice(leads)
                if (contact, lid) not in linked[tag]:
                    svc.associate("contact", contact, "contactleads_association", [EntityReference("lead", lid)])
                    linked[tag].add((contact, lid))
            else:
                rows = _mine(svc, tag)
                if {r.id for r in rows} != set(leads):
                    errors.append(f"{tag}: query saw {len(rows)} leads, expected {len(leads)}")
                if any(r["statecode"].value != (1 if r.id in qualified[tag] else 0) for r in rows):
                    errors.append(f"{tag}: a lead's state is not what this thread made it")
        except OrganizationServiceFault as f:
            errors.append(f"{tag}: {op} faulted: {f.message}")
        except Exception as e:
            errors.append(f"{tag}: {op} raised {type(e).__name__}: {e}")


def _run(svc: OrganizationService, per_thread: int) -> None:
    user = _seller(svc)
    errors: list[str] = []
    tags = [f"T{i}" for i in range(THREADS)]
    created: dict[str, list[uuid.UUID]] = {t: [] for t in tags}
    qualified: dict[str, set[uuid.UUID]] = {t: set() for t in tags}
    linked: dict[str, set[tuple[uuid.UUID, uuid.UUID]]] = {t: set() for t in tags}
    threads = [threading.Thread(target=_worker, args=(svc if i % 2 else svc.as_user(user), per_thread, tag, i,
                                                      errors, created, qualified, linked))
               for i, tag in enumerate(tags)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    for tag in tags:
        rows = {r.id: r["statecode"].value for r in _mine(svc, tag)}
        assert set(rows) == set(created[tag])
        assert {lid for lid, state in rows.items() if state == 1} == qualified[tag]
        for lid in qualified[tag]:
            q = QueryExpression("opportunity")
            q.criteria.add_condition("originatingleadid", ConditionOperator.EQUAL, lid)
            assert len(svc.retrieve_multiple(q).entities) == 1
    q = QueryExpression("contactleads", ColumnSet("contactid", "leadid"))
    stored = [(r["contactid"], r["leadid"]) for r in svc.retrieve_multiple(q).entities]
    assert sorted(stored) == sorted(p for t in tags for p in linked[t])


@pytest.fixture
def shared_svc(backend: str, tmp_path: Path, store_factory: Callable[..., OrganizationService]
               ) -> Iterator[OrganizationService]:
    """A file store on SQLite (the thread-safety promise is about files and PostgreSQL)."""
    if backend == "sqlite":
        svc = OrganizationService.open(tmp_path / "crm.db")
        yield svc
        svc.close()
    else:
        yield store_factory()


def test_threads_share_one_service(shared_svc: OrganizationService) -> None:
    _run(shared_svc, 40)


def test_threads_share_an_in_memory_service() -> None:
    with OrganizationService() as svc:
        _run(svc, 25)


@pytest.mark.slow
def test_eight_threads_of_500_mixed_requests(shared_svc: OrganizationService) -> None:
    _run(shared_svc, 500)
