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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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


def _of_action(event: Row | None, field: str) -> str:
    """A contact's action type or axe: its action de terrain's, or "hors action"."""
    if event is None:
        return NO_ACTION
    return str(event.get(field) or UNKNOWN)


@dataclass(frozen=True)
class _Scope:
    """What the indicators may count: merge groups resolved, and the QPV filter."""

    qpv: str | None
    person_by_id: Mapping[str, Row]
    canonical: Mapping[str, str]
    event_by_id: Mapping[str, Row]

    def person_of(self, row: Row) -> str | None:
        """The person a row is about, as its merge group is kept."""
        pid = row.get("person_id")
        return self.canonical.get(pid, pid) if pid else None

    def event_of(self, contact: Row) -> Row | None:
        return self.event_by_id.get(contact.get("event_id") or "")

    def event_in_scope(self, event: Row) -> bool:
        return self.qpv is None or event.get("qpv_code") == self.qpv

    def contact_in_scope(self, contact: Row) -> bool:
        if self.qpv is None:
            return True
        person = self.person_by_id.get(self.person_of(contact) or "")
        return any(
            r is not None and r.get("qpv_code") == self.qpv
            for r in (self.event_of(contact), person)
        )


def _scope(events: Sequence[Row], persons: Sequence[Row], qpv: str | None) -> _Scope:
    person_by_id = {p["id"]: p for p in persons}
    return _Scope(
        qpv=qpv,
        person_by_id=person_by_id,
        canonical=_canonical(person_by_id),
        event_by_id={e["id"]: e for e in events},
    )


@dataclass(frozen=True)
class _History:
    """Every person's contact and orientation days, whatever the period: what "first"
    and "at least two" are judged on."""

    contact_days: Mapping[str, list[dt.date]]
    orientation_days: Mapping[str, list[dt.date]]
    first_contact: Mapping[str, dt.date]

    def followed_by(self, pid: str, end: dt.date) -> bool:
        """At least two contacts or one orientation by `end`."""
        return sum(d <= end for d in self.contact_days.get(pid, [])) >= 2 or any(
            d <= end for d in self.orientation_days.get(pid, [])
        )


def _history(
    scope: _Scope, dated: Sequence[tuple[Row, dt.date]], orientations: Sequence[Row]
) -> _History:
    contact_days: dict[str, list[dt.date]] = {}
    for c, d in dated:
        if (pid := scope.person_of(c)) is not None:
            contact_days.setdefault(pid, []).append(d)
    orientation_days: dict[str, list[dt.date]] = {}
    for o in orientations:
        pid, day = scope.person_of(o), parse_day(o.get("date"))
        if pid is not None and day is not None:
            orientation_days.setdefault(pid, []).append(day)
    first_contact = {pid: min(days) for pid, days in contact_days.items()}
    return _History(contact_days, orientation_days, first_contact)


@dataclass(frozen=True)
class _Activity:
    """What happened in the period and in scope."""

    contact_days: list[tuple[Row, dt.date]]
    """The period's contacts, each with its day."""
    events: list[Row]
    orientations: list[Row]
    met: frozenset[str]
    """Persons with a contact in the period."""
    anonymous: list[Row]
    """The period's contacts without a person: each stands for one person."""

    @property
    def contacts(self) -> list[Row]:
        return [c for c, _ in self.contact_days]


def _in_scope(scope: _Scope, met: frozenset[str], pid: str) -> bool:
    """A person counts under the QPV filter when they live in it or were met in it."""
    person = scope.person_by_id.get(pid, {})
    return scope.qpv is None or person.get("qpv_code") == scope.qpv or pid in met


def _activity(
    scope: _Scope,
    period: Period,
    dated: Sequence[tuple[Row, dt.date]],
    events: Sequence[Row],
    orientations: Sequence[Row],
) -> _Activity:
    contact_days = [(c, d) for c, d in dated if d in period and scope.contact_in_scope(c)]
    met = frozenset(pid for c, _ in contact_days if (pid := scope.person_of(c)) is not None)
    return _Activity(
        contact_days=contact_days,
        events=[
            e for e in events if parse_day(e.get("starts_at")) in period and scope.event_in_scope(e)
        ],
        orientations=[
            o
            for o in orientations
            if parse_day(o.get("date")) in period
            and (pid := scope.person_of(o))
            and _in_scope(scope, met, pid)
        ],
        met=met,
        anonymous=[c for c, _ in contact_days if scope.person_of(c) is None],
    )


