"""A person's pathway read off the phone's copy of the synced rows.

Rows logged on a person that a supervisor later merged into another one still
belong to the survivor's history, so the person's own rows are gathered with
those of every person whose `merged_into` chain ends at it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from app.store import rows
from app.store.codec import Codec
from domain.pathway import Pathway, Row, assemble

MAX_MERGE_CHAIN = 20  # a cycle left by a bad merge must not hang the phone


def _chain(start: str, merged_into: dict[str, str]) -> list[str]:
    """The persons `start` was merged into, in order (stops on a cycle)."""
    chain: list[str] = []
    current = start
    for _ in range(MAX_MERGE_CHAIN):
        target = merged_into.get(current)
        if target is None or target == start or target in chain:
            break
        chain.append(target)
        current = target
    return chain


def merged_person_ids(conn: sqlite3.Connection, person_id: str) -> set[str]:
    """`person_id` and every person whose merge chain passes through it (the merge
    target is a clear column: no decryption)."""
    merged_into = dict(
        conn.execute(
            "SELECT id, link_id FROM row WHERE entity = 'person' AND link_id IS NOT NULL"
        ).fetchall()
    )
    return {person_id} | {p for p in merged_into if person_id in _chain(p, merged_into)}


def _for_persons(conn: sqlite3.Connection, codec: Codec, entity: str, ids: set[str]) -> list[Row]:
    """The `entity` rows of the persons `ids`, deleted ones included: one indexed query
    per person (link_id), in a fixed order."""
    return [
        Row(r.id, r.data, r.deleted)
        for person in sorted(ids)
        for r in rows.load_where(
            conn, codec, entity, where={"link_id": person}, include_deleted=True
        )
    ]


def person_pathway(
    conn: sqlite3.Connection,
    codec: Codec,
    person_id: str,
    *,
    partner_names: dict[str, str],
    today: dt.date | None = None,
) -> Pathway | None:
    """The pathway of one person as far as this phone knows it; None if unknown."""
    person = rows.load(conn, codec, "person", person_id)
    if person is None:
        return None
    ids = merged_person_ids(conn, person_id)
    return assemble(
        Row(person.id, person.data, person.deleted),
        _for_persons(conn, codec, "contact", ids),
        _for_persons(conn, codec, "orientation", ids),
        _for_persons(conn, codec, "followup", ids),
        partner_names=partner_names,
        today=today,
    )
