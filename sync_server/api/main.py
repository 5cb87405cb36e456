from fastapi import APIRouter

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
    referentials,
    review,
    rights,
    sync,
)

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


@api_router.get("/health", tags=["health"])
def health() -> dict[str, str]:
    return {"status": "ok"}