@dataclass(frozen=True)
class _Persons:
    spotted: int
    followed: int
    exit_types: list[str]
    delays: list[int]
    """Days from first contact to first orientation, for first orientations in the period."""


def _persons(scope: _Scope, period: Period, history: _History, activity: _Activity) -> _Persons:
    active = activity.met | {pid for o in activity.orientations if (pid := scope.person_of(o))}
    spotted = {
        pid
        for c, d in activity.contact_days
        if (pid := scope.person_of(c)) is not None and history.first_contact.get(pid) == d
    }
    exited = [
        p
        for pid, p in scope.person_by_id.items()
        if scope.canonical[pid] == pid
        and _in_scope(scope, activity.met, pid)
        and parse_day(p.get("exit_date")) in period
        and p.get("exit_type")
    ]
    delays = [
        max(0, (first - first_contact).days)
        for pid, days in history.orientation_days.items()
        if (first := min(days)) in period
        and (first_contact := history.first_contact.get(pid)) is not None
        and _in_scope(scope, activity.met, pid)
    ]
    return _Persons(
        spotted=len(spotted),
        followed=sum(history.followed_by(pid, period.end) for pid in active),
        exit_types=[str(p["exit_type"]) for p in exited],
        delays=delays,
    )


def _frein_people(scope: _Scope, activity: _Activity) -> Counter[str]:
    """For each frein, how many people it concerns: a person's own freins and those of
    their contacts in the period, counted once per person; each anonymous contact's."""
    people: Counter[str] = Counter()
    freins_of: dict[str, set[str]] = {
        pid: set(scope.person_by_id.get(pid, {}).get("freins") or []) for pid in activity.met
    }
    for c in activity.contacts:
        pid = scope.person_of(c)
        if pid in freins_of:
            freins_of[pid] |= set(c.get("freins") or [])
    for freins in freins_of.values():
        people.update(freins)
    for c in activity.anonymous:
        people.update(set(c.get("freins") or []))
    return people


@dataclass(frozen=True)
class _Publics:
    """The people met, counted once each, by who they are."""

    age_bands: list[Count]
    genders: list[Count]
    qpv_residence: list[Count]
    single_parent: list[Count]
    ft_registration: list[Count]


def _publics(scope: _Scope, activity: _Activity, on: dt.date) -> _Publics:
    persons = [scope.person_by_id.get(pid, {}) for pid in sorted(activity.met)]
    anonymous = activity.anonymous

    def counts(
        of_person: Callable[[Row], str], of_anonymous: Callable[[Row], str], enum: type[Labelled]
    ) -> list[Count]:
        return _counts([of_person(p) for p in persons] + [of_anonymous(c) for c in anonymous], enum)

    return _Publics(
        age_bands=counts(lambda p: age_band_on(p, on), _field("age_band"), AgeBand),
        genders=counts(_field("gender"), _field("gender"), Gender),
        qpv_residence=counts(person_qpv_answer, _field("qpv_resident"), TriState),
        single_parent=counts(_single_parent, _unknown, TriState),
        ft_registration=counts(_field("ft_registration"), _unknown, TriState),
    )


def _field(name: str) -> Callable[[Row], str]:
    return lambda row: str(row.get(name) or UNKNOWN)


def _unknown(_row: Row) -> str:
    return UNKNOWN


@dataclass(frozen=True)
class _Answers:
    """How partners answered the period's orientations."""

    answered: int
    by_outcome: list[Count]
    appointment_delays: list[int]
    attended: int


def _answers(orientations: Sequence[Row]) -> _Answers:
    return _Answers(
        answered=sum(_answered(o) for o in orientations),
        by_outcome=_counts((o.get("outcome") or UNKNOWN for o in orientations), OrientationOutcome),
        appointment_delays=[
            max(0, (a - d).days)
            for o in orientations
            if (a := parse_day(o.get("appointment_date"))) is not None
            and (d := parse_day(o.get("date"))) is not None
        ],
        attended=sum(_attended(o) for o in orientations),
    )


