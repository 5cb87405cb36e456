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
    outcome = OrientationOutcome.of(orientation.get("outcome"))
    return outcome is not None and outcome.needs_action


def orientation_detail(data: dict[str, Any]) -> str:
    """« Rendez-vous pris · RDV le 12/12/2026 · Rendez-vous honoré · motif » : the
    status and what the partner structure answered, as the mediator reads it."""
    parts = [OrientationStatus(data["status"]).label]
    if data.get("appointment_date"):
        parts.append(f"RDV le {_french_day(str(data['appointment_date']))}")
    parts += [
        t
        for t in (
            DeclineReason.label_of(data.get("decline_reason")),
            OrientationOutcome.label_of(data.get("outcome")),
            data.get("reason"),
        )
        if t
    ]
    return " · ".join(parts)


@dataclass(frozen=True)
class _Live:
    """The rows still standing (tombstones left out), contacts and orientations by date."""

    contacts: list[Row]
    orientations: list[Row]
    followups: list[Row]


def _live(contacts: Iterable[Row], orientations: Iterable[Row], followups: Iterable[Row]) -> _Live:
    return _Live(
        contacts=sorted(
            (c for c in contacts if not c.deleted), key=lambda c: c.data["occurred_at"]
        ),
        orientations=sorted(
            (o for o in orientations if not o.deleted), key=lambda o: o.data["date"]
        ),
        followups=[f for f in followups if not f.deleted],
    )


def _contact_entry(contact: Row) -> TimelineEntry:
    data = contact.data
    channel = Channel(data["channel"]).label if data.get("channel") else "Contact"
    return TimelineEntry(
        "contact",
        contact.id,
        data["occurred_at"],
        f"Contact · {channel}",
        # The need expressed and the mediator's note: both, when both were typed.
        " — ".join(t for t in (data.get("need"), data.get("note")) if t),
        data.get("mediator_id"),
    )


def _orientation_entry(orientation: Row, partner_names: dict[str, str]) -> TimelineEntry:
    partner = partner_names.get(orientation.data.get("partner_id", ""), "partenaire")
    return TimelineEntry(
        "orientation",
        orientation.id,
        orientation.data["date"],
        f"Orientation vers {partner}",
        orientation_detail(orientation.data),
    )


def _followup_entry(followup: Row) -> TimelineEntry:
    done = "faite" if followup.data.get("done") else "à faire"
    return TimelineEntry(
        "followup",
        followup.id,
        followup.data["due_date"],
        f"Relance ({done})",
        followup.data.get("what", ""),
    )


def _exit_entry(person: Row, contacts: list[Row]) -> TimelineEntry:
    """The exit, dated by its own date, else by the last contact."""
    label = ExitType(person.data["exit_type"]).label
    last_contact = contacts[-1].data["occurred_at"] if contacts else ""
    when = person.data.get("exit_date") or last_contact
    return TimelineEntry("exit", person.id, when, f"Sortie · {label}")


def _timeline(person: Row, live: _Live, partner_names: dict[str, str]) -> tuple[TimelineEntry, ...]:
    """Everything that happened, most recent first."""
    entries = [_contact_entry(c) for c in live.contacts]
    entries += [_orientation_entry(o, partner_names) for o in live.orientations]
    entries += [_followup_entry(f) for f in live.followups]
    if person.data.get("exit_type"):
        entries.append(_exit_entry(person, live.contacts))
    entries.sort(key=lambda e: (_day(e.when), e.when, e.kind), reverse=True)
    return tuple(entries)


@dataclass(frozen=True)
class _Referents:
    ids: tuple[str, ...]
    """Mediators who logged contacts, most recent first."""
    periods: tuple[ReferentPeriod, ...]


def _referents(contacts: list[Row]) -> _Referents:
    """Each mediator's span, from their first contact to their last; the most recent
    one's is still open."""
    referents: list[str] = []
    spans: dict[str, tuple[str, str]] = {}
    for c in reversed(contacts):
        mid = c.data.get("mediator_id")
        if not mid:
            continue
        if mid not in referents:
            referents.append(mid)
        day = _day(c.data["occurred_at"])
        spans[mid] = (day, spans.get(mid, (day, day))[1])
    return _Referents(
        ids=tuple(referents),
        periods=tuple(
            ReferentPeriod(mid, spans[mid][0], None if i == 0 else spans[mid][1])
            for i, mid in enumerate(referents)
        ),
    )


def _open_followups(followups: list[Row], today: dt.date) -> tuple[TimelineEntry, ...]:
    """The relances still to do, soonest first, those past due marked late."""
    today_iso = today.isoformat()
    entries = (
        TimelineEntry(
            "followup",
            f.id,
            f.data["due_date"],
            f.data.get("what", "Relance"),
            "en retard" if f.data["due_date"] < today_iso else "",
        )
        for f in followups
        if not f.data.get("done")
    )
    return tuple(sorted(entries, key=lambda e: e.when))


def _freins(person: Row, contacts: list[Row]) -> tuple[str, ...]:
    noted = set(person.data.get("freins") or [])
    for c in contacts:
        noted.update(c.data.get("freins") or [])
    return tuple(f.value for f in Frein if f.value in noted)


def assemble(
    person: Row,
    contacts: Iterable[Row],
    orientations: Iterable[Row],
    followups: Iterable[Row],
    *,
    partner_names: dict[str, str] | None = None,
    today: dt.date | None = None,
) -> Pathway:
    live = _live(contacts, orientations, followups)
    referents = _referents(live.contacts)
    chosen = person.data.get("referent_id")
    return Pathway(
        person_id=person.id,
        status=derive_status(person.data, len(live.contacts), [o.data for o in live.orientations]),
        first_contact=live.contacts[0].data["occurred_at"] if live.contacts else None,
        last_contact=live.contacts[-1].data["occurred_at"] if live.contacts else None,
        contact_count=len(live.contacts),
        orientation_count=len(live.orientations),
        referents=referents.ids,
        referent_periods=referents.periods,
        referent_id=chosen or (referents.ids[0] if referents.ids else None),
        referent_chosen=bool(chosen),
        timeline=_timeline(person, live, partner_names or {}),
        open_followups=_open_followups(live.followups, today or dt.date.today()),
        freins=_freins(person, live.contacts),
    )
