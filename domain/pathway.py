"""A person's pathway (parcours), assembled from synced rows (docs/architecture.md §2.1).

Pure: the server's console and the phone (offline, from what it pulled) build the
same timeline from the same rows, so a mediator meeting someone again sees the
history logged by every colleague.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from domain.vocabulary import (
    Channel,
    DeclineReason,
    ExitType,
    Frein,
    OrientationOutcome,
    OrientationStatus,
    PathwayStatus,
)

EntryKind = Literal["contact", "orientation", "followup", "exit"]


@dataclass(frozen=True)
class Row:
    """The minimum the assembler needs of a synced row."""

    id: str
    data: dict[str, Any]
    deleted: bool = False


@dataclass(frozen=True)
class TimelineEntry:
    kind: EntryKind
    row_id: str
    when: str
    """ISO date or date-time; entries sort on it."""
    title: str
    detail: str = ""
    author_id: str | None = None


@dataclass(frozen=True)
class ReferentPeriod:
    """A mediator following the person: from their first contact with them to their
    last; `until` is None for the current référent (the last contact's mediator)."""

    mediator_id: str
    since: str
    until: str | None


@dataclass(frozen=True)
class Pathway:
    person_id: str
    status: PathwayStatus
    first_contact: str | None
    last_contact: str | None
    contact_count: int
    orientation_count: int
    referents: tuple[str, ...]
    """Mediators who logged contacts, most recent first."""
    timeline: tuple[TimelineEntry, ...] = field(default_factory=tuple)
    open_followups: tuple[TimelineEntry, ...] = field(default_factory=tuple)
    freins: tuple[str, ...] = ()
    """Noted on the person or on any of their contacts, in the vocabulary's order
    (values outside the vocabulary are left out)."""
    referent_periods: tuple[ReferentPeriod, ...] = ()
    referent_id: str | None = None
    """The person's référent: the mediator chosen (`referent_id` of the person), else
    the one of the latest contact."""
    referent_chosen: bool = False
    """The same mediators with their period (référents: docs/architecture.md §2.1)."""


def _day(iso: str) -> str:
    return iso[:10]


def _french_day(day: str) -> str:
    return f"{day[8:10]}/{day[5:7]}/{day[:4]}" if len(day) >= 10 else day


def referent_of(person: dict[str, Any], latest_contact_mediator: str | None) -> str | None:
    """Who follows the person: the référent chosen, else the latest contact's mediator
    (what `assemble` says, without reading the whole pathway)."""
    return person.get("referent_id") or latest_contact_mediator


def referent_label(name: str, since: str, until: str | None) -> str:
    """« Karim Benali (depuis le 05/10/2026) » for the current référent, « Amina Diallo
    (01/09/2026 – 20/09/2026) » for an earlier one, « … (le 10/10/2026) » for one day."""
    if until is None:
        return f"{name} (depuis le {_french_day(since)})"
    if until == since:
        return f"{name} (le {_french_day(since)})"
    return f"{name} ({_french_day(since)} – {_french_day(until)})"


def derive_status(
    person: dict[str, Any], contacts: int, orientations: list[dict[str, Any]]
) -> PathwayStatus:
    """The status a supervisor would read off the record, unless set explicitly."""
    if person.get("exit_type"):
        return PathwayStatus.EXITED
    if person.get("status"):
        return PathwayStatus(person["status"])
    engaged = {OrientationStatus.APPOINTMENT.value, OrientationStatus.ATTENDED.value}
    if any(o.get("status") in engaged and not _fell_through(o) for o in orientations):
        return PathwayStatus.SUPPORTED
    if orientations:
        return PathwayStatus.ORIENTED
    if contacts >= 2:
        return PathwayStatus.IN_CONTACT
    return PathwayStatus.SPOTTED


def _fell_through(orientation: dict[str, Any]) -> bool:
    """An appointment the person missed, or that led nowhere: not an accompaniment."""
    try:
        return OrientationOutcome(orientation.get("outcome") or "").needs_action
    except ValueError:
        return False


def _label(enum: type[DeclineReason] | type[OrientationOutcome], value: Any) -> str | None:
    try:
        return enum(value).label if value else None
    except ValueError:
        return None


def orientation_detail(data: dict[str, Any]) -> str:
    """« Rendez-vous pris · RDV le 12/12/2026 · Rendez-vous honoré · motif » : the
    status and what the partner structure answered, as the mediator reads it."""
    parts = [OrientationStatus(data["status"]).label]
    if data.get("appointment_date"):
        parts.append(f"RDV le {_french_day(str(data['appointment_date']))}")
    parts += [
        t
        for t in (
            _label(DeclineReason, data.get("decline_reason")),
            _label(OrientationOutcome, data.get("outcome")),
            data.get("reason"),
        )
        if t
    ]
    return " · ".join(parts)


def assemble(
    person: Row,
    contacts: Iterable[Row],
    orientations: Iterable[Row],
    followups: Iterable[Row],
    *,
    partner_names: dict[str, str] | None = None,
    today: dt.date | None = None,
) -> Pathway:
    partner_names = partner_names or {}
    live_contacts = sorted(
        (c for c in contacts if not c.deleted), key=lambda c: c.data["occurred_at"]
    )
    live_orients = sorted((o for o in orientations if not o.deleted), key=lambda o: o.data["date"])
    live_follow = [f for f in followups if not f.deleted]

    entries: list[TimelineEntry] = []
    for c in live_contacts:
        channel = Channel(c.data["channel"]).label if c.data.get("channel") else "Contact"
        entries.append(
            TimelineEntry(
                "contact",
                c.id,
                c.data["occurred_at"],
                f"Contact · {channel}",
                # The need expressed and the mediator's note: both, when both were typed.
                " — ".join(t for t in (c.data.get("need"), c.data.get("note")) if t),
                c.data.get("mediator_id"),
            )
        )
    for o in live_orients:
        partner = partner_names.get(o.data.get("partner_id", ""), "partenaire")
        entries.append(
            TimelineEntry(
                "orientation",
                o.id,
                o.data["date"],
                f"Orientation vers {partner}",
                orientation_detail(o.data),
            )
        )
    for f in live_follow:
        done = "faite" if f.data.get("done") else "à faire"
        entries.append(
            TimelineEntry(
                "followup", f.id, f.data["due_date"], f"Relance ({done})", f.data.get("what", "")
            )
        )
    if person.data.get("exit_type"):
        label = ExitType(person.data["exit_type"]).label
        when = person.data.get("exit_date") or (
            live_contacts[-1].data["occurred_at"] if live_contacts else ""
        )
        entries.append(TimelineEntry("exit", person.id, when, f"Sortie · {label}"))
    entries.sort(key=lambda e: (_day(e.when), e.when, e.kind), reverse=True)

    referents: list[str] = []
    spans: dict[str, tuple[str, str]] = {}
    for c in reversed(live_contacts):
        mid = c.data.get("mediator_id")
        if not mid:
            continue
        if mid not in referents:
            referents.append(mid)
        day = _day(c.data["occurred_at"])
        spans[mid] = (day, spans.get(mid, (day, day))[1])
    periods = tuple(
        ReferentPeriod(mid, spans[mid][0], None if i == 0 else spans[mid][1])
        for i, mid in enumerate(referents)
    )
    today_iso = (today or dt.date.today()).isoformat()
    open_followups = tuple(
        sorted(
            (
                TimelineEntry(
                    "followup",
                    f.id,
                    f.data["due_date"],
                    f.data.get("what", "Relance"),
                    "en retard" if f.data["due_date"] < today_iso else "",
                )
                for f in live_follow
                if not f.data.get("done")
            ),
            key=lambda e: e.when,
        )
    )
    noted = set(person.data.get("freins") or [])
    for c in live_contacts:
        noted.update(c.data.get("freins") or [])
    return Pathway(
        person_id=person.id,
        status=derive_status(person.data, len(live_contacts), [o.data for o in live_orients]),
        first_contact=live_contacts[0].data["occurred_at"] if live_contacts else None,
        last_contact=live_contacts[-1].data["occurred_at"] if live_contacts else None,
        contact_count=len(live_contacts),
        orientation_count=len(live_orients),
        referents=tuple(referents),
        referent_periods=periods,
        referent_id=person.data.get("referent_id") or (referents[0] if referents else None),
        referent_chosen=bool(person.data.get("referent_id")),
        timeline=tuple(entries),
        open_followups=open_followups,
        freins=tuple(f.value for f in Frein if f.value in noted),
    )
