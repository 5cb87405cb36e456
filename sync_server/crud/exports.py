"""The detailed contact export: one line per contact of the supervisor's own cité.

Personal data, so the columns are kept to what an activity check needs: no name, no
phone, no note, no free text. A person appears only by their pseudonymous id (so one
can count repeat contacts) and their age band; the mediator by display name (the
supervisor's own staff). The export is for the cité's own use, never for funders.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlmodel import Session

from domain.indicators import age_band_on, parse_day
from domain.periods import Period
from domain.vocabulary import (
    AgeBand,
    Channel,
    EventType,
    Frein,
    Gender,
    Labelled,
    ReviewState,
    TriState,
)
from sync_server.crud.indicators import cite_rows
from sync_server.sync.supervisor_ops import member_names

CONTACT_COLUMNS = [
    "contact_id",
    "date",
    "canal",
    "action_de_terrain",
    "qpv_action",
    "mediateur",
    "personne_id",
    "tranche_age",
    "genre",
    "residence_qpv",
    "freins",
    "etat_revue",
]


def _label(enum: type[Labelled], value: Any) -> str:
    """The value's label; a value the list does not know is written as it is."""
    return enum.label_of(value) or str(value or "")


def contacts_csv(session: Session, *, cite_id: str, period: Period) -> tuple[bytes, int]:
    """The CSV bytes and the number of contacts in it."""
    rows = cite_rows(session, cite_id=cite_id)
    events = {e["id"]: e for e in rows["event"]}
    persons = {p["id"]: p for p in rows["person"]}
    members = member_names(session, cite_id=cite_id)
    selected = sorted(
        (c for c in rows["contact"] if parse_day(c.get("occurred_at")) in period),
        key=lambda c: (str(c.get("occurred_at")), c["id"]),
    )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CONTACT_COLUMNS)
    for c in selected:
        event = events.get(c.get("event_id") or "", {})
        person = persons.get(c.get("person_id") or "")
        day = parse_day(c.get("occurred_at"))
        band = age_band_on(person, day or period.end) if person else c.get("age_band")
        writer.writerow(
            [
                c["id"],
                day.isoformat() if day else "",
                _label(Channel, c.get("channel")),
                _label(EventType, event.get("type")),
                event.get("qpv_code") or "",
                members.get(c.get("mediator_id") or "", ""),
                person["id"] if person else "",
                _label(AgeBand, band) if band != "unknown" else "",
                _label(Gender, (person or c).get("gender")),
                "Oui"
                if person and person.get("qpv_code")
                else _label(TriState, (person or c).get("qpv_resident")),
                ", ".join(_label(Frein, f) for f in c.get("freins") or []),
                _label(ReviewState, c.get("review_state")),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8"), len(selected)
