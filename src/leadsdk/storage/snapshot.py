"""Store snapshots: a whole store saved to one SQLite file and restored from it (tests, demos).

A snapshot is always a SQLite database file, whatever the backend of the store it came from:
a SQLite store is copied page by page with SQLite's online backup API (consistent while other
threads keep writing); a PostgreSQL store is copied row for row into a new SQLite file with the
store migration (`copy_store`). Restoring into memory (the default) is one backup call, a few
milliseconds for a seeded store; restoring into PostgreSQL copies the rows into the target.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from leadsdk.entities.builtin import builtin_metadata
from leadsdk.entities.registry import Metadata
from leadsdk.errors import ErrorCodes, OrganizationServiceFault
from leadsdk.storage import customizations
from leadsdk.storage.base import Storage
from leadsdk.storage.migrate import copy_store
from leadsdk.storage.sqlite import SqliteStorage

__all__ = ["restore_storage", "snapshot_storage"]


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        p = path.with_name(path.name + suffix)
        if p.exists():
            p.unlink()


def snapshot_storage(storage: Storage, path: str | Path) -> Path:
    """Write every row of `storage` to the SQLite file `path` (replaced when it exists)."""
    dest = Path(path)
    if isinstance(storage, SqliteStorage) and not storage.memory and dest.resolve() == Path(storage.path).resolve():
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_ARGUMENT, f"The snapshot {dest} cannot overwrite the store it is taken from.")
    if storage.in_transaction:
        raise OrganizationServiceFault(
            ErrorCodes.INVALID_OPERATION, "A snapshot cannot be taken inside a transaction; take it between requests.")
    try:
        _remove(dest)
    except OSError as e:
        raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT, f"Cannot replace {dest}: {e}.") from e
    if isinstance(storage, SqliteStorage):
        try:
            target = sqlite3.connect(dest)
        except sqlite3.Error as e:
            raise OrganizationServiceFault(
                ErrorCodes.INVALID_ARGUMENT, f"Cannot write the snapshot {dest}: {e}.") from e
        try:
            with storage._maybe_lock():
                storage.conn.backup(target)
        finally:
            target.close()
        return dest
    out = SqliteStorage(dest)
    try:
        out.attach(storage.metadata)
        copy_store(storage, out)
    finally:
        out.close()
    return dest


def _open_snapshot(path: Path) -> SqliteStorage:
    """The snapshot copied into a new in-memory SQLite store (not yet attached)."""
    if not path.is_file():
        raise OrganizationServiceFault(ErrorCodes.OBJECT_DOES_NOT_EXIST, f"There is no snapshot file {path}.")
    mem = SqliteStorage(":memory:")
    try:
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            src.backup(mem.conn)
        finally:
            src.close()
    except sqlite3.Error as e:
        mem.close()
        raise OrganizationServiceFault(ErrorCodes.INVALID_ARGUMENT, f"{path} is not a leadsdk snapshot: {e}.") from e
    return mem


def _metadata_of(storage: Storage) -> Metadata:
    """The built-in metadata plus the customizations recorded in the store."""
    md = builtin_metadata()
    storage.attach(md)
    if customizations.load(storage, md):
        storage.attach(md)
    return md


def restore_storage(path: str | Path, target: Storage | str | Path | None = None) -> Storage:
    """A storage holding a copy of the snapshot at `path`.

    `target`: None for a new in-memory SQLite store; a file path for a new SQLite file (replaced
    when it exists); a `postgresql://` URL or a `Storage` (a PostgreSQL schema, say) whose rows
    are replaced by the snapshot's.
    """
    src = Path(path)
    mem = _open_snapshot(src)
    if target is None:
        return mem
    if isinstance(target, (str, Path)) and not str(target).startswith(("postgresql://", "postgres://")):
        dest = Path(target)
        mem.close()
        _remove(dest)
        conn = sqlite3.connect(dest)
        try:
            ro = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
            try:
                ro.backup(conn)
            finally:
                ro.close()
        finally:
            conn.close()
        return SqliteStorage(dest)
    if isinstance(target, (str, Path)):
        from leadsdk.storage.postgres import PostgresStorage  # optional dependency (psycopg)

        target = PostgresStorage(str(target))
    try:
        md = _metadata_of(mem)
        target.attach(md)
        copy_store(mem, target)
    finally:
        mem.close()
    return target
