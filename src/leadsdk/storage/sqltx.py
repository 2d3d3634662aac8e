"""Transactions of the SQL backends, written once (storage layer).

`SqlTransactions` is the transaction half of `SqlStorage`: the outermost `transaction()` is BEGIN ...
COMMIT, a nested one a SAVEPOINT, and `nested()` is a nested request's share of the open transaction
without a savepoint. A backend supplies four small hooks: which `TxState` the calling thread uses
(`_tx_state`), an optional lock held for a whole transaction (`_tx_lock`), how to begin (`_tx_begin`)
and end (`_tx_end`) the outermost transaction, and how to run a savepoint statement (`_tx_exec`).

What a transaction also keeps, all dropped when it ends:

- `known`: (table, id) of rows this transaction inserted or found, so existence checks of the ids a
  request just created or read cost no statement (a delete forgets them; a rolled-back savepoint
  forgets everything);
- `deferred`: rows handed to `insert_later` (audit rows), written with one multi-row INSERT per
  table before the transaction commits, a savepoint opens, or anything reads or writes that table;
- `doomed`: a nested request failed after it had written, inside a transaction it had no savepoint
  of. Dataverse aborts the transaction then, even when the caller catches the fault: committing it
  faults (TransactionNotStarted) and rolls everything back.
- `all_or_nothing`: the outermost transaction was opened so (a Web API change set, deep insert): the
  top-level requests inside take no savepoint each either (`requests_join`), so their audit rows and
  inserts are not flushed and released request by request.
"""

from __future__ import annotations

import threading
import uuid
import weakref
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from itertools import chain
from typing import Any

from leadsdk.entities.model import EntityMetadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault

__all__ = ["LocalTxState", "SqlTransactions", "ThreadStates", "TxState"]

_NO_LOCK = nullcontext()

_FLUSH_ROWS = 500
"""Rows per multi-row INSERT of deferred rows (far below either engine's parameter limit)."""


class TxState:
    """One thread's transaction (an in-memory SQLite store has one for all threads)."""

    owned = False
    """Whether the state is this thread's alone: then a depth above 0 is a transaction of this thread,
    which holds the transaction lock already (`LocalTxState`)."""

    def __init__(self) -> None:
        self.conn: Any = None
        self.depth = 0
        self.doomed = False
        self.writes = 0
        self.known: set[tuple[str, int]] = set()
        """(table, id's int): an int hashes in C, a UUID by its Python `__hash__`."""
        self.deferred: dict[tuple[str, tuple[str, ...]], list[Sequence[Any]]] = {}
        self.deferred_tables: set[str] = set()
        self.all_or_nothing = False
        self.owner: Callable[[], object] | None = None
        """A weak reference to the `with` block's transaction object that began the open transaction."""

    def reset(self) -> None:
        self.depth = 0
        self.owner = None
        self.doomed = False
        self.all_or_nothing = False
        if self.known:
            self.known.clear()
        if self.deferred:
            self.deferred.clear()
            self.deferred_tables.clear()


class LocalTxState(TxState):
    """One thread's `TxState` (a `ThreadStates` holds one per thread). A plain object, not a threading.local:
    each attribute read of a threading.local first finds the calling thread's dict, and a request reads
    its transaction's state a few hundred times."""

    owned = True


class ThreadStates(threading.local):
    """Each thread's state object of one store (`st`), made by `factory` on the thread's first use."""

    st: Any

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.st = factory()


def doomed_fault() -> OrganizationServiceFault:
    return OrganizationServiceFault(
        ErrorCodes.TRANSACTION_NOT_STARTED,
        "There is no active transaction. This error is usually caused by custom plug-ins that ignore errors "
        "from service calls and continue processing.")


