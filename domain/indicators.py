"""Activity indicators of a cité for a period (docs/architecture.md §5), computed from plain rows.

Rows are the synced records' field values (`data`) with their `id`, tombstones already
left out. Definitions (what a funder reads in the report):

- a contact counts in the period when its day (`occurred_at`) falls in it; with a QPV
  filter, when its action de terrain or its person belongs to that QPV;
- "personnes repérées": persons whose very first contact (ever) is in the period and in scope;
- "personnes suivies": persons met in the period (a contact or an orientation) who have,
  by the end of the period, at least two contacts or one orientation;
- "publics" breakdowns count the people met in the period once each: every identified
  person, plus every anonymous contact (an anonymous contact stands for one person);
- QPV residence of a person: "oui" when their QPV is recorded, else their answer
  (oui / non / ne sait pas), else "non renseigné";
- freins: for each frein, how many of those people it concerns (a person may have several);
- contacts by action type / axe: each contact under the action de terrain it was
  logged in (its `event_id`), "hors action de terrain" when none;
- delay: days from a person's first contact to their first orientation, for persons whose
  first orientation is in the period (never negative);
- partners' answers, over the period's orientations: "answered" when the partner (or the
  mediator for them) moved it past « Proposée » or dated a reply; the appointment delay
  is from the orientation's date to the appointment's, for those with one; « rendez-vous
  honorés » are those whose outcome says the person came (or whose status is
  « Honorée »).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain.periods import Period, week_starts
from domain.person_groups import root_of
from domain.vocabulary import (
    AgeBand,
    Axis,
    EventType,
    ExitType,
    FamilySituation,
    Frein,
    Gender,
    Labelled,
    OrientationOutcome,
    OrientationStatus,
    TriState,
    age_band_for,
)

Row = Mapping[str, Any]
UNKNOWN = "unknown"
UNKNOWN_LABEL = "Non renseigné"
NO_ACTION = "none"
NO_ACTION_LABEL = "Hors action de terrain"


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    value: int


@dataclass(frozen=True)
class WeekActivity:
    week_start: dt.date
    contacts: int
    actions: int


@dataclass(frozen=True)
class Indicators:
    period: Period
    qpv: str | None
    actions: int
    actions_by_type: list[Count]
    actions_by_axis: list[Count]
    contacts_by_action_type: list[Count]
    """Contacts of the period under the type of the action each was logged in."""
    contacts_by_axis: list[Count]
    contacts: int
    anonymous_contacts: int
    persons_spotted: int
    persons_followed: int
    people_met: int
    orientations: int
    orientations_by_partner: list[Count]
    orientations_by_status: list[Count]
    freins: list[Count]
    exits: int
    positive_exits: int
    exits_by_type: list[Count]
    age_bands: list[Count]
    genders: list[Count]
    qpv_residence: list[Count]
    single_parent: list[Count]
    ft_registration: list[Count]
    delay_persons: int
    delay_median_days: float | None
    delay_mean_days: float | None
    weeks: list[WeekActivity]
    orientations_answered: int = 0
    orientations_by_outcome: list[Count] | None = None
    appointment_delay_orientations: int = 0
    appointment_delay_median_days: float | None = None
    appointments_attended: int = 0


def parse_day(value: Any) -> dt.date | None:
    if not value:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    return dt.datetime.fromisoformat(text).date() if "T" in text else dt.date.fromisoformat(text)


def _counts(
    values: Iterable[str], enum: type[Labelled] | None, labels: Mapping[str, str] | None = None
) -> list[Count]:
    """Counts per key, every enum member listed (even at 0) in declaration order."""
    tally = Counter(values)
    keys = [m.value for m in enum] if enum else []
    keys += sorted(k for k in tally if k not in keys)
    names = dict(labels or {})
    if enum:
        names.update({m.value: m.label for m in enum})
    names.setdefault(UNKNOWN, UNKNOWN_LABEL)
    return [Count(k, names.get(k, k), tally.get(k, 0)) for k in keys]


def age_band_on(person: Row, on: dt.date) -> str:
    birth = parse_day(person.get("birth_date"))
    if birth is not None:
        age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
        return age_band_for(age).value
    if person.get("declared_age") is not None:
        return age_band_for(int(person["declared_age"])).value
    return UNKNOWN


def _canonical(persons: Mapping[str, Row]) -> dict[str, str]:
    """Each person id → the person its merge group is kept under (`person_groups`)."""
    merged_into = {pid: p.get("merged_into") for pid, p in persons.items()}
    return {pid: root_of(merged_into, pid) for pid in persons}


def _frein_people(
    met: set[str],
    anonymous: Sequence[Row],
    in_period: Sequence[Row],
    person_by_id: Mapping[str, Row],
    person_of: Callable[[Row], str | None],
) -> Counter[str]:
    """For each frein, how many people it concerns: a person's own freins and those of
    their contacts in the period, counted once per person; each anonymous contact's."""
    people: Counter[str] = Counter()
    freins_of: dict[str, set[str]] = {
        pid: set(person_by_id.get(pid, {}).get("freins") or []) for pid in met
    }
    for c in in_period:
        pid = person_of(c)
        if pid in freins_of:
            freins_of[pid] |= set(c.get("freins") or [])
    for freins in freins_of.values():
        people.update(freins)
    for c in anonymous:
        people.update(set(c.get("freins") or []))
    return people


