from __future__ import annotations

from fastapi import APIRouter

from domain.sync import ReferentialsOut
from sync_server.api.deps import MemberUser, SessionDep
from sync_server.crud.referentials import get_referentials

router = APIRouter(tags=["referentials"])


@router.get("/referentials", response_model=ReferentialsOut)
def referentials(session: SessionDep, user: MemberUser) -> ReferentialsOut:
    return get_referentials(session, cite_id=user.cite_id)
