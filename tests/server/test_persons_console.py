"""Console persons: search, duplicate candidates, merge/unmerge, pathway."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from sync_server.jobs.seed import DEMO_PASSWORD, seed_demo
from sync_server.models import Record, SyncOp
from tests.factories import (
    contact_values,
    make_followed_person,
    make_record,
    make_review_supervisor,
    person_values,
)
from tests.server.conftest import World


def _twins(session: Session, world: World) -> tuple[str, str]:
    """One man logged twice, by two mediators, with two spellings."""
    a, _ = make_record(
        session,
        login=world.amina,
        entity="person",
        values=person_values(
            first_name="Mohamed",
            last_name="Benyahia",
            birth_date="1987-09-03",
            phone="06 12 34 56 78",
        ),
    )
    b, _ = make_record(
        session,
        login=world.karim,
        entity="person",
        values=person_values(
            first_name="Mohammed",
            last_name="Ben Yahia",
            birth_date="1987-09-03",
            phone="+33 6 12 34 56 78",
        ),
    )
    make_record(
        session,
        login=world.amina,
        entity="person",
        values=person_values(first_name="Jérôme", last_name="Dubois", birth_date="1969-11-30"),
    )
    return a, b


def test_duplicates_are_proposed_with_evidence_and_a_masked_phone(
    client: TestClient, session: Session, world: World
) -> None:
    a, b = _twins(session, world)
    make_record(
        session,
        login=world.amina,
        entity="contact",
        values=contact_values(world.amina.user.id, person_id=a),
    )
    res = client.get("/console/duplicates", headers=world.sophie.headers)
    assert res.status_code == 200, res.text
    [pair] = res.json()
    assert {pair["a"]["id"], pair["b"]["id"]} == {a, b}
    assert "même téléphone" in pair["reasons"]
    assert "même année de naissance" in pair["reasons"]
    assert pair["score"] >= 80
    first = pair["a"] if pair["a"]["id"] == a else pair["b"]
    assert first["phone_masked"] == "•• •• •• •• 78"
    assert "12" not in first["phone_masked"]
    assert first["birth_year"] == 1987 and first["contact_count"] == 1
    session.rollback()
    assert session.get(Record, a).data.get("merged_into") is None  # type: ignore[union-attr]


def test_dismissed_pair_is_not_proposed_again(
    client: TestClient, session: Session, world: World
) -> None:
    a, b = _twins(session, world)
    res = client.post(
        "/console/duplicates/dismiss",
        json={"person_a": b, "person_b": a},
        headers=world.sophie.headers,
    )
    assert res.status_code == 204, res.text
    assert client.get("/console/duplicates", headers=world.sophie.headers).json() == []
    same = client.post(
        "/console/duplicates/dismiss",
        json={"person_a": a, "person_b": a},
        headers=world.sophie.headers,
    )
    assert same.status_code == 409


def test_merge_and_unmerge_are_ops_in_the_ledger(
    client: TestClient, session: Session, world: World
) -> None:
    a, b = _twins(session, world)
    res = client.post(f"/console/persons/{b}/merge", json={"into": a}, headers=world.sophie.headers)
    assert res.status_code == 204, res.text
    session.rollback()
    assert session.get(Record, b).data["merged_into"] == a  # type: ignore[union-attr]
    assert client.get("/console/duplicates", headers=world.sophie.headers).json() == []
    [merge] = client.get("/console/merges", headers=world.sophie.headers).json()
    assert merge["person"]["id"] == b and merge["into"]["id"] == a
    assert merge["merged_by_name"] == world.sophie.user.display_name
    listed = client.get("/console/persons", headers=world.sophie.headers).json()
    assert b not in [p["id"] for p in listed["items"]]

    again = client.post(
        f"/console/persons/{b}/merge", json={"into": a}, headers=world.sophie.headers
    )
    assert again.status_code == 409 and "déjà fusionnée" in again.json()["detail"]
    res = client.post(f"/console/persons/{b}/unmerge", headers=world.sophie.headers)
    assert res.status_code == 204, res.text
    session.rollback()
    assert session.get(Record, b).data["merged_into"] is None  # type: ignore[union-attr]
    ops = session.exec(
        select(SyncOp).where(SyncOp.row_id == b, SyncOp.user_id == world.sophie.user.id)
    ).all()
    assert sorted(str(o.set_values) for o in ops) == sorted(
        [str({"merged_into": a}), str({"merged_into": None})]
    )
    assert client.get("/console/merges", headers=world.sophie.headers).json() == []
    twice = client.post(f"/console/persons/{b}/unmerge", headers=world.sophie.headers)
    assert twice.status_code == 409


def test_merge_errors_and_scope(client: TestClient, session: Session, world: World) -> None:
    a, b = _twins(session, world)
    self_merge = client.post(
        f"/console/persons/{a}/merge", json={"into": a}, headers=world.sophie.headers
    )
    assert self_merge.status_code == 409
    unknown = client.post(
        f"/console/persons/{a}/merge",
        json={"into": "0196a1b2-0000-7000-8000-000000000000"},
        headers=world.sophie.headers,
    )
    assert unknown.status_code == 404 and "introuvable" in unknown.json()["detail"]
    missing_body = client.post(f"/console/persons/{a}/merge", json={}, headers=world.sophie.headers)
    assert missing_body.status_code == 422
    assert (
        client.post(
            f"/console/persons/{b}/merge", json={"into": a}, headers=world.amina.headers
        ).status_code
        == 403
    )
    for path in (
        "/console/persons",
        "/console/duplicates",
        "/console/merges",
        f"/console/persons/{a}/pathway",
    ):
        assert client.get(path, headers=world.amina.headers).status_code == 403
    beauvais = make_review_supervisor(session, cite_id=world.other.user.cite_id, username="bea")
    assert client.get("/console/duplicates", headers=beauvais.headers).json() == []
    assert client.get("/console/persons", headers=beauvais.headers).json()["total"] == 0
    assert client.get(f"/console/persons/{a}/pathway", headers=beauvais.headers).status_code == 404
    foreign = client.post(f"/console/persons/{b}/merge", json={"into": a}, headers=beauvais.headers)
    assert foreign.status_code == 404


def test_persons_search_and_pages(client: TestClient, session: Session, world: World) -> None:
    a, b = _twins(session, world)
    by_name = client.get("/console/persons", params={"q": "benyahia"}, headers=world.sophie.headers)
    assert {p["id"] for p in by_name.json()["items"]} == {a, b}  # "Ben Yahia" too
    accented = client.get("/console/persons", params={"q": "JEROME"}, headers=world.sophie.headers)
    assert [p["display_name"] for p in accented.json()["items"]] == ["Jérôme DUBOIS"]
    by_phone = client.get("/console/persons", params={"q": "3456"}, headers=world.sophie.headers)
    assert {p["id"] for p in by_phone.json()["items"]} == {a, b}
    first = client.get(
        "/console/persons", params={"page": 1, "page_size": 2}, headers=world.sophie.headers
    ).json()
    second = client.get(
        "/console/persons", params={"page": 2, "page_size": 2}, headers=world.sophie.headers
    ).json()
    assert first["total"] == 3 and len(first["items"]) == 2 and len(second["items"]) == 1
    assert (
        client.get("/console/persons", params={"page": 0}, headers=world.sophie.headers).status_code
        == 422
    )


def test_pathway_includes_persons_merged_in_with_names(
    client: TestClient, session: Session, world: World
) -> None:
    a, b = _twins(session, world)
    make_record(
        session,
        login=world.amina,
        entity="contact",
        values=contact_values(
            world.amina.user.id, person_id=a, occurred_at="2025-03-01T10:00:00+01:00"
        ),
    )
    make_record(
        session,
        login=world.karim,
        entity="contact",
        values=contact_values(
            world.karim.user.id, person_id=b, occurred_at="2025-03-20T10:00:00+01:00"
        ),
    )
    make_record(
        session,
        login=world.karim,
        entity="orientation",
        values={
            "person_id": b,
            "partner_id": world.partner_id,
            "date": "2025-03-21",
            "status": "appointment",
        },
    )
    client.post(f"/console/persons/{b}/merge", json={"into": a}, headers=world.sophie.headers)
    # Asking for the merged person shows the surviving record's pathway.
    res = client.get(f"/console/persons/{b}/pathway", headers=world.sophie.headers)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["person"]["id"] == a
    assert [p["id"] for p in body["merged_persons"]] == [b]
    assert body["contact_count"] == 2 and body["orientation_count"] == 1
    assert body["status_label"] == "Accompagné"  # an orientation with an appointment
    assert body["referents"] == [world.karim.user.display_name, world.amina.user.display_name]
    assert body["referent_periods"] == [
        {"name": world.karim.user.display_name, "since": "2025-03-20", "until": None},
        {"name": world.amina.user.display_name, "since": "2025-03-01", "until": "2025-03-01"},
    ]
    titles = [e["title"] for e in body["timeline"]]
    assert titles[0] == "Orientation vers France Travail"
    assert [e["author_name"] for e in body["timeline"] if e["kind"] == "contact"] == [
        world.karim.user.display_name,
        world.amina.user.display_name,
    ]


def test_demo_seed_has_a_duplicate_pair_and_a_hard_conflict(
    client: TestClient, session: Session
) -> None:
    seed_demo(session)
    login = client.post(
        "/auth/login", json={"username": "sophie", "password": DEMO_PASSWORD}
    ).json()
    headers = {"Authorization": f"Bearer {login['token']}"}
    pairs = client.get("/console/duplicates", headers=headers).json()
    names = [{p["a"]["display_name"], p["b"]["display_name"]} for p in pairs]
    assert {"Mohamed BENYAHIA", "Mohammed BEN YAHIA"} in names
    [conflict] = client.get("/console/conflicts", headers=headers).json()
    assert conflict["field_label"] == "Inscrit à France Travail"
    assert conflict["row_summary"] == "Aïcha N'DIAYE"
    assert {conflict["server"]["author_name"], conflict["incoming"]["author_name"]} == {
        "Amina Diallo",
        "Karim Benali",
    }


def test_the_person_list_shows_the_status_the_pathway_shows(
    client: TestClient, session: Session
) -> None:
    seed_demo(session)
    session.commit()
    login = client.post(
        "/auth/login",
        json={"username": "sophie", "password": DEMO_PASSWORD, "device_name": "console"},
    ).json()
    headers = {"Authorization": f"Bearer {login['token']}"}
    listed = client.get("/console/persons", params={"page_size": 200}, headers=headers).json()
    assert listed["items"]
    for person in listed["items"]:
        shown = client.get(f"/console/persons/{person['id']}/pathway", headers=headers).json()
        assert (person["status"], person["status_label"]) == (
            shown["status"],
            shown["status_label"],
        ), person["display_name"]
        if person["contact_count"] == 0 and shown["orientation_count"] == 0:
            assert person["status_label"] == "Repéré"


def test_a_supervisor_names_a_referent_who_reaches_the_phones(
    client: TestClient, session: Session, world: World
) -> None:
    ids = make_followed_person(session, login=world.amina, partner_id=world.partner_id)
    person = ids["person"]
    url = f"/console/persons/{person}/referent"
    named = client.post(
        url, json={"mediator_id": world.karim.user.id}, headers=world.sophie.headers
    )
    assert named.status_code == 204, named.text
    session.rollback()
    record = session.get(Record, person)
    assert record is not None and record.data["referent_id"] == world.karim.user.id
    shown = client.get(f"/console/persons/{person}/pathway", headers=world.sophie.headers).json()
    assert (shown["referent_id"], shown["referent_chosen"]) == (world.karim.user.id, True)
    assert shown["referent_name"] == world.karim.user.display_name
    # The same again, a supervisor, or someone of another cité: refused in French.
    again = client.post(
        url, json={"mediator_id": world.karim.user.id}, headers=world.sophie.headers
    )
    assert again.status_code == 409 and "déjà référent" in again.json()["detail"]
    for who in (world.sophie.user.id, world.other.user.id):
        refused = client.post(url, json={"mediator_id": who}, headers=world.sophie.headers)
        assert refused.status_code == 422
        assert refused.json()["detail"] == "Choisissez un médiateur actif de votre cité."
    by_mediator = client.post(
        url, json={"mediator_id": world.amina.user.id}, headers=world.amina.headers
    )
    assert by_mediator.status_code == 403
    session.rollback()
    record = session.get(Record, person)
    assert record is not None and record.data["referent_id"] == world.karim.user.id