def _of_action(event: Row | None, field: str) -> str:
    """A contact's action type or axe: its action de terrain's, or "hors action"."""
    if event is None:
        return NO_ACTION
    return str(event.get(field) or UNKNOWN)


def compute_indicators(
    *,
    period: Period,
    events: Sequence[Row],
    persons: Sequence[Row],
    contacts: Sequence[Row],
    orientations: Sequence[Row],
    partner_names: Mapping[str, str],
    qpv: str | None = None,
) -> Indicators:
    person_by_id = {p["id"]: p for p in persons}
    canonical = _canonical(person_by_id)
    event_by_id = {e["id"]: e for e in events}

    def person_of(row: Row) -> str | None:
        pid = row.get("person_id")
        return canonical.get(pid, pid) if pid else None

    def contact_in_scope(c: Row) -> bool:
        if qpv is None:
            return True
        event = event_by_id.get(c.get("event_id") or "")
        person = person_by_id.get(person_of(c) or "")
        return any(r is not None and r.get("qpv_code") == qpv for r in (event, person))

    dated = [(c, d) for c in contacts if (d := parse_day(c.get("occurred_at"))) is not None]
    scoped = [(c, d) for c, d in dated if contact_in_scope(c)]
    in_period = [c for c, d in scoped if d in period]
    period_events = [
        e
        for e in events
        if parse_day(e.get("starts_at")) in period and (qpv is None or e.get("qpv_code") == qpv)
    ]

    # Every person's contact days and orientations, whatever the period (for "first" and "≥ 2").
    contact_days: dict[str, list[dt.date]] = {}
    for c, d in dated:
        if (pid := person_of(c)) is not None:
            contact_days.setdefault(pid, []).append(d)
    orientation_days: dict[str, list[dt.date]] = {}
    for o in orientations:
        if (pid := person_of(o)) is not None and (d := parse_day(o.get("date"))) is not None:
            orientation_days.setdefault(pid, []).append(d)

    met = {pid for c in in_period if (pid := person_of(c)) is not None}

    def person_in_scope(pid: str) -> bool:
        p = person_by_id.get(pid, {})
        return qpv is None or p.get("qpv_code") == qpv or pid in met

    period_orientations = [
        o
        for o in orientations
        if parse_day(o.get("date")) in period and (pid := person_of(o)) and person_in_scope(pid)
    ]
    active = met | {pid for o in period_orientations if (pid := person_of(o))}
    followed = {
        pid
        for pid in active
        if sum(d <= period.end for d in contact_days.get(pid, [])) >= 2
        or any(d <= period.end for d in orientation_days.get(pid, []))
    }
    first_contact = {pid: min(days) for pid, days in contact_days.items()}
    spotted = {
        pid
        for c, d in scoped
        if (pid := person_of(c)) is not None and d in period and first_contact[pid] == d
    }

    exited = [
        person_by_id[pid]
        for pid in person_by_id
        if canonical[pid] == pid
        and person_in_scope(pid)
        and parse_day(person_by_id[pid].get("exit_date")) in period
        and person_by_id[pid].get("exit_type")
    ]
    exit_types = [str(p["exit_type"]) for p in exited]

    anonymous = [c for c in in_period if person_of(c) is None]
    met_persons = [person_by_id.get(pid, {}) for pid in sorted(met)]
    frein_people = _frein_people(met, anonymous, in_period, person_by_id, person_of)
    delays = [
        max(0, (first - first_contact[pid]).days)
        for pid, days in orientation_days.items()
        if (first := min(days)) in period and pid in first_contact and person_in_scope(pid)
    ]

    answered = [o for o in period_orientations if _answered(o)]
    appointment_delays = [
        max(0, (a - d).days)
        for o in period_orientations
        if (a := parse_day(o.get("appointment_date"))) is not None
        and (d := parse_day(o.get("date"))) is not None
    ]

    def of_action(c: Row, field: str) -> str:
        return _of_action(event_by_id.get(c.get("event_id") or ""), field)

    weeks = week_starts(period)
    contacts_per_week = Counter(_monday(d) for c, d in scoped if d in period)
    actions_per_week = Counter(_monday(parse_day(e.get("starts_at"))) for e in period_events)

    return Indicators(
        period=period,
        qpv=qpv,
        actions=len(period_events),
        actions_by_type=_counts((e.get("type") or UNKNOWN for e in period_events), EventType),
        actions_by_axis=_counts((e.get("axis") or UNKNOWN for e in period_events), Axis),
        contacts_by_action_type=_counts(
            (of_action(c, "type") for c in in_period), EventType, {NO_ACTION: NO_ACTION_LABEL}
        ),
        contacts_by_axis=_counts(
            (of_action(c, "axis") for c in in_period), Axis, {NO_ACTION: NO_ACTION_LABEL}
        ),
        contacts=len(in_period),
        anonymous_contacts=len(anonymous),
        persons_spotted=len(spotted),
        persons_followed=len(followed),
        people_met=len(met) + len(anonymous),
        orientations=len(period_orientations),
        orientations_by_partner=_counts(
            (o.get("partner_id") or UNKNOWN for o in period_orientations), None, partner_names
        ),
        orientations_by_status=_counts(
            (o.get("status") or UNKNOWN for o in period_orientations), OrientationStatus
        ),
        freins=[c for c in _counts(frein_people.elements(), Frein) if c.key != UNKNOWN],
        exits=len(exited),
        positive_exits=sum(_positive(t) for t in exit_types),
        exits_by_type=_counts(exit_types, ExitType),
        age_bands=_counts(
            [age_band_on(p, period.end) for p in met_persons]
            + [c.get("age_band") or UNKNOWN for c in anonymous],
            AgeBand,
        ),
        genders=_counts(
            [p.get("gender") or UNKNOWN for p in met_persons]
            + [c.get("gender") or UNKNOWN for c in anonymous],
            Gender,
        ),
        qpv_residence=_counts(
            [person_qpv_answer(p) for p in met_persons]
            + [c.get("qpv_resident") or UNKNOWN for c in anonymous],
            TriState,
        ),
        single_parent=_counts(
            [_single_parent(p) for p in met_persons] + [UNKNOWN for _ in anonymous], TriState
        ),
        ft_registration=_counts(
            [p.get("ft_registration") or UNKNOWN for p in met_persons]
            + [UNKNOWN for _ in anonymous],
            TriState,
        ),
        delay_persons=len(delays),
        delay_median_days=float(statistics.median(delays)) if delays else None,
        delay_mean_days=round(statistics.fmean(delays), 1) if delays else None,
        weeks=[
            WeekActivity(w, contacts_per_week.get(w, 0), actions_per_week.get(w, 0)) for w in weeks
        ],
        orientations_answered=len(answered),
        orientations_by_outcome=_counts(
            (o.get("outcome") or UNKNOWN for o in period_orientations), OrientationOutcome
        ),
        appointment_delay_orientations=len(appointment_delays),
        appointment_delay_median_days=float(statistics.median(appointment_delays))
        if appointment_delays
        else None,
        appointments_attended=sum(_attended(o) for o in period_orientations),
    )


