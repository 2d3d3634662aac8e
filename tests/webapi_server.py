"""A live HTTPS Web API server (uvicorn in a thread, trustme certificate) for the real-client tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import attrs

from leadsdk import OrganizationService


@attrs.frozen
class LiveServer:
    url: str
    """Organization URL (without /api/data/v9.2)."""
    ca_path: str


@contextmanager
def live_server(svc: OrganizationService, tmp_dir: str, token: str | None = None) -> Iterator[LiveServer]:
    import uvicorn

    from leadsdk.webapi import create_app
    from leadsdk.webapi.server import make_self_signed

    ca_path, cert, key = make_self_signed("127.0.0.1", tmp_dir)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(svc, token=token), host="127.0.0.1", port=port, ssl_certfile=cert,
                            ssl_keyfile=key, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"https://localhost:{port}", ca_path)
    finally:
        server.should_exit = True
        # Don't wait for idle keep-alive TLS connections a client still holds in its pool to say goodbye (their
        # close handshake would hold the shutdown until the join below times out).
        server.force_exit = True
        thread.join(timeout=10)
