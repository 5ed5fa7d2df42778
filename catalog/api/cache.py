"""A short-lived response cache for the directory and the statistics.

Both change only when the pipeline refreshes the directory (another process) or an application is
decided here, yet they are the most requested pages. An answer is served as is for ``TTL_S`` seconds;
after that, until ``STALE_S``, it is still served while one background thread recomputes it
(stale-while-revalidate), so an expiry never makes a queue of requests wait on the store. Concurrent
misses of one key compute it once. A change made by this process drops every answer at once.
Authentication is never cached: a revoked key stops working on its next request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from fastapi.responses import JSONResponse
from pydantic import BaseModel

TTL_S = 5.0
STALE_S = 60.0
MAX_ENTRIES = 2048
Compute = Callable[[], bytes]


@dataclass
class _Entry:
    stored_at: float
    body: bytes
    compute: Compute
    refreshing: bool = False


_entries: dict[Hashable, _Entry] = {}
_flights: dict[Hashable, threading.Lock] = {}
_lock = threading.Lock()
_generation = 0  # bumped by clear(): a computation started before a change must not be stored after it


def lookup(key: Hashable) -> bytes | None:
    """The cached body if fresh, or stale but young enough (then a refresh is started); else None."""
    with _lock:
        entry = _entries.get(key)
        if entry is None:
            return None
        age = time.monotonic() - entry.stored_at
        if age < TTL_S:
            return entry.body
        if age >= STALE_S:
            return None
        if not entry.refreshing:
            entry.refreshing = True
            threading.Thread(target=_refresh, args=(key, entry.compute, _generation), daemon=True,
                             name="cache-refresh").start()
        return entry.body


def cached_bytes(key: Hashable, compute: Compute) -> bytes:
    body = lookup(key)
    if body is not None:
        return body
    with _lock:
        flight = _flights.setdefault(key, threading.Lock())
    with flight:  # one computes; those who came meanwhile find its answer
        body = lookup(key)
        if body is None:
            generation = _generation
            body = compute()
            _store(key, body, compute, generation)
    return body


class JSONBytes(JSONResponse):
    """A response whose body is already-serialised JSON (the cached bytes). A JSONResponse, so that the
    OpenAPI document describes it by the route's response_model (FastAPI documents any other response
    class as a plain string)."""

    def render(self, content: bytes) -> bytes:
        return content


def cached_json(key: Hashable, compute: Callable[[], BaseModel]) -> JSONBytes:
    """The serialised answer is kept: a hit costs neither validation nor encoding. ``compute`` must open
    its own store session, since a refresh runs after the request that stored it has ended."""
    return JSONBytes(cached_bytes(key, lambda: compute().model_dump_json().encode()))


def clear() -> None:
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


def _store(key: Hashable, body: bytes, compute: Compute, generation: int) -> None:
    with _lock:
        if generation != _generation:
            return
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
            _flights.clear()
        _entries[key] = _Entry(time.monotonic(), body, compute)


def _refresh(key: Hashable, compute: Compute, generation: int) -> None:
    try:
        _store(key, compute(), compute, generation)
    except Exception:  # the stale answer stays until STALE_S; the next miss raises the error to its caller
        with _lock:
            if (entry := _entries.get(key)) is not None:
                entry.refreshing = False


FAST_PATHS = {"/api/resources": False, "/api/stats": True}  # path -> needs a department's key
KEY_HEADER = b"x-api-key"


def request_key(database_url: str, path: str, query_string: bytes) -> tuple[str, str, bytes]:
    """The cache key of a GET: the store, the path and the raw query (what the middleware can see)."""
    return (database_url, path, query_string)


class CachedGets:
    """ASGI middleware: a cached directory search or statistics answer is sent straight back, after
    checking the caller's key with one indexed query, without FastAPI's routing, dependency solving
    and thread hops (about 4 ms of Python per request, the API's whole cost under load). Misses, bad
    keys and everything else go to the app, which answers (and fills the cache) as usual."""

    def __init__(self, app, database_url: str):
        from sqlalchemy import create_engine

        self.app = app
        self.database_url = database_url
        # Its own one-connection pool: used only here, on the event loop, one query at a time.
        self.engine = create_engine(database_url, pool_size=1, max_overflow=0)

    async def __call__(self, scope, receive, send) -> None:
        needs_key = FAST_PATHS.get(scope.get("path", "")) if scope["type"] == "http" else None
        body = None
        if needs_key is not None and scope["method"] == "GET":
            body = lookup(request_key(self.database_url, scope["path"], scope.get("query_string", b"")))
        if body is None or not self._allowed(scope, needs_key):
            await self.app(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    def _allowed(self, scope, needs_key: bool) -> bool:
        from catalog.auth import key_is_valid, session_is_valid

        plain, token = _header(scope, KEY_HEADER), _cookie(scope, "blocklake_key")
        if plain is None and token is None:
            return not needs_key
        with self.engine.connect() as connection:
            return key_is_valid(connection, plain) if plain is not None else session_is_valid(connection, token)


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def _cookie(scope, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None
