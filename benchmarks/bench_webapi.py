"""The Web API: requests/s and latency of leadsdk's server against a bare Starlette endpoint, same store, same run.

Both apps run in uvicorn (HTTP, loopback) in this process; several client threads (httpx, keep-alive)
send the same workloads to each:
  - GET by id: one lead, all columns;
  - POST create: one lead of 5 columns;
  - $filter query: 100 leads by a condition, 6 columns, ordered;
  - $batch: 100 creates in one change set (one request counts as one operation).
Each workload runs three rounds per side (full size: 600 GETs, 300 creates, 200 queries, 30 batches a
round), the fastest round of each side counting.
The bare endpoint runs the core SQL with sqlite3 on the same file (SELECT by id; INSERT; the same
SELECT ... LIMIT 100; 100 INSERTs in one transaction) and returns JSON, with none of the pipeline
(security, plugins, audit, duplicate detection, typed values, annotations). Issue target: within 2x.
"""

from __future__ import annotations

import json
import random
import socket
import sqlite3
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import Result

from leadsdk import Entity, OrganizationService
from leadsdk.messages import CreateMultipleRequest

CLIENTS = 4
ROUNDS = 3
"""Rounds of each workload per side (full size); the fastest counts."""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(app: Any) -> tuple[str, Callable[[], None]]:
    import uvicorn

    port = _port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    while not server.started:
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        t.join(timeout=10)

    return f"http://127.0.0.1:{port}/api/data/v9.2/", stop


