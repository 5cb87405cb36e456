from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from sync_server.jobs.seed import DEMO_PASSWORD, seed_demo
from sync_server.models import AppUser, Cite, Record
from tests.factories import contact_values, make_record, person_values
from tests.server.conftest import World


def test_console_contacts_shape_and_filters(
    client: TestClient, session: Session, world: World
) -> None:
    person_id, _ = make_record(
        session, login=world.amina, entity="person", values=person_values(qpv_code="QN0600101")
    )
    event_id, _ = make_record(
        session,
        login=world.amina,
        entity="event",
        values={
            "type": "foot_of_building",
            "starts_at": "2025-03-14T09:00:00+01:00",
            "place": "Rouher",
        },
    )
    named, _ = make_record(
        session,
        login=world.amina,
        entity="contact",
        values=contact_values(
            world.amina.user.id, person_id=person_id, event_id=event_id, freins=["french"]
        ),
    )
    anon, _ = make_record(
        session,
        login=world.karim,
        entity="contact",
        values=contact_values(
            world.karim.user.id,
            occurred_at="2025-03-15T11:00:00+01:00",
            age_band="under_26",
            gender="f",
            qpv_resident="yes",
        ),
    )
    res = client.get("/console/contacts", headers=world.sophie.headers)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["total"] == 2 and body["page"] == 1 and body["page_size"] == 50
    first, second = body["items"]
    assert first["id"] == anon  # newest first
    assert first["person"] is None and first["age_band_label"] == "Moins de 26 ans"
    assert first["gender_label"] == "Femme" and first["qpv_resident_label"] == "Oui"
    assert second["person"] == {"id": person_id, "display_name": "Aïcha N'DIAYE"}
    assert (
        second["event"]["type_label"] == "Pied d'immeuble" and second["event"]["place"] == "Rouher"
    )
    assert second["channel_label"] == "Pied d'immeuble"
    assert second["mediator_name"] == world.amina.user.display_name
    assert second["freins_labels"] == ["Maîtrise du français (FLE)"]
    assert second["review_state"] == "received" and second["review_state_label"] == "Reçu"

    def ids(**params: str) -> list[str]:
        res = client.get("/console/contacts", params=params, headers=world.sophie.headers)
        return [c["id"] for c in res.json()["items"]]

    assert ids(mediator_id=world.karim.user.id) == [anon]
    assert ids(event_id=event_id) == [named]
    assert ids(qpv="QN0600101") == [named]
    assert ids(date_from="2025-03-15") == [anon]
    assert ids(date_to="2025-03-14") == [named]
    assert ids(page_size="1", page="2") == [named]
    assert ids(review_state="validated") == []


def test_console_is_for_supervisors(client: TestClient, world: World) -> None:
    for path in ("/console/contacts", "/console/conflicts"):
        res = client.get(path, headers=world.amina.headers)
        assert res.status_code == 403
        assert "superviseurs" in res.json()["detail"]


def test_seed_demo_is_idempotent_and_logs_in(client: TestClient, session: Session) -> None:
    assert seed_demo(session) is True
    counts = session.exec(select(Record.entity, func.count()).group_by(Record.entity)).all()
    assert seed_demo(session) is False
    assert session.exec(select(Record.entity, func.count()).group_by(Record.entity)).all() == counts
    assert dict(counts) == {
        "event": 4,
        "person": 12,
        "contact": 30,
        "orientation": 5,
        "followup": 4,
    }
    assert session.exec(select(func.count()).select_from(Cite)).one() == 1
    assert session.exec(select(func.count()).select_from(AppUser)).one() == 5

    res = client.post("/auth/login", json={"username": "sophie", "password": DEMO_PASSWORD})
    assert res.status_code == 200, res.text
    headers = {"Authorization": f"Bearer {res.json()['token']}"}
    page = client.get("/console/contacts", params={"page_size": 100}, headers=headers).json()
    assert page["total"] == 30
    assert sum(c["person"] is None for c in page["items"]) == 10
    assert {c["review_state"] for c in page["items"]} == {"received", "validated", "to_fix"}
