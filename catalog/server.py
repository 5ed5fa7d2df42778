"""Serve the catalog (API and web UI) with uvicorn on loopback."""

from __future__ import annotations

from blocklake.settings import get_settings


def url(port: int | None = None) -> str:
    return f"http://127.0.0.1:{port or get_settings().catalog_port}/"


def serve(port: int | None = None) -> int:
    """Run until interrupted (Ctrl-C)."""
    import uvicorn

    from catalog import db

    settings = get_settings()
    port = port or settings.catalog_port
    db.upgrade()  # once, before the workers start: they must not migrate side by side
    print(f"Catalog (资源目录) serving at {url(port)} — API docs at {url(port)}docs; Ctrl-C stops it", flush=True)
    uvicorn.run("catalog.api:worker_app", factory=True, host="127.0.0.1", port=port, log_level="warning",
                workers=settings.catalog_workers)
    return 0