class SqlTransactions:
    """Transactions, savepoints, the existence memo and deferred inserts (see the module docstring)."""

    # hooks a backend supplies ------------------------------------------------------------------
    def _tx_state(self) -> TxState:
        raise NotImplementedError

    def _tx_lock(self) -> AbstractContextManager[Any]:
        return _NO_LOCK

    def _tx_begin(self, st: TxState) -> None:
        """Start the outermost transaction (a fault, nothing left open, when it cannot)."""
        raise NotImplementedError

    def _tx_end(self, st: TxState, commit: bool) -> None:
        """COMMIT (a fault after rolling back when it fails) or ROLLBACK (never raises a driver error)."""
        raise NotImplementedError

    def _tx_exec(self, st: TxState, sql: str) -> None:
        """Run SAVEPOINT / RELEASE / ROLLBACK TO on the transaction's connection (driver errors as faults)."""
        raise NotImplementedError

    def _multi_insert_sql(self, table: str, cols: Sequence[str], n: int) -> str:
        raise NotImplementedError

    def _command(self, sql: str, params: Sequence[Any] = (), table: str | None = None) -> int:
        raise NotImplementedError

    def _command_later(self, sql: str, params: Sequence[Any], table: str) -> None:
        """A write whose result nobody reads (an INSERT): PostgreSQL queues it inside a transaction to go
        with the transaction's next round trip (its fault, if any, comes from that statement, at the
        latest from the commit, which then rolls everything back). Here: run it now."""
        self._command(sql, params, table)

    def _tx_release(self, st: TxState, name: str) -> None:
        """Release savepoint `name` at the end of its body (a fault here rolls back to the savepoint)."""
        self._tx_exec(st, f"RELEASE SAVEPOINT {name}")

    # transactions --------------------------------------------------------------------------------
    @property
    def in_transaction(self) -> bool:
        return self._tx_state().depth > 0

    @property
    def requests_join(self) -> bool:
        st = self._tx_state()
        return st.all_or_nothing and st.depth > 0

    def transaction(self, *, all_or_nothing: bool = False) -> AbstractContextManager[None]:
        """BEGIN ... COMMIT, or a SAVEPOINT when nested. Any exception (KeyboardInterrupt and other
        BaseExceptions included) rolls back, so an interrupted request never leaves the store locked."""
        return _Transaction(self, all_or_nothing)

    def nested(self) -> AbstractContextManager[None]:
        """A nested request's part of the open transaction, with no savepoint: its failure fails the
        transaction unless nothing was written yet (see the module docstring). Outside a transaction,
        a transaction of its own."""
        return _Joined(self)

    # what statements tell the transaction ------------------------------------------------------
    def _touch(self, table: str | None, write: bool) -> TxState:
        """Before a statement on `table` (None: any table): write deferred rows it may see, count writes;
        the calling thread's `TxState`."""
        st = self._tx_state()
        if st.deferred_tables and (table is None or table in st.deferred_tables):
            self._flush_deferred(st)
        if write:
            st.writes += 1
        return st

    def _known(self, table: EntityMetadata, id_: uuid.UUID) -> bool:
        st = self._tx_state()
        return st.depth > 0 and (table.logical_name, id_.int) in st.known

    def _remember(self, table: EntityMetadata, id_: Any) -> None:
        st = self._tx_state()
        if st.depth > 0 and isinstance(id_, uuid.UUID):
            st.known.add((table.logical_name, id_.int))

    def _forget(self, table: EntityMetadata, id_: uuid.UUID | None = None) -> None:
        st = self._tx_state()
        if not st.known:
            return
        if id_ is not None:
            st.known.discard((table.logical_name, id_.int))
        else:
            name = table.logical_name
            st.known = {k for k in st.known if k[0] != name}

    # deferred inserts ----------------------------------------------------------------------------
    def insert_later(self, table: EntityMetadata, row: Mapping[str, Any]) -> None:
        """Insert `row` before this transaction commits or anything touches its table (outside a
        transaction: now). Rows of one table go in one multi-row statement."""
        st = self._tx_state()
        if st.depth == 0:
            self.insert(table, row)  # type: ignore[attr-defined]
            return
        cols, vals = self._encode_row(table, row)  # type: ignore[attr-defined]
        key = (table.logical_name, tuple(cols))
        rows = st.deferred.get(key)
        if rows is None:
            rows = st.deferred[key] = []
        rows.append(vals)
        st.deferred_tables.add(table.logical_name)

    def _flush_deferred(self, st: TxState) -> None:
        if not st.deferred_tables:
            return
        pending = list(st.deferred.items())  # (no list is empty: `insert_later` makes each with its row)
        st.deferred.clear()
        st.deferred_tables.clear()
        for (name, cols), rows in pending:
            for i in range(0, len(rows), _FLUSH_ROWS):
                chunk = rows[i:i + _FLUSH_ROWS]
                params = list(chain.from_iterable(chunk))
                self._command_later(self._multi_insert_sql(name, cols, len(chunk)), params, name)


_weak = weakref.ref


def _heal(storage: SqlTransactions, st: TxState) -> None:
    """Roll back a transaction the state says is open but whose `with` block is gone. A KeyboardInterrupt
    from a signal handler can land at any Python call, also inside the exit that would have ended it (as
    the state was being reset); CPython frees the block's transaction object as the exception leaves the
    block, so a dead `owner` means nobody will ever commit it (the store stayed locked otherwise). Such a
    block may also have kept a hold of the re-entrant transaction lock (an interrupt at the very start of
    its `__exit__`): the outermost transaction this thread begins next drops it (`_tx_begin` of a file
    store), or the lock would keep every other thread of the process waiting."""
    owner = st.owner
    if st.depth and owner is not None and owner() is None:
        st.reset()
        storage._tx_end(st, commit=False)