def bare_app(path: str) -> Any:
    """Starlette endpoints doing the same core SQL with sqlite3, nothing else."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    local = threading.local()
    lock = threading.Lock()

    def db() -> sqlite3.Connection:
        c = getattr(local, "c", None)
        if c is None:
            c = local.c = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            c.execute("PRAGMA busy_timeout = 5000")
        return c

    def get_one(request: Request) -> Response:
        c = db()
        cur = c.execute("SELECT * FROM lead WHERE leadid = ?", (request.path_params["id"],))
        row = cur.fetchone()
        names = [d[0] for d in cur.description]
        return JSONResponse({k: v for k, v in zip(names, row) if v is not None})

    def insert(c: sqlite3.Connection, body: dict[str, Any]) -> str:
        new = str(uuid.uuid4())
        now = time.strftime("%Y-%m-%d %H:%M:%S")
        c.execute("INSERT INTO lead (leadid, lastname, subject, companyname, emailaddress1, revenue, createdon, "
                  "modifiedon, statecode, statuscode, versionnumber) VALUES (?,?,?,?,?,?,?,?,0,1,1)",
                  (new, body.get("lastname"), body.get("subject"), body.get("companyname"),
                   body.get("emailaddress1"), body.get("revenue"), now, now))
        return new

    async def create(request: Request) -> Response:
        body = json.loads(await request.body())
        with lock:
            new = insert(db(), body)
        return Response(status_code=204, headers={"OData-EntityId": f"leads({new})"})

    def query(request: Request) -> Response:
        cur = db().execute("SELECT leadid, lastname, subject, companyname, revenue, createdon FROM lead "
                           "WHERE revenue >= ? ORDER BY lastname LIMIT 100", (500,))
        names = [d[0] for d in cur.description]
        return JSONResponse({"value": [dict(zip(names, r)) for r in cur.fetchall()]})

    async def batch(request: Request) -> Response:
        items = json.loads(await request.body())
        with lock:
            c = db()
            c.execute("BEGIN")
            ids = [insert(c, item) for item in items]
            c.execute("COMMIT")
        return JSONResponse({"ids": ids})

    return Starlette(routes=[Route("/api/data/v9.2/leads({id})", get_one), Route("/api/data/v9.2/leads", create,
                                                                                   methods=["POST"]),
                             Route("/api/data/v9.2/query", query), Route("/api/data/v9.2/batch", batch,
                                                                          methods=["POST"])])


def _batch_body(n: int) -> tuple[bytes, dict[str, str]]:
    parts = []
    for i in range(n):
        body = json.dumps({"lastname": f"Batch {i}", "subject": "bench"})
        parts.append("--cs\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
                     f"Content-ID: {i + 1}\r\n\r\nPOST leads HTTP/1.1\r\n"
                     f"Content-Type: application/json\r\n\r\n{body}\r\n")
    text = ("--b\r\nContent-Type: multipart/mixed; boundary=cs\r\n\r\n" + "".join(parts) + "--cs--\r\n--b--\r\n")
    return text.encode(), {"Content-Type": "multipart/mixed; boundary=b"}


def _drive(send: Callable[[Any, int], None], total: int) -> tuple[float, list[float]]:
    """`total` calls of send(client, i) spread over CLIENTS threads: (wall seconds, latencies)."""
    import httpx

    latencies: list[float] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        mine: list[float] = []
        with httpx.Client(headers={"Authorization": "Bearer bench"}, timeout=60) as client:
            for i in range(k, total, CLIENTS):
                t0 = time.perf_counter()
                send(client, i)
                mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(CLIENTS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(p * len(s)))] * 1000


def run(quick: bool) -> list[Result]:
    from leadsdk.webapi import create_app

    n_get, n_post, n_query, n_batch = (100, 60, 20, 4) if quick else (600, 300, 200, 30)
    rounds = 1 if quick else ROUNDS
    tmp = Path(tempfile.mkdtemp(prefix="bench-webapi-"))
    path = str(tmp / "crm.db")
    svc = OrganizationService.open(path)
    rnd = random.Random(5)
    ids = svc.execute(CreateMultipleRequest(targets=[
        Entity("lead", lastname=f"Lead {i:05d}", subject="bench", companyname=f"Co {i}", revenue=rnd.randrange(1000),
               emailaddress1=f"l{i}@x.example") for i in range(2000)])).ids
    ids = [str(i) for i in ids]
    lead_url, stop_lead = _serve(create_app(svc))
    bare_url, stop_bare = _serve(bare_app(path))
    batch_body, batch_headers = _batch_body(100)
    flt = ("leads?$select=lastname,subject,companyname,revenue,createdon&$filter=revenue ge 500"
           "&$orderby=lastname&$top=100")

    def ok(r: Any) -> None:
        if r.status_code >= 400:
            raise RuntimeError(f"{r.status_code}: {r.text[:300]}")

    workloads: list[tuple[str, int, Callable[[Any, int], None], Callable[[Any, int], None]]] = [
        ("GET by id", n_get, lambda c, i: ok(c.get(f"{lead_url}leads({ids[i % len(ids)]})")),
         lambda c, i: ok(c.get(f"{bare_url}leads({ids[i % len(ids)]})"))),
        ("POST create", n_post,
         lambda c, i: ok(c.post(f"{lead_url}leads", json={"lastname": f"New {i}", "subject": "s", "revenue": i})),
         lambda c, i: ok(c.post(f"{bare_url}leads", json={"lastname": f"New {i}", "subject": "s", "revenue": i}))),
        ("$filter query, 100 rows", n_query, lambda c, i: ok(c.get(lead_url + flt)),
         lambda c, i: ok(c.get(bare_url + "query"))),
        ("$batch of 100 creates (change set)", n_batch,
         lambda c, i: ok(c.post(lead_url + "$batch", content=batch_body, headers=batch_headers)),
         lambda c, i: ok(c.post(bare_url + "batch", json=[{"lastname": f"Batch {k}", "subject": "bench"}
                                                        for k in range(100)]))),
    ]
    results: list[Result] = []
    try:
        for name, total, lead_send, bare_send in workloads:
            # alternated rounds, the best of each side: one round of a few dozen requests moves by tens
            # of percent with whatever else the machine does
            runs = [(_drive(bare_send, total), _drive(lead_send, total)) for _ in range(rounds)]
            raw_s, raw_lat = min((bare for bare, _ in runs), key=lambda r: r[0])
            lead_s, lead_lat = min((lead for _, lead in runs), key=lambda r: r[0])
            note = (f"p50/p99 ms: leadsdk {_pct(lead_lat, 0.5):.1f}/{_pct(lead_lat, 0.99):.1f}, "
                    f"bare {_pct(raw_lat, 0.5):.1f}/{_pct(raw_lat, 0.99):.1f}")
            results.append(Result(f"{name} ({CLIENTS} clients)", total, lead_s, raw_s, 2.0, note))
            print(f"  {name}: {note}; leadsdk mean {statistics.mean(lead_lat) * 1000:.1f} ms")
    finally:
        stop_lead()
        stop_bare()
        svc.close()
    return results
