"""Partner structures: a conseiller reads and answers the orientations addressed to
their structure (role `partner` only; 404 for anything else of the cité)."""

from __future__ import annotations

from fastapi import APIRouter

from domain.api.partner import (
    PartnerAnswer,
    PartnerOrientationOut,
    PartnerOrientationsOut,
)
from domain.periods import utc_today
from sync_server.api.deps import PartnerUser, SessionDep
from sync_server.api.guards import JournalDep
from sync_server.api.routes.shared import ERRORS, PartnerEdit, refusals
from sync_server.core.db import begin_write
from sync_server.crud import partner as crud_partner

router = APIRouter(prefix="/partner", tags=["partner"])


@router.get("/orientations", response_model=PartnerOrientationsOut, responses=ERRORS)
def orientations(
    session: SessionDep, user: PartnerUser, journal: JournalDep
) -> PartnerOrientationsOut:
    """The orientations addressed to the caller's structure, awaiting an answer first."""
    with refusals(session):
        result = crud_partner.read_orientations(session, user=user)
    # The ids shown: a person's data-rights export lists which structure read them.
    journal.read(
        "partner.orientations",
        detail={
            "partner_id": result.partner_id,
            "count": len(result.items),
            "orientation_ids": [o.id for o in result.items],
        },
    )
    return result


@router.get(
    "/orientations/{orientation_id}", response_model=PartnerOrientationOut, responses=ERRORS
)
def orientation(
    orientation_id: str, session: SessionDep, user: PartnerUser, journal: JournalDep
) -> PartnerOrientationOut:
    with refusals(session):
        result = crud_partner.read_orientation(session, user=user, orientation_id=orientation_id)
    journal.read(
        "partner.orientation",
        entity="orientation",
        row_id=orientation_id,
        detail={"partner_id": user.partner_id, "orientation_ids": [orientation_id]},
    )
    return result


@router.post(
    "/orientations/{orientation_id}/answer",
    response_model=PartnerOrientationOut,
    responses=ERRORS,
)
def answer(orientation_id: str, body: PartnerAnswer, edit: PartnerEdit) -> PartnerOrientationOut:
    """Accept, decline (with a reason), set the appointment date or report the outcome.
    Written as an op: the orienting mediator's phone gets it on its next sync, with a
    relance when they have to act (declined, appointment missed, no follow-up)."""
    begin_write(edit.session)
    with edit.refusals():
        out, relance_id = crud_partner.answer_orientation(
            edit.session,
            author=edit.author,
            orientation_id=orientation_id,
            answer=body,
            today=utc_today(),
        )
    code = body.decline_reason or body.outcome
    edit.commit(
        "partner.answer",
        entity="orientation",
        row_id=orientation_id,
        detail={
            "partner_id": edit.author.user.partner_id,
            "action": body.action,
            **({"value": code.value} if code is not None else {}),
            **({"relance_id": relance_id} if relance_id else {}),
        },
    )
    return out
