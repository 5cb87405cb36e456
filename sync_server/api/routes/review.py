"""Console: review of contacts, their history, and hard-conflict resolution."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from sqlmodel import Session

from domain.api.review import (
    BulkUndoOut,
    BulkUndoRequest,
    BulkValidateOut,
    BulkValidateRequest,
    ContactHistory,
    CorrectOut,
    CorrectRequest,
    HeldChange,
    HeldDecisionOut,
    HeldOpOut,
    ReadableConflict,
    ResolveRequest,
    ReviewOut,
    ReviewRequest,
)
from domain.hlc import HlcClock
from sync_server.api.deps import ClockDep, SessionDep, SupervisorUser
from sync_server.api.guards import Journal, JournalDep, SupervisorAuthor
from sync_server.api.routes.shared import ERRORS, refusals
from sync_server.core.db import begin_write
from sync_server.crud import review as crud_review
from sync_server.models import AppUser
from sync_server.sync import held_ops as crud_held

router = APIRouter(prefix="/console", tags=["console"])


@router.post("/contacts/{contact_id}/review", response_model=ReviewOut, responses=ERRORS)
def review_contact(
    contact_id: str,
    body: ReviewRequest,
    session: SessionDep,
    author: SupervisorAuthor,
    journal: JournalDep,
) -> ReviewOut:
    """Validate, reject or send back a contact; the decision syncs to the mediator's phone."""
    with refusals(session):
        out = crud_review.review_contact(
            session,
            author=author,
            contact_id=contact_id,
            state=body.state,
            comment=body.comment,
            expected_version=body.version,
        )
    # The comment is the supervisor's free text: not journaled.
    journal.record(f"review.{body.state}", entity="contact", row_id=contact_id)
    session.commit()
    return out


@router.post("/contacts/validate", response_model=BulkValidateOut, responses=ERRORS)
def validate_contacts(
    body: BulkValidateRequest,
    session: SessionDep,
    author: SupervisorAuthor,
    journal: JournalDep,
) -> BulkValidateOut:
    """Validate in one step the contacts ticked, or all contacts of one action de
    terrain (those still « Reçu »); the answer carries what « Annuler » sends back."""
    with refusals(session):
        out = crud_review.validate_many(
            session,
            author=author,
            contact_ids=body.contact_ids,
            event_id=body.event_id,
        )
    journal.record(
        "review.bulk_validated",
        entity="event" if body.event_id else None,
        row_id=body.event_id,
        detail={"count": out.validated, "rows": out.skipped},
    )
    session.commit()
    return out


@router.post("/contacts/validate/undo", response_model=BulkUndoOut, responses=ERRORS)
def undo_validation(
    body: BulkUndoRequest,
    session: SessionDep,
    author: SupervisorAuthor,
    journal: JournalDep,
) -> BulkUndoOut:
    """Undo a bulk validation: each contact gets back its earlier state, unless it
    changed since."""
    with refusals(session):
        out = crud_review.undo_validation(session, author=author, entries=body.undo)
    journal.record("review.bulk_undone", detail={"count": out.restored})
    session.commit()
    return out


@router.post("/records/{row_id}/correct", response_model=CorrectOut, responses=ERRORS)
def correct_record(
    row_id: str,
    body: CorrectRequest,
    session: SessionDep,
    author: SupervisorAuthor,
    journal: JournalDep,
) -> CorrectOut:
    """Correct a person (a phone number, a name…), a contact or an orientation (its
    status among others), as an op that reaches every phone at its next sync."""
    with refusals(session):
        out = crud_review.correct_record(
            session,
            author=author,
            row_id=row_id,
            values=body.values,
            expected_version=body.version,
        )
    # Which fields, never their values.
    journal.record(
        "record.correct", entity=out.entity, row_id=row_id, detail={"fields": out.changed}
    )
    session.commit()
    return out


@router.get("/contacts/{contact_id}/history", response_model=ContactHistory, responses=ERRORS)
def contact_history(
    contact_id: str, session: SessionDep, user: SupervisorUser, journal: JournalDep
) -> ContactHistory:
    """The contact's versions from the ledger: who, when, which fields, outcome."""
    with refusals(session):
        result = crud_review.contact_history(session, cite_id=user.cite_id, contact_id=contact_id)
    journal.read("contact.history", entity="contact", row_id=contact_id)
    return result


@router.post("/conflicts/{conflict_id}/resolve", response_model=ReadableConflict, responses=ERRORS)
def resolve_conflict(
    conflict_id: str,
    body: ResolveRequest,
    session: SessionDep,
    author: SupervisorAuthor,
    journal: JournalDep,
) -> ReadableConflict:
    """Keep one side (or a corrected value) as a new op that wins and syncs."""
    with refusals(session):
        out = crud_review.resolve_conflict(
            session,
            author=author,
            conflict_id=conflict_id,
            choice=body.choice,
            value=body.value,
        )
    # Which side was kept and on which field; never the value itself.
    journal.record(
        "conflict.resolve",
        entity="conflict",
        row_id=conflict_id,
        detail={"choice": body.choice, "field": out.field},
    )
    session.commit()
    return out


@router.get("/held-ops", response_model=list[HeldOpOut], responses=ERRORS)
def held_ops(session: SessionDep, user: SupervisorUser, journal: JournalDep) -> list[HeldOpOut]:
    """Ops a revoked device sent late, waiting for a decision, with what each would
    change (current value, proposed value) on its row."""
    views = crud_held.pending(session, cite_id=user.cite_id)
    out = [
        HeldOpOut(
            op_id=v.held.op_id,
            entity=v.held.entity,
            row_id=v.held.row_id,
            author=v.author,
            device_name=v.device_name,
            hlc=v.held.hlc,
            received_at=v.held.received_at,
            row_exists=v.row_exists,
            changes=[
                HeldChange(field=c.field, current=c.current, proposed=c.proposed) for c in v.changes
            ],
        )
        for v in views
    ]
    journal.read("held_ops.list", detail={"count": len(out)})
    return out


def _decide(
    op_id: str, accept: bool, session: Session, user: AppUser, clock: HlcClock, journal: Journal
) -> HeldDecisionOut:
    begin_write(session)
    with refusals(session):
        held, result = crud_held.decide(
            session, op_id=op_id, supervisor=user, accept=accept, clock=clock
        )
    decision: Literal["accepted", "discarded"] = "accepted" if accept else "discarded"
    journal.record(
        f"held_op.{'accept' if accept else 'discard'}",
        entity=held.entity,
        row_id=held.row_id,
        detail={"choice": result.outcome if result else decision, "count": len(held.set_values)},
    )
    session.commit()
    return HeldDecisionOut(
        op_id=op_id,
        decision=decision,
        outcome=result.outcome if result else None,
        reason=result.reason if result else None,
    )


@router.post("/held-ops/{held_id}/accept", response_model=HeldDecisionOut, responses=ERRORS)
def accept_held_op(
    held_id: str, session: SessionDep, user: SupervisorUser, clock: ClockDep, journal: JournalDep
) -> HeldDecisionOut:
    """Apply the held op now, through the normal merge, as its author and device."""
    return _decide(held_id, True, session, user, clock, journal)


@router.post("/held-ops/{held_id}/discard", response_model=HeldDecisionOut, responses=ERRORS)
def discard_held_op(
    held_id: str, session: SessionDep, user: SupervisorUser, clock: ClockDep, journal: JournalDep
) -> HeldDecisionOut:
    """Drop the held op: it never applies; its values are forgotten."""
    return _decide(held_id, False, session, user, clock, journal)
