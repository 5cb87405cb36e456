"""Review of contacts, their history from the ledger, and hard-conflict resolution."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from domain.api.review import (
    BulkUndoOut,
    BulkValidateOut,
    ChoiceOut,
    ConflictSide,
    ContactHistory,
    CorrectOut,
    CorrectRequest,
    FieldChange,
    HistoryEntry,
    ReadableConflict,
    ResolveRequest,
    ReviewOut,
    ReviewRequest,
    UndoEntry,
)
from domain.entities import FieldsError, normalise_fields, person_display_name
from domain.field_labels import entity_label, field_choices, field_label, french_error, value_label
from domain.merge import DELETED
from domain.minimisation import sensitivity_warning
from domain.vocabulary import ReviewState
from sync_server.core.db import begin_write
from sync_server.models import Conflict, Record, SyncOp, utcnow
from sync_server.sync.supervisor_ops import (
    Invalid,
    NotFound,
    OpAuthor,
    Refused,
    device_names,
    get_live_row,
    member_names,
    partner_names,
    write_as_supervisor,
)

OUTCOME_LABELS = {
    "applied": "Appliquée",
    "duplicate": "Renvoi ignoré (déjà reçue)",
    "superseded": "Dépassée par une modification plus récente",
    "conflict": "Conflit avec une autre modification",
    "rejected": "Rejetée",
}


def review_contact(
    session: Session,
    *,
    author: OpAuthor,
    contact_id: str,
    review: ReviewRequest,
) -> ReviewOut:
    """Set the review state (and comment) of a contact; the caller commits."""
    begin_write(session)
    row = get_live_row(session, cite_id=author.user.cite_id, entity="contact", row_id=contact_id)
    if review.version is not None and row.version != review.version:
        raise Refused("Ce contact a été modifié entre-temps : rechargez-le avant de le revoir.")
    # A validation clears an earlier "à corriger" comment: the phone must not keep it.
    write_as_supervisor(
        session,
        author=author,
        row=row,
        values={"review_state": review.state, "review_comment": review.comment},
    )
    return ReviewOut(
        id=row.id,
        review_state=row.data.get("review_state"),
        review_state_label=ReviewState(row.data["review_state"]).label,
        review_comment=row.data.get("review_comment"),
        version=row.version,
        warning=sensitivity_warning(review.comment),
    )


def validate_many(
    session: Session,
    *,
    author: OpAuthor,
    contact_ids: list[str],
    event_id: str | None,
) -> BulkValidateOut:
    """Validate the contacts still « Reçu » among `contact_ids`, or of the action de
    terrain `event_id`, each as an op of the supervisor's device; the caller commits.
    Returns what an undo needs."""
    begin_write(session)
    if event_id is not None:
        get_live_row(session, cite_id=author.user.cite_id, entity="event", row_id=event_id)
        rows = [
            r
            for r in session.exec(
                select(Record).where(
                    Record.cite_id == author.user.cite_id,
                    Record.entity == "contact",
                    col(Record.deleted).is_(False),
                )
            ).all()
            if r.data.get("event_id") == event_id
        ]
    else:
        found = {
            r.id: r
            for r in session.exec(
                select(Record).where(
                    Record.cite_id == author.user.cite_id,
                    Record.entity == "contact",
                    col(Record.id).in_(set(contact_ids)),
                )
            ).all()
        }
        missing = [i for i in contact_ids if i not in found]
        if missing:
            raise NotFound(f"{len(missing)} contact(s) introuvable(s) dans votre cité.")
        rows = [found[i] for i in dict.fromkeys(contact_ids) if not found[i].deleted]
    received = [r for r in rows if r.data.get("review_state") == ReviewState.RECEIVED.value]
    undo = []
    for row in received:
        before = UndoEntry(
            id=row.id,
            version=0,
            review_state=row.data.get("review_state"),
            review_comment=row.data.get("review_comment"),
        )
        write_as_supervisor(
            session,
            author=author,
            row=row,
            values={"review_state": ReviewState.VALIDATED.value, "review_comment": None},
        )
        undo.append(before.model_copy(update={"version": row.version}))
    return BulkValidateOut(validated=len(received), skipped=len(rows) - len(received), undo=undo)


def undo_validation(
    session: Session,
    *,
    author: OpAuthor,
    entries: list[UndoEntry],
) -> BulkUndoOut:
    """Put back the review state each contact had before a bulk validation, unless it
    changed since (a mediator's edit, another review): that one is left as it is."""
    begin_write(session)
    rows = {entry.id: session.get(Record, entry.id) for entry in entries}
    unknown = [
        i
        for i, r in rows.items()
        if r is None or r.cite_id != author.user.cite_id or r.entity != "contact"
    ]
    if unknown:
        raise NotFound(f"{len(unknown)} contact(s) introuvable(s) dans votre cité.")
    restored = 0
    for entry in entries:
        row = rows[entry.id]
        if row is None or row.deleted or row.version != entry.version:
            continue
        write_as_supervisor(
            session,
            author=author,
            row=row,
            values={
                "review_state": entry.review_state.value if entry.review_state else None,
                "review_comment": entry.review_comment,
            },
        )
        restored += 1
    return BulkUndoOut(restored=restored, skipped=len(entries) - restored)


# What a supervisor may correct from the console, and the fields left to other paths
# (review, merge, erasure): never through a correction.
CORRECTABLE = ("person", "contact", "orientation")
NOT_CORRECTED = frozenset({"deleted", "merged_into", "review_state", "review_comment"})
FREE_TEXT = frozenset({"need", "note", "reason", "theme", "commune", "what"})


def correct_record(
    session: Session,
    *,
    author: OpAuthor,
    row_id: str,
    correction: CorrectRequest,
) -> CorrectOut:
    """Write a supervisor's correction as an op of their console device (it wins, is in
    the ledger and reaches the phones on their next pull); the caller commits."""
    begin_write(session)
    row = session.get(Record, row_id)
    if row is None or row.cite_id != author.user.cite_id or row.entity not in CORRECTABLE:
        raise NotFound("Fiche introuvable dans votre cité.")
    row = get_live_row(session, cite_id=author.user.cite_id, entity=row.entity, row_id=row_id)
    values = correction.values
    refused = sorted(NOT_CORRECTED & values.keys())
    if refused:
        names = ", ".join(f"« {field_label(f)} »" for f in refused)
        raise Invalid(f"Ne se corrige pas ici : {names}.")
    if correction.version is not None and row.version != correction.version:
        raise Refused("Cette fiche a été modifiée entre-temps : rechargez-la avant de corriger.")
    try:
        normalised = normalise_fields(row.entity, values)
    except FieldsError as exc:
        raise Invalid(french_error(row.entity, exc)) from None
    changed = {k: v for k, v in normalised.items() if row.data.get(k) != v}
    if not changed:
        raise Refused("Aucune modification : la fiche est déjà ainsi.")
    write_as_supervisor(session, author=author, row=row, values=changed)
    warnings = [
        w
        for k, v in changed.items()
        if k in FREE_TEXT and (w := sensitivity_warning(v if isinstance(v, str) else None))
    ]
    return CorrectOut(
        id=row.id,
        entity=row.entity,
        version=row.version,
        changed=sorted(changed),
        warnings=warnings,
    )


def _reference_names(session: Session, *, cite_id: str, ops: list[SyncOp]) -> dict[str, str]:
    """Names for every id the ops mention: members, partners, persons, events."""
    names = member_names(session, cite_id=cite_id) | partner_names(session, cite_id=cite_id)
    ids = {
        v for o in ops for k, v in o.set_values.items() if k.endswith("_id") and isinstance(v, str)
    }
    ids |= {v for o in ops for v in (o.set_values.get("merged_into"),) if isinstance(v, str)}
    if ids:
        rows = session.exec(
            select(Record).where(Record.cite_id == cite_id, col(Record.id).in_(ids))
        ).all()
        for r in rows:
            if r.entity == "person":
                names[r.id] = person_display_name(r.data)
            elif r.entity == "event":
                names[r.id] = str(r.data.get("place") or "action de terrain")
    return names


def contact_history(session: Session, *, cite_id: str, contact_id: str) -> ContactHistory:
    """Every op received for a contact, oldest first, in plain language."""
    row = session.get(Record, contact_id)
    if row is None or row.cite_id != cite_id or row.entity != "contact":
        raise NotFound("Contact introuvable dans votre cité.")
    ops = list(
        session.exec(
            select(SyncOp)
            .where(SyncOp.row_id == contact_id)
            .order_by(col(SyncOp.received_at), col(SyncOp.hlc))
        ).all()
    )
    names = _reference_names(session, cite_id=cite_id, ops=ops)
    devices = device_names(session, ids={o.device_id for o in ops})
    entries = [
        HistoryEntry(
            op_id=o.op_id,
            at=o.received_at,
            author_id=o.user_id,
            author_name=names.get(o.user_id, "utilisateur inconnu"),
            device_name=devices.get(o.device_id),
            outcome=o.outcome,
            outcome_label=OUTCOME_LABELS.get(o.outcome, o.outcome),
            reason=o.reason,
            changes=[
                FieldChange(
                    field=k,
                    label=field_label(k),
                    value=v,
                    value_label=value_label("contact", k, v, names),
                )
                for k, v in o.set_values.items()
            ],
        )
        for o in ops
    ]
    return ContactHistory(contact_id=contact_id, entries=entries)


def _row_summary(row: Record | None, names: dict[str, str]) -> str:
    if row is None:
        return "ligne supprimée"
    d = row.data
    if row.entity == "person":
        return person_display_name(d)
    if row.entity == "contact":
        day = value_label("contact", "occurred_at", d.get("occurred_at"))[:10]
        return f"Contact du {day} · {names.get(d.get('mediator_id') or '', 'médiateur inconnu')}"
    if row.entity == "event":
        return f"Action de terrain · {d.get('place') or ''}".strip(" ·")
    return entity_label(row.entity)


def readable_conflicts(
    session: Session, *, cite_id: str, conflicts: list[Conflict]
) -> list[ReadableConflict]:
    rows = {
        r.id: r
        for r in session.exec(
            select(Record).where(col(Record.id).in_({c.row_id for c in conflicts}))
        ).all()
    }
    ledger = list(
        session.exec(select(SyncOp).where(col(SyncOp.row_id).in_(set(rows)))).all() if rows else []
    )
    by_op = {o.op_id: o for o in ledger}
    by_stamp = {(o.row_id, o.hlc): o for o in ledger}
    names = _reference_names(session, cite_id=cite_id, ops=ledger)

    def side(c: Conflict, value: Any, hlc: str | None, op: SyncOp | None) -> ConflictSide:
        return ConflictSide(
            value=value,
            value_label=value_label(c.entity, c.field or "", value, names),
            hlc=hlc,
            author_name=names.get(op.user_id) if op else None,
            at=op.received_at if op else None,
        )

    out = []
    for c in conflicts:
        base = ReadableConflict.model_validate(c, from_attributes=True)
        closed = field_choices(c.entity, c.field or "")
        out.append(
            base.model_copy(
                update={
                    "entity_label": entity_label(c.entity),
                    "field_label": field_label(c.field or ""),
                    "choices": [ChoiceOut(value=v, label=label) for v, label in closed[0]]
                    if closed
                    else None,
                    "multiple": bool(closed and closed[1]),
                    "row_summary": _row_summary(rows.get(c.row_id), names),
                    "server": side(
                        c,
                        c.server_value,
                        c.server_hlc,
                        by_stamp.get((c.row_id, c.server_hlc or "")),
                    ),
                    "incoming": side(c, c.incoming_value, c.incoming_hlc, by_op.get(c.op_id)),
                    "resolved_at": c.resolved_at,
                    "resolved_by_name": names.get(c.resolved_by or ""),
                    "resolution": c.resolution,
                }
            )
        )
    return out


def list_open_conflicts(session: Session, *, cite_id: str) -> list[ReadableConflict]:
    conflicts = session.exec(
        select(Conflict)
        .where(
            Conflict.cite_id == cite_id,
            Conflict.kind == "hard",
            col(Conflict.resolved_at).is_(None),
        )
        .order_by(col(Conflict.created_at).desc())
    ).all()
    return readable_conflicts(session, cite_id=cite_id, conflicts=list(conflicts))


def _conflicting_row(session: Session, *, conflict: Conflict, cite_id: str) -> Record:
    """The row a conflict is about. A conflict on `deleted` (a delete and an edit that
    did not see each other) is settled on the tombstone itself: restoring it is the
    point."""
    if conflict.field != DELETED:
        return get_live_row(
            session, cite_id=cite_id, entity=conflict.entity, row_id=conflict.row_id
        )
    row = session.get(Record, conflict.row_id)
    if row is None or row.cite_id != cite_id or row.entity != conflict.entity:
        raise NotFound("Fiche introuvable dans votre cité.")
    return row


def resolve_conflict(
    session: Session,
    *,
    author: OpAuthor,
    conflict_id: str,
    resolution: ResolveRequest,
) -> ReadableConflict:
    """Write the chosen value as a new op and mark the conflict resolved; caller commits."""
    begin_write(session)
    conflict = session.get(Conflict, conflict_id)
    if conflict is None or conflict.cite_id != author.user.cite_id or conflict.kind != "hard":
        raise NotFound("Conflit introuvable dans votre cité.")
    if conflict.resolved_at is not None:
        raise Refused("Ce conflit a déjà été résolu : rechargez la liste.")
    field = conflict.field or ""
    row = _conflicting_row(session, conflict=conflict, cite_id=author.user.cite_id)
    chosen = {"server": conflict.server_value, "incoming": conflict.incoming_value}.get(
        resolution.choice, resolution.value
    )
    try:
        values = normalise_fields(conflict.entity, {field: chosen})
    except FieldsError as exc:
        raise Invalid(french_error(conflict.entity, exc)) from None
    result = write_as_supervisor(session, author=author, row=row, values=values)
    conflict.resolved_at = utcnow()
    conflict.resolved_by = author.user.id
    conflict.resolution = {
        "choice": resolution.choice,
        "value": values[field],
        "op_id": result.op_id,
    }
    session.add(conflict)
    session.flush()
    [readable] = readable_conflicts(session, cite_id=author.user.cite_id, conflicts=[conflict])
    return readable
