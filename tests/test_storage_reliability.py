"""Issue 21, robustness: bad store files fault cleanly, an interrupted transaction never wedges the
store, close() waits for running requests, aggregate results are capped, and durability is a choice."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from leadsdk import ColumnSet, Entity, OrganizationService, OrganizationServiceFault
from leadsdk.errors import ErrorCodes
from leadsdk.messages import CreateMultipleRequest
from leadsdk.plugins import PluginStage
from leadsdk.query import FetchExpression, QueryExpression
from leadsdk.storage import sqlbase
from leadsdk.storage.sqlite import SqliteStorage


def open_fault(path: Path | str) -> OrganizationServiceFault:
    with pytest.raises(OrganizationServiceFault) as ei:
        OrganizationService.open(path)
    f = ei.value
    assert f.error_code == ErrorCodes.SQL_ERROR
    assert str(path) in f.message
    return f


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    p = tmp_path / "notes.txt"
    p.write_bytes(b"these are my notes, not a database\n" * 200)
    assert "is not a SQLite database" in open_fault(p).message
    assert p.read_bytes().startswith(b"these are my notes")  # left as it was


def test_a_truncated_store(tmp_path: Path) -> None:
    p = tmp_path / "crm.db"
    with OrganizationService.open(p) as s:
        for i in range(50):
            s.create(Entity("lead", lastname=f"L{i}", description="x" * 2000))
    data = p.read_bytes()
    assert len(data) > 100_000
    p.write_bytes(data[: len(data) // 3])
    for suffix in ("-wal", "-shm"):
        Path(str(p) + suffix).unlink(missing_ok=True)
    f = open_fault(p)
    assert "damaged" in f.message or "not a SQLite database" in f.message


def test_an_unwritable_location(tmp_path: Path) -> None:
    assert "cannot be opened" in open_fault(tmp_path / "no" / "such" / "folder" / "crm.db").message
    assert "cannot be opened" in open_fault("/proc/leadsdk-test.db").message or True


def test_a_full_disk_faults_and_writes_nothing(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "crm.db")
    with OrganizationService(storage) as s:
        pages = storage.conn.execute("PRAGMA page_count").fetchone()[0]
        storage.conn.execute(f"PRAGMA max_page_count={pages + 2}")  # this connection's file cannot grow more
        with pytest.raises(OrganizationServiceFault) as ei:
            s.execute(CreateMultipleRequest(targets=[Entity("lead", lastname=f"Big{i}", description="y" * 2000)
                                                     for i in range(300)]))
        assert ei.value.error_code == ErrorCodes.SQL_ERROR
        assert "disk is full" in ei.value.message
        assert len(s.retrieve_multiple(QueryExpression("lead"))) == 0


def test_durability_default_and_option(tmp_path: Path) -> None:
    full = SqliteStorage(tmp_path / "a.db")
    normal = SqliteStorage(tmp_path / "b.db", synchronous="normal")
    with OrganizationService(full), OrganizationService(normal):
        assert full.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert full.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert normal.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    with OrganizationService.open(tmp_path / "c.db", synchronous="NORMAL") as s:
        assert s.storage.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # type: ignore[attr-defined]
    with pytest.raises(OrganizationServiceFault) as ei:
        SqliteStorage(tmp_path / "d.db", synchronous="OFF")
    assert ei.value.error_code == ErrorCodes.INVALID_ARGUMENT


def test_checkpoint_interval_default_option_and_bad_values(tmp_path: Path) -> None:
    """The log is copied into the file every 10,000 pages unless asked otherwise, on every thread's
    connection; the log keeps the commits until then, and a bad interval faults before any file exists."""
    storage = SqliteStorage(tmp_path / "a.db", synchronous="NORMAL")
    small = SqliteStorage(tmp_path / "b.db", synchronous="NORMAL", checkpoint_pages=50)
    with OrganizationService(storage) as s, OrganizationService(small) as t:
        assert storage.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 10_000
        assert small.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 50
        other: list[int] = []
        th = threading.Thread(target=lambda: other.append(storage.conn.execute("PRAGMA wal_autocheckpoint")
                                                          .fetchone()[0]))
        th.start()
        th.join()
        assert other == [10_000]
        for i in range(40):
            s.create(Entity("lead", lastname=f"L{i}"))
            t.create(Entity("lead", lastname=f"L{i}"))
        # 40 creates write well over 50 pages of log: the small interval checkpointed, the default did not
        log_pages = (tmp_path / "a.db-wal").stat().st_size // 8192
        assert log_pages > 50
        assert (tmp_path / "b.db-wal").stat().st_size // 8192 < log_pages
        reader = sqlite3.connect(tmp_path / "a.db")
        assert reader.execute("SELECT count(*) FROM lead").fetchone()[0] == 40
        reader.close()
    for bad in (0, -5, 2.5, "many", True):
        with pytest.raises(OrganizationServiceFault) as ei:
            SqliteStorage(tmp_path / f"bad{bad}.db", checkpoint_pages=bad)  # type: ignore[arg-type]
        assert ei.value.error_code == ErrorCodes.INVALID_ARGUMENT
        assert not (tmp_path / f"bad{bad}.db").exists()


def _page_size(path: Path) -> int:
    c = sqlite3.connect(path)
    try:
        return int(c.execute("PRAGMA page_size").fetchone()[0])
    finally:
        c.close()


def test_page_size_of_new_files_default_option_and_bad_values(tmp_path: Path) -> None:
    """New files get 8 KiB pages unless asked otherwise; a file keeps the page size it was made with when
    opened again with another; a bad size faults before any file exists."""
    with OrganizationService.open(tmp_path / "a.db") as s:
        s.create(Entity("lead", lastname="Big"))
    with OrganizationService.open(tmp_path / "b.db", page_size=4096) as s:
        s.create(Entity("lead", lastname="Small"))
    small = SqliteStorage(tmp_path / "c.db", synchronous="NORMAL", page_size=1024)
    with OrganizationService(small) as s:
        s.execute(CreateMultipleRequest(targets=[Entity("lead", lastname=f"L{i}") for i in range(300)]))
        assert small.page_size == 1024
    assert (_page_size(tmp_path / "a.db"), _page_size(tmp_path / "b.db"), _page_size(tmp_path / "c.db")) == \
        (8192, 4096, 1024)
    with OrganizationService.open(tmp_path / "b.db", page_size=16384) as s:  # the file keeps its 4 KiB
        s.create(Entity("lead", lastname="Again"))
        names = sorted(e["lastname"] for e in s.retrieve_multiple(QueryExpression("lead", ColumnSet("lastname")))
                       .entities)
        assert names == ["Again", "Small"]
    assert _page_size(tmp_path / "b.db") == 4096
    with OrganizationService(SqliteStorage(tmp_path / "d.db", page_size=4096)) as s:
        assert s.retrieve_multiple(QueryExpression("lead")).entities == []
    for bad in (0, 1000, 256, 131072, 4096.0, "4096", True):
        with pytest.raises(OrganizationServiceFault) as ei:
            SqliteStorage(tmp_path / f"bad{bad}.db", page_size=bad)  # type: ignore[arg-type]
        assert ei.value.error_code == ErrorCodes.INVALID_ARGUMENT
        assert "page_size" in ei.value.message
        assert not (tmp_path / f"bad{bad}.db").exists()


def test_a_transaction_left_open_by_an_interrupt_is_rolled_back(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "crm.db")
    with OrganizationService(storage) as s:
        # what an interrupt right after BEGIN leaves: this thread's connection inside a write transaction
        storage.conn.execute("BEGIN IMMEDIATE")
        storage.conn.execute("INSERT INTO lead (leadid, lastname) VALUES ('00000000-0000-0000-0000-0000000000aa', "
                             "'half')")
        lid = s.create(Entity("lead", lastname="After"))
        assert [e.id for e in s.retrieve_multiple(QueryExpression("lead"))] == [lid]
        other = sqlite3.connect(tmp_path / "crm.db", timeout=1)  # another process can write again
        other.execute("UPDATE lead SET subject = 'x'")
        other.commit()
        other.close()


@pytest.mark.parametrize("nested", [False, True], ids=["outermost", "savepoint"])
def test_an_interrupt_at_the_start_of_a_transactions_exit_does_not_keep_other_threads_waiting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nested: bool) -> None:
    """A KeyboardInterrupt raised by a signal handler at the very start of a transaction's `__exit__` (before
    its cleanup) left the re-entrant writer lock held once more by that thread: its own later writes went on,
    but every other thread of the process waited for good. The thread's next transaction now drops it."""
    storage = SqliteStorage(tmp_path / "crm.db", timeout=2)
    with OrganizationService(storage) as s:
        tx_class = type(storage.transaction())
        exit_ = tx_class.__exit__
        cut = {"n": 0}

        def cut_short(self: Any, *exc: Any) -> None:
            if self.depth == (1 if nested else 0) and not cut["n"]:
                cut["n"] = 1
                raise KeyboardInterrupt  # where a signal handler raises it: before the body runs
            exit_(self, *exc)

        monkeypatch.setattr(tx_class, "__exit__", cut_short)
        with pytest.raises(KeyboardInterrupt), storage.transaction():
            s.create(Entity("lead", lastname="Lost"))
            if nested:
                with storage.transaction():
                    s.create(Entity("lead", lastname="Lost too"))
        assert cut["n"] == 1
        monkeypatch.setattr(tx_class, "__exit__", exit_)
        kept = s.create(Entity("lead", lastname="Kept"))  # this thread's next write (its own lock holds)
        result: dict[str, object] = {}

        def other() -> None:
            try:
                result["id"] = s.create(Entity("lead", lastname="Other thread"))
            except OrganizationServiceFault as e:  # THROTTLING: the writer lock never came free
                result["fault"] = e

        t = threading.Thread(target=other)
        t.start()
        t.join(20)
        assert "fault" not in result and "id" in result
        names = sorted(e["lastname"] for e in s.retrieve_multiple(
            QueryExpression("lead", column_set=ColumnSet("lastname"))).entities)
        assert names == ["Kept", "Other thread"]
        assert kept and not storage.in_transaction


