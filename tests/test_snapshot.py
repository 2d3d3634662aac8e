"""Store snapshots: `svc.snapshot(path)` and `OrganizationService.restore(path, target)` give back an
equal store, on both backends, and a restored copy is independent of the snapshot and the original."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from conftest import make_storage
from leadsdk import ColumnSet, Entity, EntityReference, ErrorCodes, OrganizationService, OrganizationServiceFault
from leadsdk.entities import EntityKeyMetadata
from leadsdk.messages import CreateEntityKeyRequest, RetrieveRequest
from leadsdk.storage.base import Storage


def seed(svc: OrganizationService) -> None:
    svc.execute(CreateEntityKeyRequest(entity_name="lead",
                                       entity_key=EntityKeyMetadata("new_emailkey", ["emailaddress1"])))
    acc = svc.create(Entity("account", name="Contoso", revenue=1234.5))
    for i in range(5):
        lid = svc.create(Entity("lead", lastname=f"L{i}", emailaddress1=f"l{i}@x.example",
                                parentaccountid=EntityReference("account", acc)))
        svc.create(Entity("annotation", subject=f"n{i}", objectid=EntityReference("lead", lid),
                          filename="a.txt", documentbody=base64.b64encode(b"bytes %d" % i).decode()))


def dump(storage: Storage) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    for t in storage.metadata:
        rows = list(storage.scan(t))  # type: ignore[attr-defined]
        out[t.logical_name] = sorted(tuple(sorted((k, repr(v)) for k, v in r.items())) for r in rows)
    return out


def test_restore_equals_the_original(svc: OrganizationService, tmp_path: Path, backend: str) -> None:
    seed(svc)
    path = svc.snapshot(tmp_path / "seed.db")
    assert path.is_file()
    with OrganizationService.restore(path) as copy:
        assert dump(copy.storage) == dump(svc.storage)
        assert copy.metadata.table("lead").keys[0].logical_name == "new_emailkey"
    if backend == "postgres":  # and back into a PostgreSQL store
        with OrganizationService.restore(path, target=make_storage("postgres")) as pg:
            assert dump(pg.storage) == dump(svc.storage)


def test_restored_copies_are_independent(svc: OrganizationService, tmp_path: Path) -> None:
    seed(svc)
    path = svc.snapshot(tmp_path / "seed.db")
    ref = EntityReference("lead", key_attributes={"emailaddress1": "l1@x.example"})
    with OrganizationService.restore(path) as one:
        lid = one.execute(RetrieveRequest(target=ref)).entity.id
        one.delete("lead", lid)
        one.create(Entity("lead", lastname="only in one"))
        with pytest.raises(OrganizationServiceFault) as ei:  # the key's unique index came along
            one.create(Entity("lead", lastname="dup", emailaddress1="l2@x.example"))
        assert ei.value.error_code == ErrorCodes.DUPLICATE_RECORD
    with OrganizationService.restore(path) as two:
        assert two.retrieve("lead", lid, ColumnSet("lastname"))["lastname"] == "L1"
    assert svc.retrieve("lead", lid, ColumnSet("lastname"))["lastname"] == "L1"


def test_restore_into_a_file_and_snapshot_replaces(svc: OrganizationService, tmp_path: Path) -> None:
    seed(svc)
    path = svc.snapshot(tmp_path / "seed.db")
    svc.create(Entity("lead", lastname="later"))
    svc.snapshot(path)  # replaces the older snapshot
    target = tmp_path / "work.db"
    with OrganizationService.restore(path, target=target) as copy:
        assert dump(copy.storage) == dump(svc.storage)
        copy.create(Entity("lead", lastname="in the file"))
    with OrganizationService.open(target) as again:
        assert len(dump(again.storage)["lead"]) == len(dump(svc.storage)["lead"]) + 1


def test_restore_faults_on_a_missing_or_foreign_file(tmp_path: Path) -> None:
    with pytest.raises(OrganizationServiceFault) as ei:
        OrganizationService.restore(tmp_path / "nope.db")
    assert ei.value.error_code == ErrorCodes.OBJECT_DOES_NOT_EXIST
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(OrganizationServiceFault) as ei:
        OrganizationService.restore(junk)
    assert ei.value.error_code == ErrorCodes.INVALID_ARGUMENT


def test_snapshot_cannot_overwrite_its_own_store(tmp_path: Path) -> None:
    with OrganizationService.open(tmp_path / "crm.db") as svc:
        with pytest.raises(OrganizationServiceFault) as ei:
            svc.snapshot(tmp_path / "crm.db")
        assert ei.value.error_code == ErrorCodes.INVALID_ARGUMENT