def _answered(orientation: Row) -> bool:
    status = orientation.get("status")
    return bool(orientation.get("feedback_date")) or (
        status is not None and status != OrientationStatus.PROPOSED.value
    )


def _attended(orientation: Row) -> bool:
    if orientation.get("status") == OrientationStatus.ATTENDED.value:
        return True
    try:
        return OrientationOutcome(orientation.get("outcome") or "").attended
    except ValueError:
        return False


def _monday(day: dt.date | None) -> dt.date | None:
    return None if day is None else day - dt.timedelta(days=day.weekday())


def _positive(exit_type: str) -> bool:
    try:
        return ExitType(exit_type).positive
    except ValueError:
        return False


_TRI_STATES = frozenset(t.value for t in TriState)


def person_qpv_answer(person: Row) -> str:
    """Does the person live in a QPV: "yes" when their QPV is known (the QPV filter
    counts them in it), else what they answered (`qpv_resident`), else unknown."""
    if person.get("qpv_code"):
        return TriState.YES.value
    answer = person.get("qpv_resident")
    return answer if answer in _TRI_STATES else UNKNOWN


def _single_parent(person: Row) -> str:
    situation = person.get("family_situation")
    if not situation or situation == FamilySituation.UNKNOWN.value:
        return UNKNOWN
    return TriState.YES.value if situation == FamilySituation.SINGLE_PARENT.value else "no"