class _Transaction:
    """`SqlTransactions.transaction()`: a class, not a generator, as every top-level write enters one."""

    __slots__ = ("__weakref__", "all_or_nothing", "depth", "doomed", "lock", "st", "storage")

    def __init__(self, storage: SqlTransactions, all_or_nothing: bool) -> None:
        self.storage = storage
        self.all_or_nothing = all_or_nothing

    def __enter__(self) -> None:
        storage = self.storage
        lock = self.lock = storage._tx_lock()
        lock.__enter__()
        try:
            st = self.st = storage._tx_state()
            if st.depth:
                _heal(storage, st)
            depth = self.depth = st.depth
            if depth == 0:
                storage._tx_begin(st)
                st.owner = _weak(self)
                st.depth = 1
                st.all_or_nothing = self.all_or_nothing
                return
            storage._flush_deferred(st)  # rows deferred before the savepoint must not roll back with it
            storage._tx_exec(st, f"SAVEPOINT sp{depth}")
            self.doomed = st.doomed
            st.depth = depth + 1
        except BaseException:
            lock.__exit__(None, None, None)
            raise

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: Any) -> None:
        try:
            if self.depth == 0:
                self._end(et is None)
            else:
                self._release(et is None)
        finally:
            self.lock.__exit__(None, None, None)

    def _end(self, ok: bool) -> None:
        """COMMIT after the deferred rows (ROLLBACK when the body or they failed, or it is doomed)."""
        storage, st = self.storage, self.st
        if ok:
            try:
                if st.doomed:
                    raise doomed_fault()
                storage._flush_deferred(st)
            except BaseException:
                st.reset()
                storage._tx_end(st, commit=False)
                raise
            st.reset()
            storage._tx_end(st, commit=True)
            return
        st.reset()
        storage._tx_end(st, commit=False)

    def _release(self, ok: bool) -> None:
        """RELEASE the savepoint (ROLLBACK TO it when the body or the release failed)."""
        storage, st, depth = self.storage, self.st, self.depth
        name = f"sp{depth}"
        if ok:
            try:
                storage._tx_release(st, name)
            except BaseException:
                self._roll_back(name)
                raise
            st.depth = depth
            return
        self._roll_back(name)

    def _roll_back(self, name: str) -> None:
        storage, st = self.storage, self.st
        st.depth = self.depth
        try:
            storage._tx_exec(st, f"ROLLBACK TO SAVEPOINT {name}")
            storage._tx_exec(st, f"RELEASE SAVEPOINT {name}")
        except OrganizationServiceFault:
            pass
        st.doomed = self.doomed
        st.known.clear()
        st.deferred.clear()  # all deferred inside the savepoint
        st.deferred_tables.clear()


class _Joined:
    """`SqlTransactions.nested()`: a class, not a generator, as every nested request enters one."""

    __slots__ = ("lock", "st", "storage", "tx", "writes")

    def __init__(self, storage: SqlTransactions) -> None:
        self.storage = storage
        self.lock: AbstractContextManager[Any] | None = None
        self.tx: AbstractContextManager[None] | None = None

    def __enter__(self) -> None:
        storage = self.storage
        st = self.st = storage._tx_state()
        if st.owned:  # this thread's own state: no lock needed to read it
            if st.depth:
                _heal(storage, st)
                if st.depth:  # this thread's open transaction, whose lock it holds: join it
                    self.writes = st.writes
                    return
            self.tx = storage.transaction()  # outside a transaction: one of its own (it takes the lock)
            self.tx.__enter__()
            return
        lock = self.lock = storage._tx_lock()
        lock.__enter__()
        try:
            st = self.st = storage._tx_state()
            if st.depth:
                _heal(storage, st)
            if st.depth == 0:  # outside a transaction: one of its own
                self.tx = storage.transaction()
                self.tx.__enter__()
            else:
                self.writes = st.writes
        except BaseException:
            lock.__exit__(None, None, None)
            raise

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: Any) -> bool | None:
        try:
            if self.tx is not None:
                return self.tx.__exit__(et, ev, tb)
            if et is not None and self.st.writes != self.writes:
                self.st.doomed = True  # it failed after it wrote: the transaction fails (module docstring)
            return None
        finally:
            if self.lock is not None:
                self.lock.__exit__(None, None, None)
