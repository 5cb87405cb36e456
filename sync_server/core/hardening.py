"""Defences every request goes through (docs/architecture.md §4.9: no personal data
in logs, request size limits): a request id, a global body size limit, a generic 500
answer, and access logs stripped of query strings (a search may carry a name).
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.entities import text_problem
from domain.ids import uuid7
from sync_server.core.observability import LATENCY, REQUESTS, access_logger, observe_pool
from sync_server.crud.audit import current_request_id

logger = logging.getLogger("sync_server.errors")

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SERVER_ERROR_DETAIL = (
    "Erreur interne du serveur : rien n'a été enregistré pour cette requête. "
    "Réessayez ; si le problème persiste, communiquez la référence {request_id} à l'administrateur."
)


# On every answer: most carry personal data (pathways, exports, lists), and none is
# meant to be cached by a browser or proxy, sniffed into another type, framed by
# another site, or named in a Referer.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
)


class _BodyTooLarge(BaseException):
    """A BaseException so that body parsers' `except Exception` cannot turn it into a 400."""


class RequestGuardMiddleware:
    """Tags each request with an id and refuses bodies above `max_bytes` (413).

    Checks the declared Content-Length and counts the streamed bytes, so a client
    that lies about (or omits) the length is stopped too.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, server_timing: bool = False) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.server_timing = server_timing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get(REQUEST_ID_HEADER.lower(), "")
        request_id = given if _SAFE_REQUEST_ID.match(given) else uuid7()
        token = current_request_id.set(request_id)
        began = time.perf_counter()
        status = 500
        try:
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                status = 413
                await self._refuse(send, request_id)
                return
            received = 0
            started = False

            async def counting_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_bytes:
                        raise _BodyTooLarge
                return message

            async def tagged_send(message: Message) -> None:
                nonlocal started
                if message["type"] == "http.response.start":
                    nonlocal status
                    started, status = True, message["status"]
                    # Time spent in this process before answering, queueing for a
                    # worker thread and a database connection included.
                    took_ms = (time.perf_counter() - began) * 1000 if self.server_timing else None
                    _tag_start(message, request_id, took_ms)
                await send(message)

            try:
                await self.app(scope, counting_receive, tagged_send)
            except _BodyTooLarge:
                if not started:
                    status = 413
                    await self._refuse(send, request_id)
            except Exception as exc:
                # Not re-raised: the server's own error logging would print the
                # exception's message and traceback, which may carry personal data.
                _log_error(exc, scope, request_id)
                if not started:
                    await _send_json(send, 500, _server_error_detail(request_id), request_id)
        finally:
            _access(scope, status, time.perf_counter() - began, request_id)
            current_request_id.reset(token)

    async def _refuse(self, send: Send, request_id: str) -> None:
        detail = f"Requête trop volumineuse (plus de {self.max_bytes} octets)."
        await _send_json(send, 413, detail, request_id)


def _access(scope: Scope, status: int, took_s: float, request_id: str) -> None:
    """The access line and the request metrics: the route's template only (a
    concrete path may hold an id, a query string a searched name)."""
    route: Any = scope.get("route")
    template = getattr(route, "path", None) or "(hors route)"
    method = scope.get("method", "?")
    REQUESTS.labels(method=method, route=template, status=str(status)).inc()
    LATENCY.labels(method=method, route=template).observe(took_s)
    app = scope.get("app")
    engine = getattr(getattr(app, "state", None), "engine", None)
    if engine is not None:
        observe_pool(engine)
    access_logger.info(
        "%s %s %d",
        method,
        template,
        status,
        extra={
            "request_id": request_id,
            "method": method,
            "route": template,
            "status": status,
            "duration_ms": round(took_s * 1000, 1),
        },
    )


def _server_error_detail(request_id: str) -> str:
    return SERVER_ERROR_DETAIL.format(request_id=request_id)


def _log_error(exc: Exception, scope: Scope, request_id: str) -> None:
    route: Any = scope.get("route")
    # Type and route template only: an exception's message or the concrete URL may
    # carry the values being written (names, phone numbers).
    kind = type(exc).__name__
    if exc.__cause__ is not None:
        # e.g. a database error once a streamed reply had started, which Starlette
        # re-raises as a RuntimeError: the cause is what the operator needs.
        kind += f" (from {type(exc.__cause__).__name__})"
    logger.error(
        "unhandled %s on %s %s (request %s)",
        kind,
        scope.get("method", "?"),
        getattr(route, "path", "?"),
        request_id,
    )


async def _send_json(send: Send, status: int, detail: str, request_id: str) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (REQUEST_ID_HEADER.encode(), request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class StripQueryString(logging.Filter):
    """Drops the query string from uvicorn access lines (`?q=Dupont` is personal data)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2]
            if "?" in path:
                record.args = (*args[:2], path.split("?", 1)[0] + "?…", *args[3:])
        return True


def install_access_log_filter() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, StripQueryString) for f in access.filters):
        access.addFilter(StripQueryString())


def install(app: FastAPI, *, max_request_bytes: int, server_timing: bool = False) -> None:
    app.add_middleware(
        RequestGuardMiddleware, max_bytes=max_request_bytes, server_timing=server_timing
    )
    install_access_log_filter()
    _document_readable_422(app)


def _document_readable_422(app: FastAPI) -> None:
    """422 answers carry one readable French string (main.py), not FastAPI's list."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        schema = original()
        components = schema.get("components", {}).get("schemas", {})
        if "HTTPValidationError" in components:
            components["HTTPValidationError"] = {
                "title": "HTTPValidationError",
                "type": "object",
                "properties": {"detail": {"type": "string", "title": "Detail"}},
                "required": ["detail"],
            }
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _tag_start(message: Message, request_id: str, took_ms: float | None) -> None:
    """The request id on every answer, and the time taken when asked for."""
    headers = [
        *message.get("headers", []),
        (REQUEST_ID_HEADER.encode(), request_id.encode()),
        *SECURITY_HEADERS,
    ]
    if took_ms is not None:
        headers.append((b"server-timing", f"app;dur={took_ms:.1f}".encode()))
    message["headers"] = headers


async def refuse_unstorable_text(request: Request) -> None:
    """A route dependency: query, path and JSON body text that no database can store
    (NUL, a lone UTF-16 surrogate) is a 422 with its French reason, on SQLite as on
    PostgreSQL (which would fail on it). The push body is parsed by its route, which
    refuses such an op alone and takes the others (`sync.checks.validate_op`; a revoked
    device's, `sync.held_ops`)."""
    problem = text_problem(dict(request.query_params), "paramètre") or text_problem(
        dict(request.path_params), "chemin"
    )
    json_body = "json" in request.headers.get("content-type", "")
    if problem is None and json_body and request.url.path != "/sync/push":
        raw = await request.body()
        if b"\\u" in raw:  # the only way to write either in valid JSON
            try:
                problem = text_problem(json.loads(raw), "corps")
            except (ValueError, RecursionError):
                problem = None  # the route's own parsing answers a malformed body
    if problem is not None:
        raise HTTPException(422, detail=f"Requête invalide — {problem}.")
