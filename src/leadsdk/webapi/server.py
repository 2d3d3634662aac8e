"""`leadsdk serve`: the Web API over uvicorn, on loopback by default, HTTPS with a given or self-signed cert."""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any

__all__ = ["make_self_signed", "serve"]


def make_self_signed(host: str, directory: str | None = None) -> tuple[str, str, str]:
    """A throw-away CA and a server certificate for `host` (trustme): (ca_pem, cert_pem, key_pem) paths.

    Clients trust the printed CA file (`certificate: PATH`); it also holds the server certificate.
    """
    import trustme

    d = directory or tempfile.mkdtemp(prefix="leadsdk-cert-")
    ca = trustme.CA()
    names = sorted({host, "localhost", "127.0.0.1", "::1"} - {"0.0.0.0", "::", ""})
    cert = ca.issue_cert(*names)
    ca_path = os.path.join(d, "ca.pem")
    cert_path = os.path.join(d, "server.pem")
    key_path = os.path.join(d, "server.key")
    ca.cert_pem.write_to_path(ca_path)
    cert.private_key_pem.write_to_path(key_path)
    with open(cert_path, "wb") as f:
        for blob in cert.cert_chain_pems:
            f.write(blob.bytes())
    return ca_path, cert_path, key_path


def serve(db: str | None, host: str = "127.0.0.1", port: int = 8080, certfile: str | None = None,
          keyfile: str | None = None, self_signed: bool = False, token: str | None = None) -> None:
    """Open the store (`db`: a SQLite path or a PostgreSQL DSN; None: in memory) and serve it until stopped.

    Prints `certificate: PATH` (with `self_signed`) and `listening: URL` once connections are accepted.
    """
    import uvicorn

    from leadsdk.webapi.app import ROOT, create_app

    svc = _open(db)
    if self_signed:
        ca_path, certfile, keyfile = make_self_signed(host)
        print(f"certificate: {ca_path}", flush=True)
    if token is None:
        print("auth: any bearer token is accepted (local development); pass --token to require one", flush=True)
    app = create_app(svc, token=token)
    scheme = "https" if certfile else "http"
    shown = f"[{host}]" if ":" in host else host

    class _Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            bound = port
            for s in self.servers:
                for sock in s.sockets:
                    bound = sock.getsockname()[1]
            print(f"listening: {scheme}://{shown}:{bound}{ROOT}", flush=True)

    config = uvicorn.Config(app, host=host, port=port, ssl_certfile=certfile, ssl_keyfile=keyfile,
                            log_level="warning", lifespan="off")
    try:
        _Server(config).run()
    finally:
        svc.close()
        sys.stdout.flush()


def _open(db: str | None) -> Any:
    from leadsdk.service import OrganizationService

    if db is None:
        return OrganizationService()
    if "dbname=" in db and not db.startswith(("postgresql://", "postgres://")):
        from leadsdk.storage import PostgresStorage

        return OrganizationService(PostgresStorage(db))   # a key=value DSN
    return OrganizationService.open(db)                     # a SQLite path or a postgresql:// URL
