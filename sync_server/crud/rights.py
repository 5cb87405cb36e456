"""Data-subject rights (RGPD art. 15 and 17): export everything held on a person,
and erasure that reaches every device.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from domain.audit_actions import action_label
from domain.field_labels import field_noun
from domain.hlc import HlcClock
from sync_server.core.db import begin_write, is_postgres
from sync_server.models import AuditEvent, ErasedRow, Partner, Record, SyncOp
from sync_server.sync.held_ops import forget_erased
from sync_server.sync.server_ops import (
    PERSONAL_FIELDS,
    rows_of_person,
    scrub_history,
    write_server_ops,
)
from sync_server.sync.supervisor_ops import member_names

PARTNER_ACTIONS = ("partner.orientations", "partner.orientation", "partner.answer")
_SECTION = {
    "contact": "contacts",
    "orientation": "orientations",
    "followup": "relances",
}


def _french(data: dict[str, Any]) -> dict[str, Any]:
    """French keys for the export, so the person can read their file."""
    return {field_noun(k): v for k, v in sorted(data.items())}


def find_person(session: Session, *, person_id: str, cite_id: str) -> Record | None:
    row = session.get(Record, person_id)
    if row is None or row.entity != "person" or row.cite_id != cite_id:
        return None
    return row


def export_person(session: Session, *, person: Record) -> dict[str, Any]:
    """Everything held on `person`: fields, related rows, and their change history,
    those of the duplicates merged with it included (under the person kept)."""
    rows = rows_of_person(session, person_id=person.id, cite_id=person.cite_id)
    kept, *duplicates = [r for r in rows if r.entity == "person"]
    names = member_names(session, cite_id=person.cite_id)
    out: dict[str, Any] = {
        "document": "Données détenues par la Cité de l'emploi sur une personne (RGPD, art. 15)",
        "exporté le": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "identifiant": kept.id,
        "personne": _french(kept.data),
        "fiches fusionnées": [{"identifiant": d.id, **_french(d.data)} for d in duplicates],
        "contacts": [],
        "orientations": [],
        "relances": [],
        "historique des modifications": [],
        "consultations et réponses des structures partenaires": [],
    }
    for row in rows:
        section = _SECTION.get(row.entity)
        if section is not None:
            entry = {"identifiant": row.id, **_french(row.data)}
            if "médiateur" in entry:
                entry["médiateur"] = names.get(str(entry["médiateur"]), entry["médiateur"])
            out[section].append(entry)
    kinds = {r.id: r.entity for r in rows}
    ledger = session.exec(
        select(SyncOp)
        .where(col(SyncOp.row_id).in_(list(kinds)))
        .order_by(col(SyncOp.received_at), col(SyncOp.op_id))
    ).all()
    out["historique des modifications"] = [
        {
            "reçu le": op.received_at.isoformat(timespec="seconds"),
            "fiche": kinds[op.row_id],
            "identifiant": op.row_id,
            "auteur": names.get(op.user_id, "serveur"),
            "résultat": op.outcome,
            "valeurs": _french(op.set_values),
        }
        for op in ledger
    ]
    orientation_ids = {r.id for r in rows if r.entity == "orientation"}
    out["consultations et réponses des structures partenaires"] = _partner_events(
        session, cite_id=person.cite_id, orientation_ids=orientation_ids, names=names
    )
    return out


def _partner_events(
    session: Session, *, cite_id: str, orientation_ids: set[str], names: dict[str, str]
) -> list[dict[str, Any]]:
    """Which partner structure read or answered the person's orientations, and when
    (from the audit journal, which names the orientations each read showed)."""
    if not orientation_ids:
        return []
    partners = {
        p.id: p.name for p in session.exec(select(Partner).where(Partner.cite_id == cite_id))
    }
    events = session.exec(
        select(AuditEvent)
        .where(
            AuditEvent.cite_id == cite_id,
            col(AuditEvent.action).in_(list(PARTNER_ACTIONS)),
        )
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all()
    found = []
    for event in events:
        shown = set(event.detail.get("orientation_ids") or []) | {event.row_id}
        if shown.isdisjoint(orientation_ids):
            continue
        found.append(
            {
                "le": event.at.isoformat(timespec="seconds"),
                "action": action_label(event.action),
                "structure": partners.get(str(event.detail.get("partner_id")), "partenaire"),
                "par": names.get(event.actor_user_id or "", "compte supprimé"),
            }
        )
    return found


def erase_person(session: Session, *, person: Record, clock: HlcClock) -> list[Record]:
    """Tombstone the person, the duplicates merged with it and all their rows with
    personal fields nulled, through server ops (so every phone drops them on pull),
    and scrub the ledger and conflict log. Returns the rows erased; the caller
    commits."""
    begin_write(session)
    if is_postgres(session):
        # Before any row is written: see `push.refuse_erased` (no push slips between).
        session.execute(text("LOCK TABLE erased_row IN ROW EXCLUSIVE MODE"))
    rows = rows_of_person(session, person_id=person.id, cite_id=person.cite_id)
    edits = [
        (
            row,
            {"deleted": True}
            | {f: None for f in PERSONAL_FIELDS.get(row.entity, frozenset()) if f in row.data},
        )
        for row in rows
    ]
    write_server_ops(session, cite_id=person.cite_id, edits=edits, clock=clock)
    scrub_history(session, rows=rows)
    # After the server ops above (they write these rows): from now on every op on
    # them, or naming them, is refused (`sync_server.sync.push.refuse_erased`).
    known = set(
        session.exec(
            select(ErasedRow.row_id).where(col(ErasedRow.row_id).in_([r.id for r in rows]))
        ).all()
    )
    session.add_all(
        ErasedRow(row_id=r.id, cite_id=person.cite_id) for r in rows if r.id not in known
    )
    session.flush()
    forget_erased(session, cite_id=person.cite_id, row_ids={r.id for r in rows})
    return rows