def test_keyboard_interrupt_inside_a_request_rolls_back(svc: OrganizationService) -> None:
    def stop(ctx: object) -> None:
        raise KeyboardInterrupt

    step = svc.register_plugin("Create", "lead", PluginStage.PRE_OPERATION, stop)
    with pytest.raises(KeyboardInterrupt):
        svc.create(Entity("lead", lastname="Interrupted"))
    svc.unregister_plugin(step)
    assert not svc.storage.in_transaction
    svc.create(Entity("lead", lastname="Next"))
    names = [e["lastname"] for e in svc.retrieve_multiple(QueryExpression("lead", column_set=ColumnSet("lastname")))]
    assert names == ["Next"]


def test_close_waits_for_a_running_request(svc: OrganizationService) -> None:
    inside, release = threading.Event(), threading.Event()

    def hold(ctx: object) -> None:
        inside.set()
        assert release.wait(20)

    svc.register_plugin("Create", "lead", PluginStage.POST_OPERATION, hold)
    results: dict[str, object] = {}

    def create() -> None:
        results["id"] = svc.create(Entity("lead", lastname="Slow"))

    worker = threading.Thread(target=create)
    worker.start()
    assert inside.wait(20)
    closer = threading.Thread(target=svc.close)
    closer.start()
    closer.join(0.3)
    assert closer.is_alive()  # waiting for the running create
    with pytest.raises(OrganizationServiceFault) as ei:  # no new request while closing
        svc.retrieve_multiple(QueryExpression("lead"))
    assert ei.value.error_code == ErrorCodes.INVALID_OPERATION
    release.set()
    worker.join(20)
    closer.join(20)
    assert not closer.is_alive() and "id" in results
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.create(Entity("lead", lastname="Late"))
    assert ei.value.error_code == ErrorCodes.INVALID_OPERATION
    assert "closed" in ei.value.message
    svc.close()  # twice: nothing


