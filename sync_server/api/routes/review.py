"""Console: review of contacts, their history, and hard-conflict resolution."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from domain.api.review import (
    BulkUndoOut,
    BulkUndoRequest,
    BulkValidateOut,
    BulkValidateRequest,
    ContactHistory,
    CorrectOut,
    CorrectRequest,
    HeldDecisionOut,
    HeldOpOut,
    ReadableConflict,
    ResolveRequest,
    ReviewOut,
    ReviewRequest,
)
from sync_server.api.deps import SessionDep, SupervisorUser
from sync_server.api.guards import JournalDep
from sync_server.api.routes.shared import ERRORS, Edit, SupervisorEdit, refusals
from sync_server.core.db import begin_write
from sync_server.crud import review as crud_review
from sync_server.sync import held_ops as crud_held

router = APIRouter(prefix="/console", tags=["console"])


@router.post("/contacts/{contact_id}/review", response_model=ReviewOut, responses=ERRORS)
def review_contact(contact_id: str, body: ReviewRequest, edit: SupervisorEdit) -> ReviewOut:
    """Validate, reject or send back a contact; the decision syncs to the mediator's phone."""
    with edit.refusals():
        out = crud_review.review_contact(
            edit.session, author=edit.author, contact_id=contact_id, review=body
        )
    # The comment is the supervisor's free text: not journaled.
    edit.commit(f"review.{body.state}", entity="contact", row_id=contact_id)
    return out


@router.post("/contacts/validate", response_model=BulkValidateOut, responses=ERRORS)
def validate_contacts(body: BulkValidateRequest, edit: SupervisorEdit) -> BulkValidateOut:
    """Validate in one step the contacts ticked, or all contacts of one action de
    terrain (those still « Reçu »); the answer carries what « Annuler » sends back."""
    with edit.refusals():
        out = crud_review.validate_many(
            edit.session, author=edit.author, contact_ids=body.contact_ids, event_id=body.event_id
        )
    edit.commit(
        "review.bulk_validated",
        entity="event" if body.event_id else None,
        row_id=body.event_id,
        detail={"count": out.validated, "rows": out.skipped},
    )
    return out


@router.post("/contacts/validate/undo", response_model=BulkUndoOut, responses=ERRORS)
def undo_validation(body: BulkUndoRequest, edit: SupervisorEdit) -> BulkUndoOut:
    """Undo a bulk validation: each contact gets back its earlier state, unless it
    changed since."""
    with edit.refusals():
        out = crud_review.undo_validation(edit.session, author=edit.author, entries=body.undo)
    edit.commit("review.bulk_undone", detail={"count": out.restored})
    return out


@router.post("/records/{row_id}/correct", response_model=CorrectOut, responses=ERRORS)
def correct_record(row_id: str, body: CorrectRequest, edit: SupervisorEdit) -> CorrectOut:
    """Correct a person (a phone number, a name…), a contact or an orientation (its
    status among others), as an op that reaches every phone at its next sync."""
    with edit.refusals():
        out = crud_review.correct_record(
            edit.session, author=edit.author, row_id=row_id, correction=body
        )
    # Which fields, never their values.
    edit.commit("record.correct", entity=out.entity, row_id=row_id, detail={"fields": out.changed})
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
    conflict_id: str, body: ResolveRequest, edit: SupervisorEdit
) -> ReadableConflict:
    """Keep one side (or a corrected value) as a new op that wins and syncs."""
    with edit.refusals():
        out = crud_review.resolve_conflict(
            edit.session, author=edit.author, conflict_id=conflict_id, resolution=body
        )
    # Which side was kept and on which field; never the value itself.
    edit.commit(
        "conflict.resolve",
        entity="conflict",
        row_id=conflict_id,
        detail={"choice": body.choice, "field": out.field},
    )
    return out


@router.get("/held-ops", response_model=list[HeldOpOut], responses=ERRORS)
def held_ops(session: SessionDep, user: SupervisorUser, journal: JournalDep) -> list[HeldOpOut]:
    """Ops a revoked device sent late, waiting for a decision, with what each would
    change (current value, proposed value) on its row."""
    out = crud_held.pending(session, cite_id=user.cite_id)
    journal.read("held_ops.list", detail={"count": len(out)})
    return out


def _decide(op_id: str, accept: bool, edit: Edit) -> HeldDecisionOut:
    begin_write(edit.session)
    with edit.refusals():
        held, result = crud_held.decide(
            edit.session,
            op_id=op_id,
            supervisor=edit.author.user,
            accept=accept,
            clock=edit.author.clock,
        )
    decision: Literal["accepted", "discarded"] = "accepted" if accept else "discarded"
    edit.commit(
        f"held_op.{'accept' if accept else 'discard'}",
        entity=held.entity,
        row_id=held.row_id,
        detail={"choice": result.outcome if result else decision, "count": len(held.set_values)},
    )
    return HeldDecisionOut(
        op_id=op_id,
        decision=decision,
        outcome=result.outcome if result else None,
        reason=result.reason if result else None,
    )


@router.post("/held-ops/{held_id}/accept", response_model=HeldDecisionOut, responses=ERRORS)
def accept_held_op(held_id: str, edit: SupervisorEdit) -> HeldDecisionOut:
    """Apply the held op now, through the normal merge, as its author and device."""
    return _decide(held_id, True, edit)


@router.post("/held-ops/{held_id}/discard", response_model=HeldDecisionOut, responses=ERRORS)
def discard_held_op(held_id: str, edit: SupervisorEdit) -> HeldDecisionOut:
    """Drop the held op: it never applies; its values are forgotten."""
    return _decide(held_id, False, edit)
