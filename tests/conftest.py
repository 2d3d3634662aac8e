"""Shared fixtures. `svc` runs every test that uses it on both storage backends.

PostgreSQL tests use a fresh schema per test (dropped afterwards) in the database named by
LEADSDK_TEST_PG (default postgresql://postgres@127.0.0.1:5432/test). Set LEADSDK_TEST_PG=off to
run on SQLite only.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from leadsdk import OrganizationService
from leadsdk.storage import SqliteStorage, Storage

PG_DSN = os.environ.get("LEADSDK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgres"]


def _postgres_available() -> str | None:
    """None when PostgreSQL tests can run, else the reason they cannot."""
    if PG_DSN.lower() in ("off", "0", "no", ""):
        return "LEADSDK_TEST_PG=off"
    try:
        from leadsdk.storage.postgres import PostgresStorage  # noqa: F401
    except ImportError as e:
        return f"PostgresStorage not importable: {e}"
    return None


_PG_REASON = _postgres_available()


def make_storage(backend: str, tmp_path: Path | None = None) -> Storage:
    if backend == "sqlite":
        return SqliteStorage(":memory:") if tmp_path is None else SqliteStorage(tmp_path / "crm.db")
    from leadsdk.storage.postgres import PostgresStorage

    return PostgresStorage(PG_DSN, schema=f"t_{uuid.uuid4().hex[:12]}", drop_schema_on_close=True)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and _PG_REASON is not None:
        pytest.skip(_PG_REASON)
    return str(request.param)


@pytest.fixture
def svc(backend: str) -> Iterator[OrganizationService]:
    """An OrganizationService over a fresh store, once per backend."""
    s = OrganizationService(make_storage(backend))
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def store_factory(backend: str, tmp_path: Path) -> Iterator[Callable[..., OrganizationService]]:
    """Make more services (fresh stores) on the test's backend; all are closed afterwards."""
    made: list[OrganizationService] = []

    def make(**kwargs: Any) -> OrganizationService:
        s = OrganizationService(make_storage(backend, tmp_path / f"s{len(made)}"), **kwargs) if backend == "sqlite" \
            else OrganizationService(make_storage(backend), **kwargs)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


@pytest.fixture
def sqlite_svc(tmp_path: Path) -> Iterator[OrganizationService]:
    """A file-backed SQLite service, for tests about SQLite itself (WAL, processes, crashes)."""
    s = OrganizationService.open(tmp_path / "crm.db")
    try:
        yield s
    finally:
        s.close()
