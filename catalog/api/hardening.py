"""What every request and response of the catalog passes through, whatever the route:

- :class:`JsonBodyCheck` refuses, with a 400 that says why, a JSON body that no route could store or
  answer: a lone UTF-16 surrogate in a string (``"\\ud800"``: not Unicode text, so no database or JSON
  encoder takes it), a number that is not finite (``1e999999``, ``NaN``, ``Infinity``), nesting deeper
  than any form of ours, or a body larger than any of ours;
- :class:`SecurityHeaders` sets ``X-Content-Type-Options``, ``Referrer-Policy`` and ``X-Frame-Options`` on
  every response, a Content-Security-Policy on those that have none (the web pages set their own), and
  ``Cache-Control: no-store`` on every answer to a request that carries credentials, so no proxy or
  browser cache keeps a department's data;
- :func:`validation_error` answers a 422 without echoing the rejected input, which may itself be what
  cannot be encoded.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_JSON_BYTES = 1 << 20  # the largest body of ours is a SQL query of at most 100,000 characters
MAX_JSON_DEPTH = 32
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI and ReDoc, as FastAPI serves them: their script and style from the CDN, one inline script.
DOCS_POLICY = ("default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
               "style-src https://cdn.jsdelivr.net 'unsafe-inline'; img-src 'self' data: https://fastapi.tiangolo.com "
               "https://cdn.redoc.ly; font-src https://fonts.gstatic.com; connect-src 'self'; worker-src blob:; "
               "frame-ancestors 'none'")
ALWAYS = {b"x-content-type-options": b"nosniff", b"referrer-policy": b"same-origin", b"x-frame-options": b"DENY"}


class BadJson(ValueError):
    """The body is JSON no route could use; the message says what is wrong."""


def check_json(body: bytes) -> None:
    """Raise :class:`BadJson` for a body that is not JSON we can store and answer."""
    if len(body) > MAX_JSON_BYTES:
        raise BadJson(f"the request body is over {MAX_JSON_BYTES:,} bytes")
    try:
        value = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise BadJson(f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return  # not JSON at all: the route's own validation answers 422 with the position
    _check_value(value, depth=0)


def _refuse_constant(name: str) -> float:
    raise BadJson(f"{name} is not a number JSON allows")


def _check_value(value: object, depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise BadJson(f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        _check_text(value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise BadJson("a number is out of range (not finite)")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_value(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_value(item, depth + 1)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadJson(f"a string holds a lone surrogate (\\u{ord(text[exc.start]):04x}), which is not text") from None


class JsonBodyCheck:
    """Buffers a JSON request body, checks it (:func:`check_json`), then hands it on unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS") or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_JSON_BYTES:
                break
        try:
            check_json(body)
        except BadJson as exc:
            await JSONResponse({"detail": str(exc)}, status_code=413 if len(body) > MAX_JSON_BYTES else 400)(
                scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _is_json(scope: Scope) -> bool:
    content_type = dict(scope.get("headers", ())).get(b"content-type", b"")
    return content_type.split(b";")[0].strip().lower() in (b"application/json", b"")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        request_headers = dict(scope.get("headers", ()))
        credentials = b"x-api-key" in request_headers or b"blocklake_key=" in request_headers.get(b"cookie", b"")
        policy = DOCS_POLICY if path in ("/docs", "/redoc") or path.startswith("/docs/") else API_POLICY

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in ALWAYS.items() if name not in present]
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", policy.encode()))
                if credentials:
                    headers = [(n, v) for n, v in headers if n.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming each problem's place and reason, without the rejected input itself."""
    problems = [{"loc": [_plain(part) for part in error.get("loc", ())], "msg": _plain(error.get("msg", "")),
                 "type": _plain(error.get("type", ""))} for error in exc.errors()]
    return JSONResponse({"detail": problems}, status_code=422)


def _plain(value: object) -> str:
    """``value`` as text that encodes (a lone surrogate becomes ``?``)."""
    return str(value).encode("utf-8", "replace").decode("utf-8")
