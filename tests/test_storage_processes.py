"""Issue 21, robustness across threads and processes (subprocess tests, slow stage): close() while a
bulk create runs, interrupts at random points, processes racing to create a new store, fork()."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from tests.conftest import _PG_REASON, PG_DSN

pytestmark = pytest.mark.slow

SRC = str(Path(__file__).resolve().parents[1] / "src")


def run_py(code: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {SRC!r})\n" + textwrap.dedent(code),
                           *args], capture_output=True, text=True, timeout=timeout)


def start_py(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", f"import sys; sys.path.insert(0, {SRC!r})\n" + textwrap.dedent(code),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def pg_only() -> None:
    if _PG_REASON is not None:
        pytest.skip(_PG_REASON)


CLOSE_WHILE_RUNNING = """
import threading, time
from leadsdk import Entity, OrganizationService, OrganizationServiceFault
from leadsdk.messages import CreateMultipleRequest
svc = OrganizationService.open(sys.argv[1])
leads = [Entity("lead", lastname="L%d" % i, subject="bulk") for i in range(20000)]
out = {}
def bulk():
    try:
        out["n"] = len(svc.execute(CreateMultipleRequest(targets=leads)).ids)
    except OrganizationServiceFault as f:
        out["fault"] = f.error_code
t = threading.Thread(target=bulk)
t.start()
time.sleep(float(sys.argv[2]))
svc.close()
try:
    svc.create(Entity("lead", lastname="late"))
    print("late create ran")
except OrganizationServiceFault as f:
    print("late fault", f.error_code)
t.join()
print("bulk", out)
"""


@pytest.mark.parametrize("delay", ["0.05", "0.3", "1.0"])
def test_close_while_a_bulk_create_runs_never_crashes(tmp_path: Path, delay: str) -> None:
    db = tmp_path / "crm.db"
    p = run_py(CLOSE_WHILE_RUNNING, str(db), delay)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "late fault -2147220933" in p.stdout  # INVALID_OPERATION: the store is closed
    assert "bulk {'n': 20000}" in p.stdout  # close waited for it
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT COUNT(*) FROM lead").fetchone()[0] == 20000


INTERRUPTS = """
import random, signal, time
from leadsdk import Entity, OrganizationService
svc = OrganizationService.open(sys.argv[1])
rnd = random.Random(int(sys.argv[2]))
armed = [False]
def fire(signum, frame):
    if armed[0]:
        armed[0] = False
        raise KeyboardInterrupt
signal.signal(signal.SIGALRM, fire)
interrupted = made = 0
end = time.monotonic() + 4
while time.monotonic() < end:
    try:
        try:
            armed[0] = True
            signal.setitimer(signal.ITIMER_REAL, rnd.uniform(0.0002, 0.004))
            svc.create(Entity("lead", lastname="x"))
            made += 1
        finally:
            armed[0] = False
    except KeyboardInterrupt:
        interrupted += 1
svc.create(Entity("lead", lastname="final"))
print("interrupted", interrupted, "made", made, flush=True)
time.sleep(30)  # stay alive: the store must not stay locked by this process
"""


def test_interrupts_at_random_points_never_wedge_the_store(tmp_path: Path) -> None:
    from leadsdk import Entity, OrganizationService
    from leadsdk.storage.sqlite import SqliteStorage

    db = tmp_path / "crm.db"
    OrganizationService.open(db).close()
    p = start_py(INTERRUPTS, str(db), "7")
    try:
        assert p.stdout is not None
        line = p.stdout.readline()
        assert line.startswith("interrupted"), p.stderr.read() if p.stderr else ""
        assert int(line.split()[1]) > 10
        with OrganizationService(SqliteStorage(db, timeout=5)) as other:  # nothing left locked by the child
            other.create(Entity("lead", lastname="other"))
    finally:
        p.kill()
        p.wait(10)
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("SELECT COUNT(*) FROM lead WHERE lastname = 'final'").fetchone()[0] == 1


RACE = """
import time
from leadsdk import Entity, OrganizationService
target, start = sys.argv[1], float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
if target.startswith("postgresql"):
    from leadsdk.storage.postgres import PostgresStorage
    svc = OrganizationService(PostgresStorage(target, schema=sys.argv[3]))
else:
    svc = OrganizationService.open(target)
svc.create(Entity("lead", lastname="racer"))
svc.close()
print("ok")
"""


def _race(target: str, *extra: str, n: int = 5) -> None:
    start = time.time() + 3
    procs = [start_py(RACE, target, str(start), *extra) for _ in range(n)]
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0 and out.strip() == "ok", err[-2000:]


def test_processes_racing_to_create_a_sqlite_store(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    _race(str(db))
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT COUNT(*) FROM organization").fetchone()[0] == 1
        assert c.execute("SELECT COUNT(*) FROM lead").fetchone()[0] == 5
        assert c.execute("SELECT COUNT(*) FROM role").fetchone()[0] == c.execute(
            "SELECT COUNT(DISTINCT name) FROM role").fetchone()[0]


def test_processes_racing_to_create_a_postgres_store() -> None:
    pg_only()
    import psycopg

    schema = f"race_{uuid.uuid4().hex[:10]}"
    try:
        _race(PG_DSN, schema)
        with psycopg.connect(PG_DSN, autocommit=True) as c:
            assert c.execute(f"SELECT COUNT(*) FROM {schema}.organization").fetchone() == (1,)
            assert c.execute(f"SELECT COUNT(*) FROM {schema}.lead").fetchone() == (5,)
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as c:
            c.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


FORK = """
import os
from leadsdk import Entity, OrganizationService
from leadsdk.query import QueryExpression
target = sys.argv[1]
if target.startswith("postgresql"):
    from leadsdk.storage.postgres import PostgresStorage
    svc = OrganizationService(PostgresStorage(target, schema=sys.argv[2], min_size=2))
else:
    svc = OrganizationService.open(target)
svc.create(Entity("lead", lastname="parent-before"))
pids = []
for k in range(3):
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            for i in range(20):
                svc.create(Entity("lead", lastname="child"))
            n = len(svc.retrieve_multiple(QueryExpression("lead")))
            code = 0 if n >= 21 else 2
            svc.close()
        finally:
            os._exit(code)
    pids.append(pid)
for i in range(20):
    svc.create(Entity("lead", lastname="parent"))
codes = [os.waitpid(p, 0)[1] for p in pids]
n = len(svc.retrieve_multiple(QueryExpression("lead")))
print("codes", codes, "leads", n, flush=True)
svc.close()
"""


def test_fork_with_a_sqlite_store(tmp_path: Path) -> None:
    p = run_py(FORK, str(tmp_path / "crm.db"))
    assert p.returncode == 0, p.stderr[-2000:]
    assert "codes [0, 0, 0] leads 81" in p.stdout


def test_fork_with_a_postgres_store() -> None:
    pg_only()
    import psycopg

    schema = f"fork_{uuid.uuid4().hex[:10]}"
    try:
        p = run_py(FORK, PG_DSN, schema)
        assert p.returncode == 0, p.stderr[-2000:]
        assert "codes [0, 0, 0] leads 81" in p.stdout
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as c:
            c.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

