"""Server-authored edits written through the normal merge path (push_ops), so they
reach every device on its next pull like any mediator's edit.

Used by retention (anonymisation) and rights (erasure). The ops are stamped by the
server clock after the row's latest HLC (so they win last-writer-wins) with
`base_version` = the stored version (so they are not hard conflicts).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, col, or_, select

from domain.hlc import Hlc, HlcClock
from domain.ids import uuid7
from domain.person_groups import group_of, root_of
from domain.sync import Op, OpResult
from domain.vocabulary import Role
from sync_server.models import AppUser, Conflict, Device, MergeUndo, Record, SyncOp
from sync_server.sync.push import push_ops

SYSTEM_USER_ID = "00000000-0000-7000-8000-000000000000"
SYSTEM_DEVICE_ID = "00000000-0000-7000-8000-0000000000fe"

# Personal fields per entity: cleared by anonymisation and erasure, and scrubbed
# from the ledger and the conflict log of the rows concerned.
PERSONAL_FIELDS: dict[str, frozenset[str]] = {
    "person": frozenset(
        {"first_name", "last_name", "birth_name", "birth_date", "declared_age", "phone", "email"}
        | {"commune", "need"}
    ),
    "contact": frozenset({"note", "need", "review_comment"}),
    "orientation": frozenset({"reason"}),
    "followup": frozenset({"what"}),
    "event": frozenset(),
}


def _system(cite_id: str) -> tuple[AppUser, Device]:
    # Transient objects, never added to the session: they only stamp the ledger.
    user = AppUser(
        id=SYSTEM_USER_ID,
        username="relais-serveur",
        display_name="Serveur Relais",
        role=Role.ADMIN.value,
        cite_id=cite_id,
        password_hash="!",
    )
    device = Device(id=SYSTEM_DEVICE_ID, user_id=SYSTEM_USER_ID, name="serveur", token_hash="-")
    return user, device


def write_ops(
    session: Session,
    *,
    user: AppUser,
    device: Device,
    clock: HlcClock,
    edits: Iterable[tuple[Record, dict[str, Any]]],
    first_seq: int | None,
) -> list[OpResult]:
    """Write each `(row, values)` edit as an op of `device` through `push_ops`, the
    server clock moved past every stamp the row carries first, so that the op wins
    the merge; `base_version` is the stored version (what is decided on is what is
    stored now: not a concurrent edit). The ops are numbered from `first_seq` (None:
    all 0, the server's own device keeps no sequence). The caller commits."""
    ops: list[Op] = []
    for seq, (row, values) in enumerate(edits, start=first_seq or 0):
        if row.updated_hlc:  # the row's latest stamp: every field's is at most this
            with contextlib.suppress(ValueError):
                clock.observe(Hlc.parse(row.updated_hlc))
        ops.append(
            Op(
                op_id=uuid7(),
                device_seq=0 if first_seq is None else seq,
                entity=row.entity,  # type: ignore[arg-type]
                row_id=row.id,
                hlc=clock.now().encode(),
                base_version=row.version,
                set=values,
            )
        )
    if not ops:
        return []
    return push_ops(session, user=user, device=device, ops=ops, clock=clock)


def write_server_ops(
    session: Session,
    *,
    cite_id: str,
    edits: Iterable[tuple[Record, dict[str, Any]]],
    clock: HlcClock,
) -> list[OpResult]:
    """Apply `(row, values)` edits to rows of `cite_id` as server ops; the caller commits."""
    user, device = _system(cite_id)
    return write_ops(session, user=user, device=device, clock=clock, edits=edits, first_seq=None)


def merge_map(session: Session, *, cite_id: str) -> dict[str, str | None]:
    """Every person of the cité (tombstones too) and whom it is merged into."""
    persons = session.exec(
        select(Record.id, Record.data).where(Record.cite_id == cite_id, Record.entity == "person")
    ).all()
    return {pid: data.get("merged_into") for pid, data in persons}


def rows_of_members(
    session: Session, *, members: Iterable[str], cite_id: str, kept: str | None = None
) -> list[Record]:
    """The persons `members` and every row pointing at one of them (contacts,
    orientations, follow-ups), persons first (`kept`, the person kept, first of all)."""
    ids = list(members)
    if not ids:
        return []
    rows = session.exec(
        select(Record).where(Record.cite_id == cite_id, col(Record.person_id).in_(ids))
    ).all()
    return sorted(rows, key=lambda r: (r.entity != "person", r.id != kept, r.entity, r.id))


def rows_of_person(session: Session, *, person_id: str, cite_id: str) -> list[Record]:
    """Everything held on the human being `person_id` is: the persons of its merge
    group (`domain.person_groups`: the person kept first, then its duplicates) and
    every row pointing at one of them. A duplicate's contacts still name the
    duplicate: an export or an erasure of the person kept must reach them too."""
    merged_into = merge_map(session, cite_id=cite_id)
    if person_id not in merged_into:
        return []
    return rows_of_members(
        session,
        members=group_of(merged_into, person_id),
        cite_id=cite_id,
        kept=root_of(merged_into, person_id),
    )


def scrub_history(session: Session, *, rows: list[Record]) -> int:
    """Null the personal values of `rows` in the ledger and the conflict log."""
    personal = {r.id: PERSONAL_FIELDS.get(r.entity, frozenset()) for r in rows}
    ids = [r.id for r in rows]
    if not ids:
        return 0
    scrubbed = 0
    for entry in session.exec(select(SyncOp).where(col(SyncOp.row_id).in_(ids))).all():
        fields = personal[entry.row_id]
        if fields & entry.set_values.keys():
            entry.set_values = {
                k: (None if k in fields else v) for k, v in entry.set_values.items()
            }
            flag_modified(entry, "set_values")
            session.add(entry)
            scrubbed += 1
    for conflict in session.exec(select(Conflict).where(col(Conflict.row_id).in_(ids))).all():
        fields = personal[conflict.row_id]
        if conflict.field in fields:
            conflict.server_value = conflict.incoming_value = conflict.resolution = None
        elif isinstance(conflict.incoming_value, dict):
            conflict.incoming_value = {
                k: (None if k in fields else v) for k, v in conflict.incoming_value.items()
            }
        else:
            continue
        session.add(conflict)
        scrubbed += 1
    # What a merge replaced on a kept person, kept for an unmerge: personal too.
    for undo in session.exec(
        select(MergeUndo).where(
            or_(col(MergeUndo.absorbed_id).in_(ids), col(MergeUndo.survivor_id).in_(ids))
        )
    ).all():
        session.delete(undo)
        scrubbed += 1
    session.flush()
    return scrubbed
