"""Read models of the supervisor console."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from domain.api.console import (
    ConsoleContact,
    ContactFilters,
    EventBrief,
    Page,
    Paging,
    PersonBrief,
)
from domain.entities import person_display_name
from domain.periods import as_utc
from domain.vocabulary import AgeBand, Channel, EventType, Frein, Gender, ReviewState, TriState
from sync_server.models import Record
from sync_server.sync.supervisor_ops import member_names


def _when(value: str | None) -> dt.datetime:
    if not value:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return as_utc(dt.datetime.fromisoformat(value))


def _records_by_id(session: Session, *, cite_id: str, ids: set[str]) -> dict[str, Record]:
    if not ids:
        return {}
    found = session.exec(
        select(Record).where(Record.cite_id == cite_id, col(Record.id).in_(ids))
    ).all()
    return {r.id: r for r in found}


def list_contacts(
    session: Session,
    *,
    cite_id: str,
    paging: Paging,
    filters: ContactFilters,
) -> Page[ConsoleContact]:
    """Live contacts of the cité, newest first, filtered and paged.

    Filtering happens in Python over the cité's contacts: simple and portable over
    the JSON `data` column; fine for a cité's volume (thousands a year).
    """
    contacts = session.exec(
        select(Record).where(
            Record.cite_id == cite_id, Record.entity == "contact", col(Record.deleted).is_(False)
        )
    ).all()
    linked = _records_by_id(
        session,
        cite_id=cite_id,
        ids={c.data[k] for c in contacts for k in ("event_id", "person_id") if c.data.get(k)},
    )
    members = member_names(session, cite_id=cite_id)

    selected = sorted(
        (c for c in contacts if _kept(c, filters, linked)),
        key=lambda c: (_when(c.data.get("occurred_at")), c.id),
        reverse=True,
    )
    items = [_contact_out(c, linked=linked, members=members) for c in paging.window(selected)]
    return paging.of(items, total=len(selected))


def _kept(c: Record, f: ContactFilters, linked: dict[str, Record]) -> bool:
    d = c.data
    event, person = linked.get(d.get("event_id") or ""), linked.get(d.get("person_id") or "")
    day = _when(d.get("occurred_at")).date()
    return (
        (f.mediator_id is None or d.get("mediator_id") == f.mediator_id)
        and (f.event_id is None or d.get("event_id") == f.event_id)
        and (f.review_state is None or d.get("review_state") == f.review_state)
        and (f.date_from is None or day >= f.date_from)
        and (f.date_to is None or day <= f.date_to)
        and (
            f.qpv is None
            or any(r is not None and r.data.get("qpv_code") == f.qpv for r in (event, person))
        )
    )


def _contact_out(
    c: Record, *, linked: dict[str, Record], members: dict[str, str]
) -> ConsoleContact:
    d = c.data
    event = linked.get(d.get("event_id") or "")
    person = linked.get(d.get("person_id") or "")
    freins = list(d.get("freins") or [])
    return ConsoleContact(
        id=c.id,
        occurred_at=d.get("occurred_at"),
        channel=d.get("channel"),
        channel_label=Channel.label_or_value(d.get("channel")),
        mediator_id=d.get("mediator_id"),
        mediator_name=members.get(d.get("mediator_id") or ""),
        event=None
        if event is None
        else EventBrief(
            id=event.id,
            type=event.data.get("type"),
            type_label=EventType.label_or_value(event.data.get("type")),
            place=event.data.get("place"),
            starts_at=event.data.get("starts_at"),
        ),
        person=None
        if person is None
        else PersonBrief(id=person.id, display_name=person_display_name(person.data)),
        age_band=d.get("age_band"),
        age_band_label=AgeBand.label_or_value(d.get("age_band")),
        gender=d.get("gender"),
        gender_label=Gender.label_or_value(d.get("gender")),
        qpv_resident=d.get("qpv_resident"),
        qpv_resident_label=TriState.label_or_value(d.get("qpv_resident")),
        freins=freins,
        freins_labels=[Frein.label_or_value(f) or f for f in freins],
        need=d.get("need"),
        note=d.get("note"),
        review_state=d.get("review_state"),
        review_state_label=ReviewState.label_or_value(d.get("review_state")),
        review_comment=d.get("review_comment"),
        version=c.version,
    )
