import secrets

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from sync_server.api.routes import (
    admin,
    audit,
    auth,
    console,
    enrol,
    exports,
    indicators,
    partner,
    persons,
    programme,
    referentials,
    review,
    rights,
    sync,
)
from sync_server.core.db import head_revision, schema_revision
from sync_server.core.observability import metrics_text, private_client

api_router = APIRouter()
api_router.include_router(auth.router)
api_router.include_router(sync.router)
api_router.include_router(referentials.router)
api_router.include_router(console.router)
api_router.include_router(review.router)
api_router.include_router(persons.router)
api_router.include_router(rights.router)
api_router.include_router(audit.router)
api_router.include_router(indicators.router)
api_router.include_router(exports.router)
api_router.include_router(admin.router)
api_router.include_router(enrol.router)
api_router.include_router(partner.router)
api_router.include_router(programme.router)


@api_router.get("/health", tags=["health"])
def health() -> dict[str, str]:
    return {"status": "ok"}


@api_router.get("/health/live", tags=["health"])
def health_live() -> dict[str, str]:
    """The process answers (no database read: a restart would not fix the database)."""
    return {"status": "ok"}


@api_router.get("/health/ready", tags=["health"], responses={503: {"description": "Pas prêt"}})
def health_ready(request: Request) -> JSONResponse:
    """Ready to serve: the database answers and its schema is this code's head."""
    version = request.app.version
    head = head_revision()
    try:
        revision = schema_revision(request.app.state.engine)
    except SQLAlchemyError as exc:
        return JSONResponse(
            status_code=503,
            content={
                "status": "indisponible",
                "detail": f"Base de données injoignable ({type(exc).__name__}).",
                "version": version,
            },
        )
    ready = revision == head
    return JSONResponse(
        status_code=200 if ready else 503,
        content={
            "status": "ok" if ready else "indisponible",
            "database": "ok",
            "revision": revision,
            "expected_revision": head,
            "version": version,
            **({} if ready else {"detail": "Schéma pas à jour : lancez « ./relais migrate »."}),
        },
    )


@api_router.get("/metrics", tags=["health"], include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus text. With RELAIS_METRICS_TOKEN set, only with that bearer token;
    without, only to a client on a loopback or private address."""
    token = request.app.state.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "")
        if not secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return JSONResponse(
                status_code=401,
                content={"detail": "Jeton de supervision absent ou incorrect."},
                headers={"WWW-Authenticate": "Bearer"},
            )
    elif not private_client(request.client.host if request.client else None):
        return JSONResponse(
            status_code=403,
            content={"detail": "Métriques réservées au réseau privé (ou à un jeton)."},
        )
    body, content_type = metrics_text()
    return Response(body, media_type=content_type)
