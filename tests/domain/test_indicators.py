"""Indicators on a small hand-made cité, expectations worked out by hand in comments."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from domain.disclosure import DELAY_SUPPRESSED, SUPPRESSED, protect_table
from domain.indicators import Indicators, compute_indicators, person_qpv_answer
from domain.periods import Period, quarter_of, recent_quarters
from domain.report import report_tables

Q1 = Period(dt.date(2025, 1, 1), dt.date(2025, 3, 31))
QPV_A, QPV_B = "QN0600001", "QN0600002"
FT, ML = "p-ft", "p-ml"


def _fixture() -> dict[str, Any]:
    events = [
        {
            "id": "e1",
            "type": "foot_of_building",
            "axis": "reach_out",
            "qpv_code": QPV_A,
            "starts_at": "2025-01-06T14:00:00+01:00",
        },
        {
            "id": "e2",
            "type": "forum",
            "axis": "identify",
            "qpv_code": QPV_B,
            "starts_at": "2025-02-12T09:00:00+01:00",
        },
        {"id": "e0", "type": "forum", "qpv_code": QPV_A, "starts_at": "2024-12-10T09:00:00+01:00"},
    ]
    persons = [
        # Léa: 22 at the end of Q1, single parent, lives in QPV A, first met in December.
        {
            "id": "lea",
            "first_name": "Léa",
            "birth_date": "2002-05-01",
            "gender": "f",
            "qpv_code": QPV_A,
            "family_situation": "single_parent",
            "ft_registration": "yes",
            "freins": ["mobility"],
            "exit_type": "cdi",
            "exit_date": "2025-03-20",
        },
        # Omar: declared 40, first met in January.
        {
            "id": "omar",
            "first_name": "Omar",
            "declared_age": 40,
            "gender": "m",
            "family_situation": "couple",
            "ft_registration": "no",
        },
        # A duplicate of Omar, merged into him: its contacts are Omar's.
        {"id": "omar-dup", "first_name": "Omar", "merged_into": "omar"},
        # Rose: 55 (born 1969-06-30), no contact in Q1, exits negatively in Q1.
        {
            "id": "rose",
            "first_name": "Rose",
            "birth_date": "1969-06-30",
            "gender": "f",
            "qpv_code": QPV_B,
            "exit_type": "lost_contact",
            "exit_date": "2025-02-01",
        },
    ]
    contacts = [
        {
            "id": "c0",
            "person_id": "lea",
            "event_id": "e0",
            "occurred_at": "2024-12-10T10:00:00+01:00",
        },
        {
            "id": "c1",
            "person_id": "lea",
            "event_id": "e1",
            "occurred_at": "2025-01-06T14:30:00+01:00",
            "freins": ["childcare"],
        },
        {
            "id": "c2",
            "person_id": "omar-dup",
            "event_id": "e1",
            "occurred_at": "2025-01-06T15:00:00+01:00",
            "freins": ["mobility"],
        },
        {
            "id": "c3",
            "event_id": "e1",
            "occurred_at": "2025-01-07T10:00:00+01:00",
            "age_band": "under_26",
            "gender": "m",
            "qpv_resident": "yes",
            "freins": ["mobility"],
        },
        {
            "id": "c4",
            "event_id": "e2",
            "occurred_at": "2025-02-12T10:00:00+01:00",
            "age_band": "50_plus",
            "gender": "f",
            "qpv_resident": "no",
        },
        {"id": "c5", "person_id": "omar", "occurred_at": "2025-04-02T10:00:00+02:00"},
    ]
    orientations = [
        # Léa: first contact 2024-12-10, first orientation 2025-01-20 → 41 days.
        {
            "id": "o1",
            "person_id": "lea",
            "partner_id": FT,
            "status": "attended",
            "date": "2025-01-20",
        },
        # Omar: first contact 2025-01-06, first orientation 2025-03-01 → 54 days.
        {
            "id": "o2",
            "person_id": "omar",
            "partner_id": ML,
            "status": "proposed",
            "date": "2025-03-01",
        },
    ]
    return {
        "events": events,
        "persons": persons,
        "contacts": contacts,
        "orientations": orientations,
        "partner_names": {FT: "France Travail", ML: "Mission Locale"},
    }


def _compute(qpv: str | None = None, period: Period = Q1) -> Indicators:
    return compute_indicators(period=period, qpv=qpv, **_fixture())


def _by_key(counts: list[Any]) -> dict[str, int]:
    return {c.key: c.value for c in counts if c.value}


def test_counts_for_the_quarter() -> None:
    ind = _compute()
    assert ind.actions == 2  # e1, e2 (e0 is in December)
    assert _by_key(ind.actions_by_type) == {"foot_of_building": 1, "forum": 1}
    assert _by_key(ind.actions_by_axis) == {"reach_out": 1, "identify": 1}
    assert ind.contacts == 4  # c1..c4
    assert ind.anonymous_contacts == 2  # c3, c4
    assert ind.persons_spotted == 1  # Omar (Léa was first met in December)
    assert ind.persons_followed == 2  # Léa (2 contacts + orientation), Omar (orientation)
    assert ind.people_met == 4  # Léa, Omar, two anonymous contacts
    assert ind.orientations == 2
    assert _by_key(ind.orientations_by_partner) == {FT: 1, ML: 1}
    assert [c.label for c in ind.orientations_by_partner] == ["France Travail", "Mission Locale"]
    assert _by_key(ind.orientations_by_status) == {"attended": 1, "proposed": 1}
    # mobility: Léa (person), Omar (contact c2), c3; childcare: Léa (c1).
    assert _by_key(ind.freins) == {"mobility": 3, "childcare": 1}
    assert (ind.exits, ind.positive_exits) == (2, 1)  # Léa CDI, Rose lost contact


def test_publics_breakdowns() -> None:
    ind = _compute()
    assert _by_key(ind.age_bands) == {"under_26": 2, "26_49": 1, "50_plus": 1}
    assert _by_key(ind.genders) == {"f": 2, "m": 2}
    # Léa lives in a QPV; Omar has no QPV recorded; c3 yes, c4 no.
    assert _by_key(ind.qpv_residence) == {"yes": 2, "no": 1, "unknown": 1}
    assert _by_key(ind.single_parent) == {"yes": 1, "no": 1, "unknown": 2}
    assert _by_key(ind.ft_registration) == {"yes": 1, "no": 1, "unknown": 2}


def test_a_person_who_answered_no_counts_as_living_outside_a_qpv() -> None:
    data = _fixture()
    omar = next(p for p in data["persons"] if p["id"] == "omar")
    omar["qpv_resident"] = "no"
    ind = compute_indicators(period=Q1, **data)
    # Léa (her QPV) and c3 yes; Omar answered no, and so did c4.
    assert _by_key(ind.qpv_residence) == {"yes": 2, "no": 2}


@pytest.mark.parametrize(
    ("person", "answer"),
    [
        ({"qpv_code": QPV_A}, "yes"),
        ({"qpv_code": QPV_A, "qpv_resident": "yes"}, "yes"),
        ({"qpv_resident": "yes"}, "yes"),  # a QPV resident whose QPV was not noted
        ({"qpv_resident": "no"}, "no"),
        ({"qpv_resident": "unknown"}, "unknown"),  # "ne sait pas"
        ({}, "unknown"),  # never asked
        ({"qpv_resident": "maybe"}, "unknown"),  # outside the vocabulary
    ],
)
def test_person_qpv_answer(person: dict[str, Any], answer: str) -> None:
    assert person_qpv_answer(person) == answer


def test_delay_and_weeks() -> None:
    ind = _compute()
    assert ind.delay_persons == 2
    assert ind.delay_median_days == 47.5  # (41 + 54) / 2
    assert ind.delay_mean_days == 47.5
    assert ind.weeks[0].week_start == dt.date(2024, 12, 30)  # Monday of the week of 1 Jan
    assert sum(w.contacts for w in ind.weeks) == 4
    week_of_6_jan = next(w for w in ind.weeks if w.week_start == dt.date(2025, 1, 6))
    assert (week_of_6_jan.contacts, week_of_6_jan.actions) == (3, 1)


def test_qpv_filter_keeps_its_own_actions_contacts_and_persons() -> None:
    ind = _compute(qpv=QPV_B)
    assert ind.actions == 1  # e2
    assert ind.contacts == 1  # c4 at e2
    assert ind.persons_spotted == 0
    assert ind.orientations == 0  # Léa and Omar are not in QPV B
    assert (ind.exits, ind.positive_exits) == (1, 0)  # Rose lives in QPV B
    ind_a = _compute(qpv=QPV_A)
    assert ind_a.contacts == 3  # c1, c2, c3 at e1
    assert ind_a.orientations == 2  # Léa lives in A, Omar was met at e1


def test_quarters() -> None:
    assert quarter_of(dt.date(2025, 11, 3)) == Period(dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert [q.label for q in recent_quarters(dt.date(2025, 2, 3), 3)] == [
        "T1 2025",
        "T4 2024",
        "T3 2024",
    ]
    with pytest.raises(ValueError):
        Period(dt.date(2025, 2, 1), dt.date(2025, 1, 1))
    assert Period(dt.date(2023, 1, 1), dt.date(2025, 12, 31)).label == "du 01/01/2023 au 31/12/2025"
    with pytest.raises(ValueError, match="trois ans"):
        Period(dt.date(2022, 1, 1), dt.date(2025, 12, 31))


@pytest.mark.parametrize(
    ("values", "cells", "total"),
    [
        ([12, 3, 20], [SUPPRESSED, SUPPRESSED, 20], 35),  # 3, then the smallest other: 12
        ([10, 10, 10], [10, 10, 10], 30),
        ([4, 1, 30], [SUPPRESSED, SUPPRESSED, 30], 35),  # two hidden: sum known, not each
        ([2, 2], [SUPPRESSED, SUPPRESSED], SUPPRESSED),
        ([0, 7, 9], [0, 7, 9], 16),  # a true zero hides nobody
        ([3, 0, 10], [SUPPRESSED, 0, SUPPRESSED], 13),  # the smallest other non-zero cell
        ([2, 0, 0], [SUPPRESSED, 0, 0], SUPPRESSED),
        ([0, 0], [0, 0], 0),
    ],
)
def test_suppression_rules(values: list[int], cells: list[Any], total: Any) -> None:
    protected = protect_table(values, with_total=True)
    assert protected.cells == cells
    assert protected.total == total


def test_no_hidden_cell_can_be_recomputed_from_the_report() -> None:
    for table in report_tables(_compute()):
        hidden = [v for _, v in table.rows if v == SUPPRESSED]
        if isinstance(table.total, int):
            assert len(hidden) != 1, table.title
        assert all(not isinstance(v, int) or v == 0 or v >= 5 for _, v in table.rows)
    key = dict(report_tables(_compute())[0].rows)
    assert key["Contacts"] == SUPPRESSED  # 4 contacts
    # 2 persons: hidden, and not as « <5 », which would read « under five days ».
    assert key["Délai médian premier contact → orientation (jours)"] == DELAY_SUPPRESSED


def test_contacts_counted_under_the_action_they_were_logged_in() -> None:
    """A morning pied d'immeuble (reach_out) and an afternoon permanence (innovate) on
    one day, then a phone call outside any action: each contact under its own action."""
    day = Period(dt.date(2025, 3, 3), dt.date(2025, 3, 3))
    events = [
        {
            "id": "am",
            "type": "foot_of_building",
            "axis": "reach_out",
            "starts_at": "2025-03-03T09:00:00+01:00",
            "ends_at": "2025-03-03T11:30:00+01:00",
        },
        {
            "id": "pm",
            "type": "drop_in",
            "axis": "innovate",
            "starts_at": "2025-03-03T14:00:00+01:00",
            "ends_at": "2025-03-03T17:00:00+01:00",
        },
    ]
    contacts = [
        {"id": "a1", "event_id": "am", "occurred_at": "2025-03-03T09:10:00+01:00"},
        {"id": "a2", "event_id": "am", "occurred_at": "2025-03-03T09:40:00+01:00"},
        {"id": "p1", "event_id": "pm", "occurred_at": "2025-03-03T14:20:00+01:00"},
        {"id": "p2", "event_id": "pm", "occurred_at": "2025-03-03T15:20:00+01:00"},
        {"id": "p3", "event_id": "pm", "occurred_at": "2025-03-03T16:00:00+01:00"},
        {"id": "t1", "occurred_at": "2025-03-03T18:00:00+01:00", "channel": "phone"},
    ]
    ind = compute_indicators(
        period=day,
        events=events,
        persons=[],
        contacts=contacts,
        orientations=[],
        partner_names={},
    )
    assert ind.actions == 2
    assert _by_key(ind.contacts_by_action_type) == {"foot_of_building": 2, "drop_in": 3, "none": 1}
    assert _by_key(ind.contacts_by_axis) == {"reach_out": 2, "innovate": 3, "none": 1}
    labels = {c.key: c.label for c in ind.contacts_by_axis}
    assert labels["none"] == "Hors action de terrain"
    tables = {t.title: t for t in report_tables(ind)}
    assert "Contacts par type d'action" in tables and "Contacts par axe" in tables
