"""Actions de terrain: when one runs, when it ended, and the checks on its times.

A mediator runs several actions a day (a pied d'immeuble in the morning, a permanence
in the afternoon): a contact belongs to the action running when it was logged, and an
action ends either when the mediator says so (« Terminer l'action ») or when the next
one starts. An action logged after the fact carries its real times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

ALREADY_ENDED = "Cette action est déjà terminée."
START_IN_FUTURE = (
    "Le début est dans le futur : une action passée se saisit une fois faite "
    "(vérifiez la date et l'heure)."
)
END_IN_FUTURE = "La fin est dans le futur : saisissez l'action une fois terminée."
END_BEFORE_START = "La fin de l'action est avant son début."
BAD_TIME = "Heure invalide : saisissez-la en HH:MM, par exemple 14:30."
BAD_DAY = "Date invalide : saisissez-la en JJ/MM/AAAA, par exemple 05/12/2026."


def _moment(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def is_running(event: Mapping[str, Any]) -> bool:
    """The action has not ended yet (nor been withdrawn)."""
    return not event.get("ends_at") and not event.get("deleted")


def check_end(event: Mapping[str, Any], ends_at: dt.datetime) -> str | None:
    """Why the action cannot end at `ends_at`, in French; None if it can."""
    if event.get("ends_at"):
        return ALREADY_ENDED
    start = _moment(event.get("starts_at"))
    if start is not None and ends_at < start:
        return END_BEFORE_START
    return None


def check_times(
    starts_at: dt.datetime, ends_at: dt.datetime | None, now: dt.datetime
) -> str | None:
    """Why an action logged after the fact (or corrected) cannot have these times."""
    if starts_at > now:
        return START_IN_FUTURE
    if ends_at is not None:
        if ends_at < starts_at:
            return END_BEFORE_START
        if ends_at > now:
            return END_IN_FUTURE
    return None


def parse_time(text: str) -> dt.time | None:
    """A time typed as HH:MM (or 14h30, 14h); None if it is not one."""
    text = text.strip().lower().replace("h", ":")
    if text.endswith(":"):
        text += "00"
    try:
        hours, minutes = (int(part) for part in text.split(":"))
    except ValueError:
        return None
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        return None
    return dt.time(hours, minutes)


def local_moment(day: dt.date, time: dt.time) -> dt.datetime:
    """The day and time as the phone's clock reads them, with its UTC offset."""
    return dt.datetime.combine(day, time).astimezone()


def contact_event(
    events: Sequence[Mapping[str, Any]], occurred_at: dt.datetime
) -> Mapping[str, Any] | None:
    """The action a contact logged at `occurred_at` belongs to: the latest one that
    started at or before it and had not ended by then (None: outside any action)."""
    best: Mapping[str, Any] | None = None
    best_start: dt.datetime | None = None
    for event in events:
        start = _moment(event.get("starts_at"))
        if start is None or start > occurred_at or event.get("deleted"):
            continue
        end = _moment(event.get("ends_at"))
        if end is not None and end < occurred_at:
            continue
        if best_start is None or start > best_start:
            best, best_start = event, start
    return best
