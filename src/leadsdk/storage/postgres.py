"""The PostgreSQL backend (psycopg 3 with a psycopg_pool connection pool; extra `leadsdk[postgres]`).

The same statements as SQLite (storage/sqlbase.py and the shared QueryCompiler), written for
`PostgresDialect`. A thread takes a pooled connection at the start of its outermost transaction and
keeps it until commit or rollback; nested transactions are SAVEPOINTs. Reads outside a transaction
borrow a connection per statement (autocommit). Its COPY bulk inserts are in `pg_bulk.py`, its schema and
row versions in `pg_schema.py` (mixins).
"""

from __future__ import annotations

import os
import re
import threading
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import psycopg
import psycopg.errors
from psycopg import sql as _psql
from psycopg_pool import ConnectionPool, PoolTimeout

from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.storage import forks
from leadsdk.storage.dialect import PostgresDialect
from leadsdk.storage.gate import closed_fault
from leadsdk.storage.pg_bulk import CopyStream, PgBulk
from leadsdk.storage.pg_cursor import StoreCursor, pipelined
from leadsdk.storage.pg_schema import PgSchema
from leadsdk.storage.pg_spares import first_line, redact, spares_for
from leadsdk.storage.sqltx import LocalTxState, ThreadStates, TxState

__all__ = [
    "PostgresStorage",
]


_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


_ISOLATION = {"read committed": "READ COMMITTED", "repeatable read": "REPEATABLE READ",
              "serializable": "SERIALIZABLE"}


_RETRYABLE = (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected,
              psycopg.errors.SerializationFailure, psycopg.errors.QueryCanceled)


SETUP_LOCK = 0x6C656164
"""("lead") With a number from the schema name, the advisory lock that serialises creating and seeding one store."""


_ABANDONED: list[Any] = []
"""Pools inherited from a parent process through fork(): kept, never closed, in the child."""


_Queued = tuple[str, "Sequence[Any] | None", "str | None", "Callable[[Any], None] | None"]
"""A statement waiting for its transaction's next round trip: SQL, parameters, table, what to do with its
cursor once it ran (None: nothing; its result is not read)."""


def _last_table(items: Sequence[_Queued]) -> str | None:
    return next((t for _, _, t, _ in reversed(items) if t), None)


class _ConnState(LocalTxState):
    """A thread's transaction, the pooled connection it holds until it ends, and the statements queued to
    go to the server with the transaction's next round trip (BEGIN first, then writes nobody reads)."""

    def __init__(self) -> None:
        super().__init__()
        self.queued: list[_Queued] = []
        self.sent = False
        """BEGIN reached the server: ending the transaction takes a statement."""
        self.failed: OrganizationServiceFault | None = None
        """The fault of a queued statement: the transaction can only roll back (until a savepoint's)."""
        self.copying: CopyStream | None = None
        """A COPY open on the connection (`pg_bulk.CopyStream`), ended by the connection's next use."""