def test_close_from_inside_a_request_is_refused(svc: OrganizationService) -> None:
    seen: list[int] = []

    def closer(ctx: object) -> None:
        try:
            svc.close()
        except OrganizationServiceFault as f:
            seen.append(f.error_code)

    svc.register_plugin("Create", "lead", PluginStage.POST_OPERATION, closer)
    svc.create(Entity("lead", lastname="Stays"))
    assert seen == [ErrorCodes.INVALID_OPERATION]
    assert len(svc.retrieve_multiple(QueryExpression("lead"))) == 1


def test_aggregate_results_are_capped(svc: OrganizationService, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlbase, "AGGREGATE_LIMIT", 3)
    for i in range(4):
        svc.create(Entity("lead", lastname=f"L{i}"))
    fetch = ("<fetch aggregate='true'><entity name='lead'><attribute name='lastname' groupby='true' alias='n'/>"
             "<attribute name='leadid' aggregate='count' alias='c'/></entity></fetch>")
    with pytest.raises(OrganizationServiceFault) as ei:
        svc.retrieve_multiple(FetchExpression(fetch))
    assert ei.value.error_code == ErrorCodes.AGGREGATE_QUERY_RECORD_LIMIT_EXCEEDED == -2147164125
    svc.delete("lead", svc.retrieve_multiple(QueryExpression("lead"))[0].id)
    assert len(svc.retrieve_multiple(FetchExpression(fetch))) == 3


