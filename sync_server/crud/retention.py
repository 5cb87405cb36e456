"""Retention (docs/architecture.md §4.6): personal data anonymised N months after the last contact.

Anonymisation goes through the merge path (server ops), so every phone receives it
on its next pull; the ledger and conflict log of the rows are scrubbed too. What
remains serves statistics only: birth year, QPV, gender, closed-list answers,
contacts' age band.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from domain.hlc import HlcClock
from domain.periods import as_utc
from domain.person_groups import groups
from sync_server.core.db import begin_write
from sync_server.crud.admin import get_retention
from sync_server.crud.audit import record_audit
from sync_server.models import Cite, Record
from sync_server.sync.server_ops import (
    PERSONAL_FIELDS,
    rows_of_members,
    scrub_history,
    write_server_ops,
)

ANONYMISED_FIRST_NAME = "Anonyme"
UPCOMING_DAYS = 30


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` earlier (clamped to the month's last day)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month += 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


@dataclass(frozen=True)
class PersonActivity:
    """A person and the duplicates merged with it (`members`, `person` included), with
    the date of the group's last contact."""

    person: Record
    last_contact: dt.datetime
    members: frozenset[str]


def _parse(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return as_utc(dt.datetime.fromisoformat(value))
    except ValueError:
        return None


def is_anonymised(data: dict[str, Any]) -> bool:
    return data.get("first_name") == ANONYMISED_FIRST_NAME and not data.get("last_name")


def person_activity(session: Session, *, cite_id: str | None = None) -> list[PersonActivity]:
    """One entry per merge group (`domain.person_groups`) with a live member not yet
    anonymised: the person kept, and the date of the last contact with any member
    (the latest creation date when none has a contact). A duplicate's contacts still
    name it: its own pathway is the kept person's, and so is its retention date."""
    stmt = select(Record).where(Record.entity == "person")
    contacts = select(Record.person_id, Record.data, Record.created_at).where(
        Record.entity == "contact",
        col(Record.deleted).is_(False),
        col(Record.person_id).is_not(None),
    )
    if cite_id is not None:
        stmt = stmt.where(Record.cite_id == cite_id)
        contacts = contacts.where(Record.cite_id == cite_id)
    last: dict[str, dt.datetime] = {}
    for person_id, data, received in session.exec(contacts).all():
        when = _parse(data.get("occurred_at"))
        # A contact cannot have happened after the server first received it: a date
        # typed (or forged) in the future must not postpone the anonymisation.
        if when is not None:
            when = min(when, as_utc(received))
        if person_id and when and (person_id not in last or when > last[person_id]):
            last[person_id] = when
    persons = {p.id: p for p in session.exec(stmt).all()}
    merged_into: dict[str, str | None] = {}
    for pid, p in persons.items():
        target = persons.get(p.data.get("merged_into") or "")
        merged_into[pid] = target.id if target and target.cite_id == p.cite_id else None
    out = []
    for root, members in groups(merged_into).items():
        live = sorted(m for m in members if not persons[m].deleted)
        if not live or all(is_anonymised(persons[m].data) for m in live):
            continue
        contacted = [last[m] for m in members if m in last]
        created = [as_utc(persons[m].created_at) for m in live]
        kept = persons[root] if not persons[root].deleted else persons[live[0]]
        out.append(PersonActivity(kept, max(contacted or created), members))
    return out


def upcoming(
    session: Session, *, cite_id: str, now: dt.datetime, months: int, days: int = UPCOMING_DAYS
) -> list[tuple[PersonActivity, dt.datetime]]:
    """Persons whose anonymisation date falls within the next `days` (soonest first)."""
    limit = months_before(now + dt.timedelta(days=days), months)
    floor = months_before(now, months)
    due = [
        (a, months_before(a.last_contact, -months))
        for a in person_activity(session, cite_id=cite_id)
        if floor < a.last_contact <= limit
    ]
    return sorted(due, key=lambda item: item[1])


def _anonymous_values(
    entity: str, data: dict[str, Any], last_contact: dt.datetime
) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: None for name in PERSONAL_FIELDS[entity] if data.get(name) is not None
    }
    if entity == "person":
        values["first_name"] = ANONYMISED_FIRST_NAME
        year = _birth_year(data, last_contact)
        if year is not None:
            # Only the year survives, stored as 1 January (documented in SECURITY.md).
            values["birth_date"] = f"{year:04d}-01-01"
    return values


def _birth_year(data: dict[str, Any], last_contact: dt.datetime) -> int | None:
    birth = data.get("birth_date")
    if isinstance(birth, str) and len(birth) >= 4 and birth[:4].isdigit():
        return int(birth[:4])
    age = data.get("declared_age")
    return last_contact.year - age if isinstance(age, int) else None


def anonymise_expired(
    session: Session, *, now: dt.datetime, default_months: int, clock: HlcClock | None = None
) -> int:
    """Anonymise every person whose last contact is older than their cité's retention
    period (`default_months` where the cité's admin set none); returns how many. The
    caller commits."""
    clock = clock or HlcClock(node="server-retention")
    begin_write(session)
    count = 0
    per_cite: dict[str, int] = {cite_id: 0 for cite_id in session.exec(select(Cite.id))}
    months_of = {
        cite_id: get_retention(session, cite_id=cite_id, default_months=default_months)
        for cite_id in per_cite
    }
    for activity in person_activity(session):
        months = months_of.get(activity.person.cite_id, default_months)
        if activity.last_contact > months_before(now, months):
            continue
        person = activity.person
        rows = rows_of_members(session, members=activity.members, cite_id=person.cite_id)
        edits = [
            (r, _anonymous_values(r.entity, r.data, activity.last_contact))
            for r in rows
            if not (r.entity == "person" and is_anonymised(r.data))  # a duplicate done before
        ]
        write_server_ops(
            session, cite_id=person.cite_id, edits=[e for e in edits if e[1]], clock=clock
        )
        scrub_history(session, rows=rows)
        record_audit(
            session,
            actor=None,
            action="retention.anonymise",
            entity="person",
            row_id=person.id,
            cite_id=person.cite_id,
            detail={"rows": len(rows), "months": months},
        )
        per_cite[person.cite_id] = per_cite.get(person.cite_id, 0) + 1
        count += 1
    # One line per cité and run, even when nobody was due: the job's trace.
    for cite_id, anonymised in per_cite.items():
        record_audit(
            session,
            actor=None,
            action="retention.run",
            cite_id=cite_id,
            detail={"anonymised": anonymised, "months": months_of[cite_id]},
        )
    return count
