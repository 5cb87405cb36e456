"""Indicators and exports on rows pushed through the real sync path, checked from the rows."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from tests.factories import contact_values, make_record, person_values
from tests.server.conftest import World

Q1 = {"date_from": "2025-01-01", "date_to": "2025-03-31"}


def _seed(session: Session, world: World) -> dict[str, Any]:
    """Q1 2025: 7 anonymous contacts (5 under 26, 2 over 50), Aïcha (1 contact + an
    orientation), Bilal (2 contacts, answered he lives outside a QPV); plus a contact
    in April and one in another cité."""
    mediator = world.amina
    bands = ["under_26"] * 5 + ["50_plus"] * 2
    for i, band in enumerate(bands):
        make_record(
            session,
            login=mediator,
            entity="contact",
            values=contact_values(
                mediator.user.id, occurred_at=f"2025-03-{10 + i:02d}T10:00:00+01:00", age_band=band
            ),
        )
    persons = {}
    for name, days, qpv in (("Aïcha", [3], {}), ("Bilal", [4, 20], {"qpv_resident": "no"})):
        pid, _ = make_record(
            session,
            login=mediator,
            entity="person",
            values=person_values(
                first_name=name, declared_age=30, family_situation="single_parent", **qpv
            ),
        )
        persons[name] = pid
        for day in days:
            make_record(
                session,
                login=mediator,
                entity="contact",
                values=contact_values(
                    mediator.user.id, person_id=pid, occurred_at=f"2025-02-{day:02d}T10:00:00+01:00"
                ),
            )
    make_record(
        session,
        login=mediator,
        entity="orientation",
        values={
            "person_id": persons["Aïcha"],
            "partner_id": world.partner_id,
            "date": "2025-02-13",
            "status": "proposed",
        },
    )
    make_record(
        session,
        login=mediator,
        entity="contact",
        values=contact_values(mediator.user.id, occurred_at="2025-04-02T10:00:00+02:00"),
    )
    make_record(
        session,
        login=world.other,
        entity="contact",
        values=contact_values(world.other.user.id, occurred_at="2025-03-02T10:00:00+01:00"),
    )
    return {"bands": bands, "persons": persons}


def test_indicators_are_computed_from_the_cites_rows(
    client: TestClient, session: Session, world: World
) -> None:
    seeded = _seed(session, world)
    res = client.get("/console/indicators", params=Q1, headers=world.sophie.headers)
    assert res.status_code == 200, res.text
    body = res.json()
    anonymous = len(seeded["bands"])
    assert body["period_label"] == "T1 2025"
    assert body["contacts"] == anonymous + 3
    assert body["anonymous_contacts"] == anonymous
    assert body["persons_spotted"] == len(seeded["persons"])
    assert body["persons_followed"] == 2  # Aïcha by orientation, Bilal by two contacts
    assert body["people_met"] == anonymous + 2
    ages = {c["key"]: c["value"] for c in body["age_bands"]}
    assert ages == {
        "under_26": seeded["bands"].count("under_26"),
        "26_49": 2,
        "50_plus": seeded["bands"].count("50_plus"),
    }
    assert {c["label"]: c["value"] for c in body["orientations_by_partner"]} == {
        "France Travail": 1
    }
    assert body["delay_median_days"] == 10.0  # 3 Feb → 13 Feb
    # Bilal's "non" is counted as such; nobody else was asked.
    qpv = {c["key"]: c["value"] for c in body["qpv_residence"]}
    assert qpv == {"yes": 0, "no": 1, "unknown": anonymous + 1}
    assert sum(w["contacts"] for w in body["weeks"]) == body["contacts"]


def test_indicators_and_exports_refuse_mediators(client: TestClient, world: World) -> None:
    for path in (
        "/console/indicators",
        "/console/exports/quarterly.csv",
        "/console/exports/contacts.csv",
    ):
        res = client.get(path, headers=world.amina.headers)
        assert res.status_code == 403, path
    bad = client.get(
        "/console/indicators",
        params={"date_from": "2025-03-01", "date_to": "2025-01-01"},
        headers=world.sophie.headers,
    )
    assert bad.status_code == 400 and "précède" in bad.json()["detail"]


def test_a_period_longer_than_three_years_is_refused_at_once(
    client: TestClient, world: World
) -> None:
    # Year 1 to 9999 would make a report of 520,000 weekly rows (a case the fuzzer finds).
    for path in (
        "/console/indicators",
        "/console/exports/quarterly.csv",
        "/console/exports/quarterly.xlsx",
    ):
        res = client.get(
            path,
            params={"date_from": "0001-01-01", "date_to": "9999-12-31"},
            headers=world.sophie.headers,
        )
        assert res.status_code == 400, path
        assert "trois ans" in res.json()["detail"]
    three_years = client.get(
        "/console/exports/quarterly.xlsx",
        params={"date_from": "2023-01-01", "date_to": "2025-12-31"},
        headers=world.sophie.headers,
    )
    assert three_years.status_code == 200


def test_quarterly_exports_parse_back_with_suppression(
    client: TestClient, session: Session, world: World
) -> None:
    _seed(session, world)
    xlsx = client.get("/console/exports/quarterly.xlsx", params=Q1, headers=world.sophie.headers)
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="relais-rapport-2025-T1.xlsx"' in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    figures = {r[0]: r[1] for r in rows if r and r[0]}
    assert figures["Contacts"] == 10 and figures["Contacts anonymes"] == 7
    assert figures["Personnes repérées (premier contact)"] == "<5"  # 2
    # Age bands 5 / 2 / 2: the two small cells are hidden, the total (9) shown.
    start = rows.index(("Publics : tranche d'âge", "Nombre"))
    assert rows[start + 1 : start + 5] == [
        ("Moins de 26 ans", 5),
        ("26–49 ans", "<5"),
        ("50 ans et plus", "<5"),
        ("Total", 9),
    ]

    res = client.get("/console/exports/quarterly.csv", params=Q1, headers=world.sophie.headers)
    assert res.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="relais-rapport-2025-T1.csv"' in res.headers["content-disposition"]
    lines = list(csv.DictReader(io.StringIO(res.content.decode("utf-8-sig")), delimiter=";"))
    by_section: dict[str, dict[str, str]] = {}
    for line in lines:
        by_section.setdefault(line["section"], {})[line["categorie"]] = line["valeur"]
    assert by_section["Chiffres clés"]["Contacts"] == "10"
    # One orientation for France Travail: hidden, and the total too (1 < 5).
    assert by_section["Orientations par partenaire"] == {"France Travail": "<5", "Total": "<5"}
    for section, cells in by_section.items():
        numbers = [v for k, v in cells.items() if k != "Total"]
        for value in numbers:
            assert not value.isdigit() or int(value) == 0 or int(value) >= 5, (section, value)
        if cells.get("Total", "").isdigit():
            assert numbers.count("<5") != 1, section  # no lone hidden cell beside a total


def test_contact_export_is_minimal_and_scoped(
    client: TestClient, session: Session, world: World
) -> None:
    seeded = _seed(session, world)
    res = client.get("/console/exports/contacts.csv", params=Q1, headers=world.sophie.headers)
    assert res.status_code == 200, res.text
    assert 'filename="relais-contacts-2025-T1.csv"' in res.headers["content-disposition"]
    text = res.content.decode("utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(lines) == 10  # not April, not the other cité
    assert "AÏCHA" not in text.upper() and "DIAYE" not in text.upper()  # no names
    assert {line["personne_id"] for line in lines} - {""} == set(seeded["persons"].values())
    assert sum(line["tranche_age"] == "Moins de 26 ans" for line in lines) == 5
    bilal = [line for line in lines if line["personne_id"] == seeded["persons"]["Bilal"]]
    assert [line["residence_qpv"] for line in bilal] == ["Non", "Non"]


def test_indicators_count_contacts_under_their_own_action(
    client: TestClient, session: Session, world: World
) -> None:
    """Two actions on one day, pushed like any phone's: the morning's pied d'immeuble
    ended before the afternoon's permanence; each contact under its own."""
    mediator = world.amina
    kinds = {
        "foot_of_building": ("reach_out", "09:00", "11:00", 2),
        "drop_in": ("identify", "14:00", "17:00", 3),
    }
    for kind, (axis, start, end, n) in kinds.items():
        event_id, _ = make_record(
            session,
            login=mediator,
            entity="event",
            values={
                "type": kind,
                "axis": axis,
                "starts_at": f"2025-03-03T{start}:00+01:00",
                "ends_at": f"2025-03-03T{end}:00+01:00",
                "mediator_ids": [mediator.user.id],
            },
        )
        for i in range(n):
            values = contact_values(
                mediator.user.id, occurred_at=f"2025-03-03T{start[:2]}:{10 + i}:00+01:00"
            )
            make_record(
                session,
                login=mediator,
                entity="contact",
                values={**values, "event_id": event_id},
            )
    res = client.get("/console/indicators", params=Q1, headers=world.sophie.headers)
    assert res.status_code == 200, res.text
    body = res.json()
    by_type = {c["key"]: c["value"] for c in body["contacts_by_action_type"] if c["value"]}
    by_axis = {c["key"]: c["value"] for c in body["contacts_by_axis"] if c["value"]}
    assert by_type == {"foot_of_building": 2, "drop_in": 3}
    assert by_axis == {"reach_out": 2, "identify": 3}