def test_aggregate_limit_counts_the_records_aggregated(svc: OrganizationService,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # Dataverse's AggregateQueryRecordLimit (50,000) bounds the records an aggregate query covers, not the
    # groups it returns: a count over more records faults even as one group ("Aggregate queries", learn.microsoft.com).
    monkeypatch.setattr(sqlbase, "AGGREGATE_LIMIT", 3)
    for i in range(4):
        svc.create(Entity("lead", lastname="Same", subject=f"s{i % 2}"))
    one_group = ("<fetch aggregate='true'><entity name='lead'><attribute name='lastname' groupby='true' alias='n'/>"
                 "<attribute name='leadid' aggregate='count' alias='c'/>{}</entity></fetch>")
    for fetch in (one_group.format(""),
                  "<fetch aggregate='true' count='10' page='1'><entity name='lead'>"
                  "<attribute name='leadid' aggregate='count' alias='c'/></entity></fetch>"):
        with pytest.raises(OrganizationServiceFault) as ei:
            svc.retrieve_multiple(FetchExpression(fetch))
        assert ei.value.error_code == ErrorCodes.AGGREGATE_QUERY_RECORD_LIMIT_EXCEEDED
        assert "4 records" in ei.value.message
    # a filter that selects few enough records runs, and the count column is not among the results
    rows = svc.retrieve_multiple(FetchExpression(one_group.format(
        "<filter><condition attribute='subject' operator='eq' value='s0'/></filter>")))
    assert [(r["n"].value, r["c"].value) for r in rows] == [("Same", 2)]
    assert set(rows[0].attributes) == {"n", "c"}


def test_dropped_pooled_connections_cost_no_failed_request() -> None:
    from tests.conftest import _PG_REASON, PG_DSN

    if _PG_REASON is not None:
        pytest.skip(_PG_REASON)
    import uuid

    import psycopg

    from leadsdk.storage.postgres import PostgresStorage

    name = f"leadsdk-drop-{uuid.uuid4().hex[:8]}"
    storage = PostgresStorage(PG_DSN, schema=f"t_{uuid.uuid4().hex[:12]}", drop_schema_on_close=True,
                              application_name=name, min_size=2, max_size=2)
    with OrganizationService(storage) as s:
        s.create(Entity("lead", lastname="Before"))
        with psycopg.connect(PG_DSN, autocommit=True) as admin:  # what a server restart does to the pool
            killed = admin.execute("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE application_name = %s", (name,)).fetchone()
        assert killed is not None and killed[0] >= 1
        for i in range(4):
            s.create(Entity("lead", lastname=f"After{i}"))
        assert len(s.retrieve_multiple(QueryExpression("lead"))) == 5