class PostgresStorage(PgBulk, PgSchema):
    """A store in a PostgreSQL database, optionally in its own schema.

    `dsn` is a libpq connection string or URL (`postgresql://user@host:5432/db`). `schema` puts
    every table in that schema (created when missing; the connections' search_path points at it);
    `drop_schema_on_close` drops it on `close()` (tests, throw-away stores). `min_size`/`max_size`
    size the pool; `timeout` is how long a request waits for a connection; `lock_timeout` how long a
    statement waits for a row lock before failing with a retryable fault.

    `isolation` is the level of write transactions. The default, "read committed", behaves as
    Dataverse does: plain updates of one record overwrite each other (last writer wins), updates with
    a row version fault when the version moved on, and the messages that check a record's state
    before changing it (QualifyLead, Win/LoseOpportunity, CloseIncident, SetState) lock its row
    first, so a lead is never qualified twice. "repeatable read" makes the second of two concurrent
    changes of one record fail with a retryable THROTTLING fault instead; "serializable" also
    catches write skew across records.
    """

    dialect = PostgresDialect()
    by_id_chunk = 1000

    def __init__(self, dsn: str, *, schema: str | None = None, drop_schema_on_close: bool = False,
                 min_size: int = 1, max_size: int = 10, timeout: float = 30.0, connect_timeout: float = 10.0,
                 lock_timeout: float = 30.0, isolation: str = "read committed",
                 application_name: str = "leadsdk") -> None:
        super().__init__()
        if schema is not None and not _SCHEMA_NAME.match(schema):
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"The schema name {schema!r} must be lower-case letters, digits and underscores.")
        if isolation.lower() not in _ISOLATION:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"The isolation {isolation!r} is not one of {', '.join(_ISOLATION)}.")
        self.dsn = dsn
        self.schema = schema
        self.drop_schema_on_close = drop_schema_on_close
        self.isolation = _ISOLATION[isolation.lower()]
        self._begin = "BEGIN" if self.isolation == "READ COMMITTED" else f"BEGIN ISOLATION LEVEL {self.isolation}"
        self._states = ThreadStates(_ConnState)
        self._closed = False
        self._version_lock = threading.Lock()
        self._version_next = self._version_end = 0
        self._version_spare: list[int] = []
        options = f"-c TimeZone=UTC -c lock_timeout={int(lock_timeout * 1000)}"
        if schema is not None:
            options += f" -c search_path={schema}"
        self._pid = os.getpid()
        key = zlib.crc32((schema or "").encode()) - (1 << 31)  # a signed 32-bit number per schema
        self._locked = f"SELECT pg_advisory_xact_lock({SETUP_LOCK}, {key})"
        kwargs: dict[str, Any] = {"autocommit": True, "options": options, "application_name": application_name,
                                  "connect_timeout": max(1, int(connect_timeout)),
                                  "cursor_factory": StoreCursor}
        self._pool_args: dict[str, Any] = {
            "min_size": min_size, "max_size": max(min_size, max_size), "kwargs": kwargs, "timeout": timeout,
            "name": f"leadsdk-{schema or 'public'}"}
        self._connect_timeout = connect_timeout
        self._round_trips = 0
        """Statements and pipelines sent and waited for (tests pin a message's count)."""
        try:
            self.pool: ConnectionPool[Any] = self._new_pool()
        except (PoolTimeout, psycopg.Error) as e:
            self._closed = True
            raise OrganizationServiceFault(
                ErrorCodes.SQL_ERROR, f"Cannot connect to PostgreSQL at {redact(dsn)}: {e}.",
                error_details={"retryable": True}) from e
        self._throwaway = schema is not None and drop_schema_on_close
        self._schema_made = False
        self._spare_script: str | None = None
        """The DDL script of the throw-away schema this store took (tests): unchanged at close, it is reused."""
        if schema is not None and not self._throwaway:
            self._script(f"CREATE SCHEMA IF NOT EXISTS {self.dialect.quote(schema)}")
            self._schema_made = True

    # connections and transactions -----------------------------------------------------------
    def _new_pool(self) -> ConnectionPool[Any]:
        """A pool whose connections are not checked when handed out (that would cost a round trip per
        request): a statement that finds its connection broken before anything of its transaction
        reached the server (a restarted server, a dropped connection) is sent again on another one
        (`_flush`, `_on_conn`), so a broken connection costs a reconnect, not a failed request."""
        pool: ConnectionPool[Any] = ConnectionPool(self.dsn, open=False, **self._pool_args)
        pool.open(wait=True, timeout=self._connect_timeout)
        return pool

    def _check_open(self) -> None:
        if self._closed:
            raise closed_fault()
        if self._pid != forks.pid:
            self._forked()

    def _forked(self) -> None:
        """In a child after fork(): the parent's pooled connections share its sockets, so the child opens
        its own pool. The parent's is left alone - closing it here would end the parent's sessions
        (psycopg never finishes a connection in a process other than the one that opened it)."""
        _ABANDONED.append(self.pool)
        self._pid = os.getpid()
        self._states = ThreadStates(_ConnState)
        self._version_next = self._version_end = 0  # the parent's block of versions is the parent's
        self._version_spare = []
        try:
            self.pool = self._new_pool()
        except (PoolTimeout, psycopg.Error) as e:
            raise OrganizationServiceFault(
                ErrorCodes.SQL_ERROR, f"Cannot connect to PostgreSQL at {redact(self.dsn)} after fork: {e}.",
                error_details={"retryable": True}) from e

    def _getconn(self) -> psycopg.Connection[Any]:
        self._check_open()
        try:
            conn: psycopg.Connection[Any] = self.pool.getconn()
            return conn
        except PoolTimeout as e:
            raise OrganizationServiceFault(
                ErrorCodes.THROTTLING,
                f"No PostgreSQL connection became free within {self.pool.timeout:g} s "
                f"(pool of {self.pool.max_size}); try the request again.",
                error_details={"retryable": True}) from e
        except psycopg.Error as e:
            raise self._fault(e) from e

    def _checked_conn(self) -> psycopg.Connection[Any]:
        """A connection known to work (one round trip), for a write outside a transaction, which is never
        sent twice."""
        for _ in range(self.pool.max_size):
            conn = self._getconn()
            try:
                self._round_trips += 1
                conn.execute("")
                return conn
            except psycopg.Error:
                self._putconn(conn)  # broken: the pool drops it
        return self._getconn()

    def _putconn(self, conn: psycopg.Connection[Any]) -> None:
        try:
            self.pool.putconn(conn)
        except Exception:  # pool closed under us: the connection just goes away
            try:
                conn.close()
            except psycopg.Error:
                pass

    # transactions (storage.sqltx): a pooled connection from BEGIN to COMMIT or ROLLBACK ------------
    @property
    def _state(self) -> _ConnState:
        """This thread's transaction and connection."""
        st: _ConnState = self._states.st
        return st

    def _tx_state(self) -> TxState:
        if self._pid != forks.pid:
            self._forked()
        st: TxState = self._states.st
        return st

    def _tx_begin(self, st: TxState) -> None:
        """Take a connection; BEGIN is queued and goes with the transaction's first statement."""
        assert isinstance(st, _ConnState)
        st.conn = self._getconn()  # faults once the store is closed
        st.queued = [(self._begin, None, None, None)]
        st.sent = False
        st.failed = None

    def _tx_end(self, st: TxState, commit: bool) -> None:
        """COMMIT goes with the statements still queued, in one round trip; a transaction that never
        reached the server ends without one."""
        assert isinstance(st, _ConnState)
        conn: psycopg.Connection[Any] = st.conn
        try:
            if st.copying is not None:
                try:
                    self._join(st)
                except OrganizationServiceFault:
                    if commit:
                        self._rollback(conn)
                        raise
            failed = st.failed
            if not commit:
                st.queued = []
                if st.sent:
                    self._rollback(conn)
                return
            if failed is not None or conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
                self._rollback(conn)
                raise failed or OrganizationServiceFault(
                    ErrorCodes.SQL_ERROR, "The transaction was aborted by an earlier failed statement; "
                    "nothing was written.")
            if not st.sent and len(st.queued) == 1:
                st.queued = []  # only BEGIN: nothing to commit
                return
            try:
                self._flush(st, [("COMMIT", None, None, None)])
            except BaseException:
                self._rollback(st.conn)
                raise
        finally:
            conn = st.conn
            st.conn = None
            st.queued = []
            st.sent = False
            st.failed = None
            self._putconn(conn)

    def _rollback(self, conn: psycopg.Connection[Any]) -> None:
        try:
            self._round_trips += 1
            conn.execute("ROLLBACK")
        except psycopg.Error:
            pass

    def _tx_exec(self, st: TxState, sql: str) -> None:
        """SAVEPOINT goes with the queued statements (so their faults are the enclosing request's);
        ROLLBACK TO drops what its body queued."""
        assert isinstance(st, _ConnState)
        if sql.startswith("ROLLBACK TO"):
            if st.copying is not None:
                try:
                    self._join(st)
                except OrganizationServiceFault:
                    pass  # the body's COPY: rolled back with it
            st.queued = []
            st.failed = None
            try:
                self._round_trips += 1
                st.conn.execute(sql)
            except psycopg.Error as e:
                raise self._fault(e) from e
            return
        self._flush(st, [(sql, None, None, None)])

    def _tx_release(self, st: TxState, name: str) -> None:
        """RELEASE goes with what the savepoint's body queued, still inside the body: a fault of a queued
        statement rolls back to the savepoint, as the statement's own would have."""
        self._tx_exec(st, f"RELEASE SAVEPOINT {name}")

    def _flush(self, st: _ConnState, extra: Sequence[_Queued] = ()) -> list[Any]:
        """Send the queued statements and `extra` in one round trip (a pipeline when more than one) and
        return `extra`'s cursors. A connection found broken before BEGIN reached the server is replaced
        and everything sent again; any other failure is the transaction's fault from then on."""
        if st.copying is not None:
            self._join(st)
        if st.failed is not None:
            raise st.failed
        items = [*st.queued, *extra] if st.queued else list(extra)
        if not items:
            return []
        st.queued = []
        tries = 0
        while True:
            conn: psycopg.Connection[Any] = st.conn
            try:
                self._round_trips += 1
                if len(items) == 1:
                    sql, params = items[0][0], items[0][1]
                    curs = [conn.execute(sql, params if params else None)]
                else:
                    with conn.pipeline():
                        curs = pipelined(conn, items, len(items) - len(extra))
                break
            except psycopg.Error as e:
                if not st.sent and conn.broken and tries < self.pool.max_size:
                    tries += 1
                    st.conn = None
                    self._putconn(conn)  # the pool drops a broken connection
                    st.conn = self._getconn()
                    continue
                st.sent = True
                table = getattr(getattr(e, "diag", None), "table_name", None) or _last_table(items)
                st.failed = self._fault(e, table)
                raise st.failed from e
            except (ValueError, TypeError, OverflowError) as e:  # a value psycopg cannot send (NUL in text, ...)
                st.sent = True
                table = _last_table(items)
                st.failed = OrganizationServiceFault(
                    ErrorCodes.INVALID_ARGUMENT,
                    f"A value{' in ' + table if table else ''} cannot be stored: {e}.")
                raise st.failed from e
        st.sent = True
        for (_, _, _, then), cur in zip(items, curs):
            if then is not None:
                try:
                    then(cur)
                except OrganizationServiceFault as f:
                    st.failed = f
                    raise
        return curs[len(curs) - len(extra):]

    def sync(self) -> None:
        st = self._state
        if st.conn is None:
            return
        if st.copying is not None or st.failed is not None:
            self._flush(st)
        if st.queued and (st.sent or len(st.queued) > 1):  # more than a BEGIN nobody needed yet
            self._flush(st)

    def _sync(self) -> psycopg.Connection[Any]:
        """The transaction's connection, with nothing left queued (before COPY, executemany, scripts)."""
        st = self._state
        if st.queued or st.failed is not None or st.copying is not None:
            self._flush(st)
        conn: psycopg.Connection[Any] = st.conn
        return conn

    def _command_later(self, sql: str, params: Sequence[Any], table: str) -> None:
        st = self._state
        if st.conn is None:
            self._command(sql, params, table)
            return
        self._touch(table, True)
        st.queued.append((sql, params, table, None))

    def _fault(self, e: Exception, table: str | None = None) -> OrganizationServiceFault:
        """A psycopg error as the fault Dataverse would give for it; never a raw driver error."""
        where = f" in {table}" if table else ""
        if isinstance(e, psycopg.errors.UniqueViolation):
            return OrganizationServiceFault(
                ErrorCodes.DUPLICATE_RECORD,
                f"Cannot insert duplicate key{where}: a record with this key already exists.")
        if isinstance(e, _RETRYABLE):
            what = {psycopg.errors.DeadlockDetected: "a deadlock with another request",
                    psycopg.errors.SerializationFailure: "a conflicting concurrent change"}.get(
                        type(e), "a row lock held by another request")
            return OrganizationServiceFault(
                ErrorCodes.THROTTLING,
                f"The database gave up{where} because of {what}; try the request again.",
                error_details={"retryable": True})
        if isinstance(e, psycopg.OperationalError):
            return OrganizationServiceFault(
                ErrorCodes.SQL_ERROR, f"The connection to PostgreSQL failed{where}: {first_line(e)}.",
                error_details={"retryable": True})
        if isinstance(e, psycopg.DataError):
            return OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT, f"A value{where} cannot be stored: {first_line(e)}.")
        return OrganizationServiceFault(ErrorCodes.SQL_ERROR, f"The database reported an error{where}: "
                                        f"{first_line(e)}.")

    # the primitives SqlStorage builds on ----------------------------------------------------
    def _run(self, conn: psycopg.Connection[Any], sql: str, params: Sequence[Any], fetch: bool
             ) -> list[Any] | int:
        cur = conn.execute(sql, params if params else None)
        if fetch:
            return cur.fetchall()
        return cur.rowcount

    def _on_conn(self, sql: str, params: Sequence[Any], table: str | None, fetch: bool) -> list[Any] | int:
        st = self._state
        self._touch(table, not fetch)
        if st.conn is not None:
            cur = self._flush(st, [(sql, params, table, None)])[0]
            return cur.fetchall() if fetch else int(cur.rowcount)
        try:
            conn = self._checked_conn() if not fetch else self._getconn()
            try:
                tries = 0
                while True:
                    try:
                        self._round_trips += 1
                        return self._run(conn, sql, params, fetch)
                    except psycopg.OperationalError:
                        if not (fetch and conn.broken and tries < self.pool.max_size):
                            raise
                        tries += 1  # a read on a broken connection (a restarted server): again on another
                        self._putconn(conn)
                        conn = self._getconn()
            finally:
                self._putconn(conn)
        except psycopg.Error as e:
            raise self._fault(e, table) from e
        except (ValueError, TypeError, OverflowError) as e:  # a value psycopg cannot send (NUL in text, ...)
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT,
                f"A value{' in ' + table if table else ''} cannot be stored: {e}.") from e

    def _query(self, sql: str, params: Sequence[Any] = (), table: str | None = None) -> list[Any]:
        out = self._on_conn(sql, params, table, True)
        assert isinstance(out, list)
        return out

    def _command(self, sql: str, params: Sequence[Any] = (), table: str | None = None) -> int:
        out = self._on_conn(sql, params, table, False)
        assert isinstance(out, int)
        return out

    def _command_many(self, sql: str, rows: Sequence[Sequence[Any]], table: str | None = None) -> None:
        """Many rows of one INSERT: COPY ... FROM STDIN (one stream), or executemany for a few rows."""
        if not rows:
            return
        self._touch(table, True)
        head, _, _values = sql.partition(" VALUES ")
        if len(rows) < 8 or not head.startswith("INSERT INTO "):
            self._each(sql, rows, table)
            return
        copy_sql = "COPY " + head.removeprefix("INSERT INTO ") + " FROM STDIN"
        if self._state.conn is None:
            with self.transaction():
                self._copy(copy_sql, rows, table)
        else:
            self._copy(copy_sql, rows, table)

    def _each(self, sql: str, rows: Sequence[Sequence[Any]], table: str | None) -> None:
        if self._state.conn is None:
            with self.transaction():
                self._each(sql, rows, table)
            return
        conn = self._sync()
        try:
            self._round_trips += 1
            with conn.cursor() as cur:
                cur.executemany(sql, rows)
        except psycopg.Error as e:
            raise self._fault(e, table) from e

    def _script(self, text: str) -> None:
        """Run a multi-statement script in one round trip (simple query protocol)."""
        self._check_open()
        try:
            if self._state.conn is not None:
                self._touch(None, True)
                self._round_trips += 1
                self._sync().execute(_psql.SQL(text))
                return
            script = _psql.SQL(f"BEGIN;\n{self._locked};\n" + text.rstrip().rstrip(";") + ";\nCOMMIT;")
            for tries in range(self.pool.max_size + 1):
                with self.pool.connection() as c:
                    try:
                        self._round_trips += 1
                        c.execute(script)
                        return
                    except psycopg.OperationalError:
                        if not c.broken or tries == self.pool.max_size:
                            raise  # a broken connection: the script is one transaction, sent again
        except psycopg.Error as e:
            raise self._fault(e) from e

    def update(self, table: EntityMetadata, id: Any, values: Mapping[str, Any], *,
               expected_version: int | None = None) -> bool:
        st = self._state
        if expected_version is None and values and st.conn is not None and self._known(table, id):
            # a row this transaction read or wrote: the UPDATE goes with the next round trip; should it
            # match nothing after all (another transaction deleted the row since), that statement faults
            cols, vals = self._encode_row(table, values)
            name = table.logical_name

            def matched(cur: Any) -> None:
                if cur.rowcount == 0:
                    raise OrganizationServiceFault(ErrorCodes.OBJECT_DOES_NOT_EXIST,
                                                   f"{name} With Id = {id} Does Not Exist")

            self._touch(name, True)
            st.queued.append((self._update_sql(table, cols, False), [*vals, self._id_param(id)], name, matched))
            return True
        try:
            return super().update(table, id, values, expected_version=expected_version)
        except OrganizationServiceFault as f:
            if expected_version is not None and f.error_details.get("retryable") and isinstance(
                    f.__cause__, psycopg.errors.SerializationFailure):
                raise OrganizationServiceFault(
                    ErrorCodes.CONCURRENCY_VERSION_MISMATCH,
                    f"The version of the existing {table.logical_name} {id} doesn't match the RowVersion "
                    "property provided (another request changed it concurrently).") from f
            raise

    def lock(self, table: EntityMetadata, id: Any) -> None:
        """Take the row's write lock until the transaction ends (serialises read-modify-write of one record)."""
        q = self.dialect.quote
        sql = f"SELECT 1 FROM {q(table.logical_name)} WHERE {q(table.primary_id_attribute)} = %s FOR NO KEY UPDATE"
        st = self._state
        if st.conn is None:
            self._query(sql, (self._id_param(id),), table.logical_name)
            return

        def found(cur: Any) -> None:
            if cur.fetchall():
                self._remember(table, id)

        # queued: the lock goes to the server with the read that follows it, in one round trip
        self._touch(table.logical_name, False)
        st.queued.append((sql, (self._id_param(id),), table.logical_name, found))

    def close(self) -> None:
        """Wait for requests running on other threads (see `RequestGate`), then close the pool; later
        requests fault. Closing twice does nothing."""
        if self._closed or not self.gate.close():
            self._closed = True
            return
        if self._pid != forks.pid:
            _ABANDONED.append(self.pool)  # the parent's: leave its sessions alone
            self._closed = True
            return
        try:
            if self._throwaway and self.schema is not None and self._schema_made:
                if self._spare_script is not None and self.schema_script() == self._spare_script:
                    spares_for(self.dsn).recycle_later(self.schema, self._spare_script, self._reset_script())
                else:  # its tables changed (customizations): nobody else wants it
                    spares_for(self.dsn).drop_later(self.schema)
            elif self.drop_schema_on_close and self.schema is not None:
                try:
                    with self.pool.connection(timeout=10) as c:
                        c.execute(_psql.SQL(f"DROP SCHEMA IF EXISTS {self.dialect.quote(self.schema)} "
                                            "CASCADE"))
                except (psycopg.Error, PoolTimeout):
                    pass
        finally:
            self._closed = True
            self.pool.close()
            self._states = ThreadStates(_ConnState)

    def __repr__(self) -> str:
        return f"PostgresStorage({redact(self.dsn)!r}, schema={self.schema!r})"