def _weeks(period: Period, activity: _Activity) -> list[WeekActivity]:
    contacts = Counter(_monday(d) for _, d in activity.contact_days)
    actions = Counter(_monday(parse_day(e.get("starts_at"))) for e in activity.events)
    return [WeekActivity(w, contacts.get(w, 0), actions.get(w, 0)) for w in week_starts(period)]


def _by_action(
    scope: _Scope, contacts: Sequence[Row], field: str, enum: type[Labelled]
) -> list[Count]:
    """The period's contacts under the action de terrain each was logged in."""
    keys = (_of_action(scope.event_of(c), field) for c in contacts)
    return _counts(keys, enum, {NO_ACTION: NO_ACTION_LABEL})


def _values(rows: Iterable[Row], field: str) -> Iterator[str]:
    return (str(r.get(field) or UNKNOWN) for r in rows)


def _median(values: Sequence[int]) -> float | None:
    return float(statistics.median(values)) if values else None


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
    scope = _scope(events, persons, qpv)
    dated = [(c, d) for c in contacts if (d := parse_day(c.get("occurred_at"))) is not None]
    history = _history(scope, dated, orientations)
    activity = _activity(scope, period, dated, events, orientations)
    people = _persons(scope, period, history, activity)
    publics = _publics(scope, activity, period.end)
    answers = _answers(activity.orientations)
    freins = _frein_people(scope, activity)
    return Indicators(
        period=period,
        qpv=qpv,
        actions=len(activity.events),
        actions_by_type=_counts(_values(activity.events, "type"), EventType),
        actions_by_axis=_counts(_values(activity.events, "axis"), Axis),
        contacts_by_action_type=_by_action(scope, activity.contacts, "type", EventType),
        contacts_by_axis=_by_action(scope, activity.contacts, "axis", Axis),
        contacts=len(activity.contact_days),
        anonymous_contacts=len(activity.anonymous),
        persons_spotted=people.spotted,
        persons_followed=people.followed,
        people_met=len(activity.met) + len(activity.anonymous),
        orientations=len(activity.orientations),
        orientations_by_partner=_counts(
            _values(activity.orientations, "partner_id"), None, partner_names
        ),
        orientations_by_status=_counts(_values(activity.orientations, "status"), OrientationStatus),
        freins=[c for c in _counts(freins.elements(), Frein) if c.key != UNKNOWN],
        exits=len(people.exit_types),
        positive_exits=sum(_positive(t) for t in people.exit_types),
        exits_by_type=_counts(people.exit_types, ExitType),
        age_bands=publics.age_bands,
        genders=publics.genders,
        qpv_residence=publics.qpv_residence,
        single_parent=publics.single_parent,
        ft_registration=publics.ft_registration,
        delay_persons=len(people.delays),
        delay_median_days=_median(people.delays),
        delay_mean_days=round(statistics.fmean(people.delays), 1) if people.delays else None,
        weeks=_weeks(period, activity),
        orientations_answered=answers.answered,
        orientations_by_outcome=answers.by_outcome,
        appointment_delay_orientations=len(answers.appointment_delays),
        appointment_delay_median_days=_median(answers.appointment_delays),
        appointments_attended=answers.attended,
    )


def _answered(orientation: Row) -> bool:
    status = orientation.get("status")
    return bool(orientation.get("feedback_date")) or (
        status is not None and status != OrientationStatus.PROPOSED.value
    )


def _attended(orientation: Row) -> bool:
    if orientation.get("status") == OrientationStatus.ATTENDED.value:
        return True
    outcome = OrientationOutcome.of(orientation.get("outcome"))
    return outcome is not None and outcome.attended


def _monday(day: dt.date | None) -> dt.date | None:
    return None if day is None else day - dt.timedelta(days=day.weekday())


def _positive(exit_type: str) -> bool:
    member = ExitType.of(exit_type)
    return member is not None and member.positive


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
