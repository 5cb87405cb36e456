"""The programme's quarterly report on a small hand-made cité, without a database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from domain.disclosure import SUPPRESSED, protect_count, protect_table
from domain.indicators import compute_indicators
from domain.periods import Period, quarter_of
from domain.quarterly import compute_quarterly, year_quarters
from domain.quarterly_report import Chart, Grid, quarterly_sections
from domain.report import report_tables

QPV_A, QPV_B = "QN0600001", "QN0600002"
FT, ML = "p-ft", "p-ml"
Q1, Q2 = quarter_of(dt.date(2025, 1, 1)), quarter_of(dt.date(2025, 4, 1))
QPV_NAMES = {QPV_A: "Rouher", QPV_B: "Les Hauts"}
PARTNERS = {FT: "France Travail", ML: "Mission Locale"}


def _rows() -> dict[str, Any]:
    """Q1 2025: a pied d'immeuble in Rouher (7 anonymous contacts, France Travail
    present), a forum in Les Hauts (2 contacts); Léa (Rouher) met twice, oriented to
    France Travail, who reports she came. Q2: one permanence in Rouher, 6 contacts."""
    events = [
        {
            "id": "ea",
            "type": "foot_of_building",
            "place": "Place Saint-Médard",
            "qpv_code": QPV_A,
            "partner_ids": [FT],
            "starts_at": "2025-01-14T14:00:00+01:00",
        },
        {
            "id": "eb",
            "type": "forum",
            "qpv_code": QPV_B,
            "starts_at": "2025-02-11T09:00:00+01:00",
        },
        {"id": "ec", "type": "drop_in", "qpv_code": QPV_A, "starts_at": "2025-05-06T09:00:00"},
    ]
    contacts = [
        {"id": f"a{i}", "event_id": "ea", "occurred_at": f"2025-01-14T14:{10 + i}:00+01:00"}
        for i in range(7)
    ]
    contacts += [
        {"id": f"b{i}", "event_id": "eb", "occurred_at": f"2025-02-11T10:{10 + i}:00+01:00"}
        for i in range(2)
    ]
    contacts += [
        {"id": "l1", "person_id": "lea", "occurred_at": "2025-01-20T10:00:00+01:00"},
        {"id": "l2", "person_id": "lea", "occurred_at": "2025-02-20T10:00:00+01:00"},
    ]
    contacts += [
        {"id": f"c{i}", "event_id": "ec", "occurred_at": f"2025-05-06T09:{10 + i}:00+02:00"}
        for i in range(6)
    ]
    persons = [{"id": "lea", "first_name": "Léa", "qpv_code": QPV_A}]
    orientations = [
        {
            "id": "o1",
            "person_id": "lea",
            "partner_id": FT,
            "date": "2025-02-21",
            "status": "attended",
            "outcome": "attended",
        }
    ]
    return {
        "events": events,
        "persons": persons,
        "contacts": contacts,
        "orientations": orientations,
        "partner_names": PARTNERS,
    }


def _report(period: Period, today: dt.date) -> Any:
    return compute_quarterly(period=period, today=today, qpv_names=QPV_NAMES, **_rows())


def test_each_area_and_quarter_has_the_dashboards_figures() -> None:
    report = _report(Q2, today=dt.date(2025, 6, 30))
    assert [a.name for a in report.areas] == ["Ensemble de la cité", "Les Hauts", "Rouher"]
    assert report.quarters == year_quarters(2025)
    for area in report.areas:
        for quarter, figures in zip(report.quarters, area.quarters, strict=True):
            if quarter.start > Q2.start:
                assert figures is None  # T3 and T4: after the chosen quarter
                continue
            ind = compute_indicators(period=quarter, qpv=area.code, **_rows())
            assert figures is not None
            assert figures.contacts == ind.contacts
            assert figures.people_met == ind.people_met
            assert figures.persons_followed == ind.persons_followed
            assert figures.orientations_by_partner == ind.orientations_by_partner
            assert figures.exits == ind.exits
    rouher_q1 = report.areas[2].quarters[0]
    assert rouher_q1 is not None and rouher_q1.contacts == 9  # 7 at the action, Léa twice


def test_quarters_not_begun_are_left_empty() -> None:
    report = _report(Q1, today=dt.date(2025, 2, 1))
    assert all(a.quarters[1:] == [None, None, None] for a in report.areas)
    with pytest.raises(ValueError, match="trimestre civil"):
        _report(Period(dt.date(2025, 1, 1), dt.date(2025, 1, 31)), today=dt.date(2025, 6, 1))


def test_actions_list_each_action_with_its_contacts_and_partners() -> None:
    report = _report(Q1, today=dt.date(2025, 6, 1))
    lines = [(a.day, a.type_label, a.place, a.qpv, a.partners, a.contacts) for a in report.actions]
    assert lines == [
        (
            dt.date(2025, 1, 14),
            "Pied d'immeuble",
            "Place Saint-Médard",
            "Rouher",
            ["France Travail"],
            7,
        ),
        (dt.date(2025, 2, 11), "Forum / job dating", "", "Les Hauts", [], 2),
    ]


def _cells(blocks: list[Grid | Chart]) -> list[Any]:
    out: list[Any] = []
    for block in blocks:
        if isinstance(block, Grid):
            out += [v for _, values in block.rows for v in values]
        else:
            out += [v for _, values in block.series for v in values]
    return out


def test_sections_hide_1_to_4_keep_zeros_and_leave_the_future_empty() -> None:
    today = dt.date(2025, 5, 20)
    report = _report(Q2, today=today)
    sections = quarterly_sections(report, today=today)
    cells = [c for s in sections for c in _cells(s.blocks)]
    assert not [c for c in cells if isinstance(c, int) and 0 < c < 5]
    assert 0 in cells and SUPPRESSED in cells

    grids = {b.title: b for s in sections for b in s.blocks if isinstance(b, Grid)}
    rouher = dict(grids[f"QPV Rouher ({QPV_A})"].rows)
    assert rouher["Contacts"] == [9, 6, None, None]
    assert rouher["Personnes rencontrées"] == [protect_count(8), 6, None, None]
    assert rouher["Sorties"] == [0, 0, None, None]
    hauts = dict(grids[f"QPV Les Hauts ({QPV_B})"].rows)
    assert hauts["Contacts"] == [SUPPRESSED, 0, None, None]  # 2 in Q1, none in Q2
    # One orientation in Q1, to France Travail: the column's total is hidden too.
    cite = dict(grids["Ensemble de la cité"].rows)
    assert cite["Orientations"][0] == SUPPRESSED
    assert cite["dont France Travail"][:2] == [SUPPRESSED, 0]

    # The dashboard: weeks starting after `today` are empty, the others counted.
    weekly = grids["Contacts par semaine"]
    for label, (value,) in weekly.rows:
        if label == "Total":
            continue
        monday = dt.datetime.strptime(label.removeprefix("Semaine du "), "%d/%m/%Y").date()
        assert (value is None) == (monday > today), label


def test_a_true_zero_shows_as_zero_in_the_workbook_tables() -> None:
    ind = compute_indicators(period=Q2, **_rows())
    tables = {t.title: t for t in report_tables(ind, today=dt.date(2025, 12, 31))}
    key = dict(tables["Chiffres clés"].rows)
    assert key["Sorties"] == 0 and key["Orientations"] == 0
    assert key["Contacts"] == protect_count(ind.contacts) == 6
    by_type = dict(tables["Actions de terrain par type"].rows)
    assert by_type["Permanence"] == SUPPRESSED and by_type["Atelier"] == 0
    protected = protect_table([c.value for c in ind.actions_by_type], with_total=True)
    assert tables["Actions de terrain par type"].total == protected.total == SUPPRESSED


def test_an_actions_hidden_contacts_cannot_be_recomputed_from_its_types_total() -> None:
    """Two pieds d'immeuble with 3 and 6 contacts: the dashboard shows 9 for the type,
    so the 6 is hidden too; the forum's 2 stands alone in its type, hidden with its total."""
    rows = _rows()
    rows["events"].append(
        {"id": "ed", "type": "foot_of_building", "starts_at": "2025-03-04T09:00:00+01:00"}
    )
    rows["contacts"] = [c for c in rows["contacts"] if c.get("event_id") != "ea"]
    rows["contacts"] += [
        {"id": f"x{i}", "event_id": "ea", "occurred_at": "2025-01-14T15:00:00+01:00"}
        for i in range(3)
    ]
    rows["contacts"] += [
        {"id": f"y{i}", "event_id": "ed", "occurred_at": "2025-03-04T10:00:00+01:00"}
        for i in range(6)
    ]
    report = compute_quarterly(period=Q1, today=dt.date(2025, 6, 1), qpv_names=QPV_NAMES, **rows)
    [actions] = [s for s in quarterly_sections(report, today=dt.date(2025, 6, 1))][1].blocks
    assert isinstance(actions, Grid)
    assert [(label, values[0], values[-1]) for label, values in actions.rows] == [
        ("14/01/2025", "Pied d'immeuble", SUPPRESSED),
        ("11/02/2025", "Forum / job dating", SUPPRESSED),
        ("04/03/2025", "Pied d'immeuble", SUPPRESSED),
    ]
    ind = compute_indicators(period=Q1, **rows)
    assert {c.key: c.value for c in ind.contacts_by_action_type}["foot_of_building"] == 9
