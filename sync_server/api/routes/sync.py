from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from domain.sync import (
    DEFAULT_PULL_LIMIT,
    MAX_PULL_LIMIT,
    MAX_STREAM_PAGES,
    OpResult,
    PullResponse,
    PushResponse,
)
from sync_server.api.body import DecodedPush, read_push_request
from sync_server.api.compress import json_reply
from sync_server.api.deps import (
    ClockDep,
    MemberUser,
    PushingDevice,
    PushingMember,
    SchemaHeader,
    SessionDep,
    mark_seen,
)
from sync_server.api.pull_stream import stream_reply
from sync_server.core.db import begin_write
from sync_server.core.observability import count_push_outcomes
from sync_server.sync.held_ops import hold_late_ops
from sync_server.sync.pull import CursorError, PullPage, pull_page
from sync_server.sync.push import ERASED_REASON, push_ops, split_before_revocation

router = APIRouter(prefix="/sync", tags=["sync"])
logger = logging.getLogger(__name__)

_PUSH_BODY_DOC = {
    "requestBody": {
        "required": True,
        "description": "PushRequest as JSON; may be sent with Content-Encoding zstd or gzip.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushRequest"}}},
    }
}


@dataclass(frozen=True)
class PullWindow:
    """Where a pull page starts and how many rows it may hold (capped)."""

    cursor: str | None
    limit: int


def pull_window(
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1)] = DEFAULT_PULL_LIMIT,
) -> PullWindow:
    return PullWindow(cursor, min(limit, MAX_PULL_LIMIT))


PullWindowDep = Annotated[PullWindow, Depends(pull_window)]


@router.post("/push", response_model=PushResponse, openapi_extra=_PUSH_BODY_DOC)
def push(
    request: Request,
    session: SessionDep,
    device: PushingDevice,
    user: PushingMember,
    clock: ClockDep,
    _schema: SchemaHeader,
    body: Annotated[DecodedPush, Depends(read_push_request)],
    window: PullWindowDep,
    then_pull: Annotated[bool, Query(description="Answer with the first pull page too")] = False,
) -> PushResponse:
    """Apply ops. A device revoked within 30 days gets `device_revoked: true` (it must
    wipe); its ops dated between its enrolment and its revocation are held for a
    supervisor (`/console/held-ops`), the rest refused.

    With `then_pull`, the reply also carries the pull page after `cursor` (as
    `GET /sync/pull` would answer it, read after the push's commit), saving the
    sync's next request. Never for a revoked device; a cursor the server cannot
    read leaves `pull` out (the phone's own pull then hears why)."""
    # Read now: the commit below expires the session's objects, and reading them
    # after it would cost a query each.
    revoked_at, cite_id = device.revoked_at, user.cite_id
    ops, late = split_before_revocation(body.request.ops, revoked_at, device.created_at)
    begin_write(session)
    mark_seen(session, device)  # the sliding session, in the push's own transaction
    if revoked_at is None:
        pushed = push_ops(
            session, user=user, device=device, ops=ops, clock=clock, normalised=body.normalised
        )
    else:  # never applied by themselves: a supervisor decides (`crud.held_ops`)
        pushed = hold_late_ops(session, user=user, device=device, ops=ops)
    session.commit()
    # In order, one answer per op sent: an op sent twice in a batch is answered twice,
    # `applied` then `duplicate` (by op id, both would read the second answer).
    answers = iter(pushed)
    results: list[OpResult] = [
        late[op.op_id] if op.op_id in late else next(answers) for op in body.request.ops
    ]
    count_push_outcomes(results)
    reply = PushResponse(
        results=results,
        server_hlc=clock.now().encode(),
        device_revoked=revoked_at is not None,
        erased=[r.op_id for r in results if r.reason == ERASED_REASON],
    )
    page = None
    if then_pull and revoked_at is None:
        page = _page_after_push(session, cite_id=cite_id, window=window)
    # Serialised once by pydantic's core: FastAPI would validate the model again. The
    # pull page's rows go out as stored, spliced in (see `pull`).
    out = encode_reply(reply)
    if page is not None:
        out = out[:-1] + b',"pull":' + page.to_json() + b"}"
    return json_reply(request, out)  # type: ignore[return-value]


def _page_after_push(session: Session, *, cite_id: str, window: PullWindow) -> PullPage | None:
    """The pull page a push's reply carries, or None: a cursor the server cannot read
    leaves it out, and so does a failed read, as the ops are committed and their
    answers matter more than the page, which the phone's own pull asks for again."""
    try:
        page = pull_page(session, cite_id=cite_id, cursor=window.cursor, limit=window.limit)
        session.commit()  # end the read in this worker thread
        return page
    except CursorError:
        session.rollback()
    except SQLAlchemyError as exc:
        logger.warning("pull page after a push failed (%s)", type(exc).__name__)
        session.rollback()
    return None


@router.get("/pull", response_model=PullResponse)
def pull(
    request: Request,
    session: SessionDep,
    user: MemberUser,
    _schema: SchemaHeader,
    window: PullWindowDep,
) -> PullResponse:
    page = _page_or_400(session, cite_id=user.cite_id, window=window)
    # The rows' data go out as stored: never parsed, validated or re-serialised here.
    return json_reply(request, page.to_json())  # type: ignore[return-value]


@router.get(
    "/pull/stream",
    response_class=Response,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
def pull_stream(
    request: Request,
    session: SessionDep,
    user: MemberUser,
    _schema: SchemaHeader,
    window: PullWindowDep,
    pages: Annotated[int, Query(ge=1, le=MAX_STREAM_PAGES)] = MAX_STREAM_PAGES,
) -> Response:
    """Up to `pages` pull pages, one `PullResponse` JSON per line, each what
    `GET /sync/pull` would answer from the previous line's cursor. The first page is
    read before answering: a bad cursor gets a 400 as on `/sync/pull`."""
    cite_id = user.cite_id
    first = _page_or_400(session, cite_id=cite_id, window=window)
    return stream_reply(request, first, cite_id=cite_id, limit=window.limit, pages=pages)


def _page_or_400(session: Session, *, cite_id: str, window: PullWindow) -> PullPage:
    """The pull page after `cursor` (at most `limit` rows, capped), its read ended here
    in the worker thread so that the session then closes without I/O; a cursor this
    server did not issue is a 400."""
    try:
        page = pull_page(session, cite_id=cite_id, cursor=window.cursor, limit=window.limit)
    except CursorError as exc:
        raise HTTPException(400, detail=f"{exc} : repartez d'un curseur vide.") from None
    session.commit()
    return page


def encode_reply(model: PushResponse) -> bytes:
    """The JSON body of a push reply without a pull page."""
    return model.model_dump_json(exclude={"pull"}).encode()
