"""Merging two duplicate persons with the supervisor's choices: which record
survives, and field by field which value it keeps (domain/merge_choice.py)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from domain.api.review import FieldDifferenceOut, MergeCompareOut
from domain.field_labels import field_label, value_label
from domain.merge_choice import MergeChoiceError, differing_fields, plan_merge, same_value
from sync_server.core.db import begin_write
from sync_server.crud.persons import _summaries
from sync_server.models import MergeUndo, Record
from sync_server.sync.supervisor_ops import (
    Invalid,
    OpAuthor,
    Refused,
    get_live_row,
    member_names,
    write_as_supervisor,
)


def _pair(session: Session, *, cite_id: str, a_id: str, b_id: str) -> tuple[Record, Record]:
    if a_id == b_id:
        raise Refused("Une personne ne peut pas être fusionnée avec elle-même.")
    a = get_live_row(session, cite_id=cite_id, entity="person", row_id=a_id)
    b = get_live_row(session, cite_id=cite_id, entity="person", row_id=b_id)
    if a.data.get("merged_into") or b.data.get("merged_into"):
        raise Refused("Une des deux fiches est déjà fusionnée : annulez d'abord cette fusion.")
    return a, b


def read_merge_comparison(
    session: Session, *, cite_id: str, a_id: str, b_id: str, today: dt.date
) -> MergeCompareOut:
    """Both persons and every field the supervisor may choose where they differ."""
    a, b = _pair(session, cite_id=cite_id, a_id=a_id, b_id=b_id)
    names = member_names(session, cite_id=cite_id)
    summary = _summaries(session, cite_id=cite_id, today=today)
    names |= summary.qpvs
    return MergeCompareOut(
        a=summary.of(a),
        b=summary.of(b),
        a_version=a.version,
        b_version=b.version,
        differences=[
            FieldDifferenceOut(
                field=f,
                label=field_label(f),
                a=a.data.get(f),
                a_label=value_label("person", f, a.data.get(f), names),
                b=b.data.get(f),
                b_label=value_label("person", f, b.data.get(f), names),
            )
            for f in differing_fields(a.data, b.data)
        ],
    )


def merge_with_choices(
    session: Session,
    *,
    author: OpAuthor,
    a_id: str,
    b_id: str,
    survivor: str,
    choices: dict[str, str],
    versions: tuple[int | None, int | None] = (None, None),
) -> tuple[str, str, list[str]]:
    """Write the chosen values on the survivor, then point the other record at it,
    both as supervisor ops (journaled by the route, pulled by every phone). Returns
    (absorbed id, survivor id, fields taken from the absorbed); the caller commits.
    A refused choice writes nothing."""
    begin_write(session)
    a, b = _pair(session, cite_id=author.user.cite_id, a_id=a_id, b_id=b_id)
    if any(v is not None and v != row.version for v, row in zip(versions, (a, b), strict=True)):
        raise Refused(
            "Une des deux fiches a été modifiée entre-temps : comparez-les de nouveau "
            "avant de fusionner."
        )
    try:
        plan = plan_merge(a.data, b.data, survivor=survivor, choices=choices)
    except MergeChoiceError as exc:
        raise Invalid(str(exc)) from None
    rows = {"a": a, "b": b}
    kept, absorbed = rows[plan.survivor], rows[plan.absorbed]
    if plan.values:
        previous = {f: kept.data.get(f) for f in plan.values}
        write_as_supervisor(session, author=author, row=kept, values=plan.values)
        # Kept so that an unmerge gives the kept person its own values back.
        session.merge(
            MergeUndo(
                absorbed_id=absorbed.id,
                survivor_id=kept.id,
                cite_id=author.user.cite_id,
                previous=previous,
                written={f: kept.data.get(f) for f in plan.values},
            )
        )
    write_as_supervisor(
        session,
        author=author,
        row=absorbed,
        values={"merged_into": kept.id},
    )
    return absorbed.id, kept.id, sorted(plan.values)


def unmerge_and_restore(session: Session, *, author: OpAuthor, person_id: str) -> list[str]:
    """Undo a merge: the person is on its own again (`merged_into` cleared) and the
    person it was merged into gets back the values the merge took from it, for each
    field nobody changed since. Returns those fields; the caller commits."""
    begin_write(session)
    person = get_live_row(session, cite_id=author.user.cite_id, entity="person", row_id=person_id)
    survivor_id = person.data.get("merged_into")
    if not survivor_id:
        raise Refused("Cette personne n'est pas fusionnée.")
    write_as_supervisor(session, author=author, row=person, values={"merged_into": None})
    undo = session.get(MergeUndo, person.id)
    if undo is None:
        return []
    session.delete(undo)
    kept = session.get(Record, survivor_id)
    if undo.survivor_id != survivor_id or kept is None or kept.deleted:
        session.flush()
        return []
    values = {
        f: undo.previous.get(f)
        for f, written in undo.written.items()
        if same_value(kept.data.get(f), written)
    }
    if values:
        write_as_supervisor(session, author=author, row=kept, values=values)
    session.flush()
    return sorted(values)
