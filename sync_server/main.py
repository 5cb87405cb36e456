"""The FastAPI application factory."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field

import anyio.to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.hlc import Hlc, HlcClock
from domain.runtime import settle_heap
from domain.sync import MIN_SCHEMA_VERSION, PushRequest
from sync_server.api.body import readable_errors
from sync_server.api.deps import DEVICE_REVOKED, DeviceRevoked, SchemaTooOld
from sync_server.api.main import api_router
from sync_server.core.db import head_revision, make_engine, migrate, schema_revision, sqlite_file
from sync_server.core.hardening import install as install_hardening
from sync_server.core.hardening import refuse_unstorable_text
from sync_server.core.settings import Settings
from sync_server.core.wal_checkpoint import WalCheckpointer
from sync_server.sync.push import TransientDbError

DATABASE_BUSY = "Serveur momentanément occupé : rien n'a été perdu, réessayez dans un instant."
BUSY_RETRY_AFTER_S = 5


@dataclass
class LockedClock(HlcClock):
    """The server clock, shared by the request threads of one process."""

    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def now(self) -> Hlc:
        with self._lock:
            return super().now()

    def observe(self, remote: Hlc) -> Hlc:
        with self._lock:
            return super().observe(remote)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    docs = settings.api_docs
    app = FastAPI(
        title="Relais — serveur de synchronisation",
        version="0.1.0",
        lifespan=_lifespan(settings),
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings
    # Stamps server-side edits only; correctness never depends on its in-process state.
    app.state.clock = LockedClock(node="server")
    app.include_router(api_router, dependencies=[Depends(refuse_unstorable_text)])
    install_hardening(
        app, max_request_bytes=settings.max_request_bytes, server_timing=settings.server_timing
    )
    _install_error_handlers(app)
    _document_push_body(app)
    return app


def _lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings)
        if settings.migrate_on_start:
            # A fresh SQLite file (or an older schema) is brought up to date before serving.
            migrate(engine)
        else:
            # Production: `./relais migrate` did it; an older schema is not served.
            current, head = schema_revision(engine), head_revision()
            if current != head:
                engine.dispose()
                raise RuntimeError(
                    f"Base de données à la révision {current or 'vide'}, révision {head} "
                    "attendue : lancez « ./relais migrate »."
                )
        app.state.engine = engine
        if settings.worker_threads:
            # Threads running `def` routes and dependencies (anyio's default: 40).
            anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        settle_heap()
        path = sqlite_file(engine)
        checkpointer = WalCheckpointer(path).start() if path is not None else None
        app.state.wal_checkpointer = checkpointer
        try:
            yield
        finally:
            if checkpointer is not None:
                checkpointer.stop()
            engine.dispose()

    return lifespan


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SchemaTooOld)
    async def _schema_too_old(_request: Request, exc: SchemaTooOld) -> JSONResponse:
        return JSONResponse(
            status_code=426,
            content={
                "detail": (
                    f"Version de schéma {exc.schema_version} trop ancienne : "
                    "mettez l'application à jour."
                ),
                "min_schema_version": MIN_SCHEMA_VERSION,
            },
        )

    @app.exception_handler(DeviceRevoked)
    async def _device_revoked(_request: Request, _exc: DeviceRevoked) -> JSONResponse:
        return JSONResponse(
            status_code=401,
            content={"detail": DEVICE_REVOKED, "code": "device_revoked"},
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.exception_handler(TransientDbError)
    @app.exception_handler(OperationalError)
    async def _busy(_request: Request, _exc: Exception) -> JSONResponse:
        # Nothing of the request was kept: the phone retries with its outbox intact.
        return JSONResponse(
            status_code=503,
            content={"detail": DATABASE_BUSY},
            headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.detail == "There was an error parsing the body":  # FastAPI's, in English
            return JSONResponse(
                status_code=exc.status_code,
                content={"detail": "Requête invalide — corps JSON illisible ou trop imbriqué."},
            )
        return await http_exception_handler(request, exc)

    @app.exception_handler(RecursionError)
    async def _too_deep(_request: Request, _exc: RecursionError) -> JSONResponse:
        # A JSON body nested thousands deep exhausts the parser's recursion.
        return JSONResponse(
            status_code=422, content={"detail": "Requête invalide — JSON trop imbriqué."}
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": readable_errors(exc)})


def _document_push_body(app: FastAPI) -> None:
    # The push body is parsed by hand (compression, size limits): document its schema.
    original_openapi = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema is None:
            schema = original_openapi()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            push_schema = PushRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(push_schema.pop("$defs", {}))
            components["PushRequest"] = push_schema
        return app.openapi_schema or original_openapi()

    app.openapi = openapi  # type: ignore[method-assign]
