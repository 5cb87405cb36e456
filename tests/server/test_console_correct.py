"""A supervisor corrects a person, a contact or an orientation from the console: an op
of the console's device, journaled, that reaches the phones at their next pull."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from sync_server.models import AuditEvent
from tests.factories import make_followed_person, make_record, person_values
from tests.server.conftest import World


def _pulled(client: TestClient, world: World) -> dict[str, dict[str, Any]]:
    rows = client.get("/sync/pull", headers=world.karim.headers).json()["rows"]
    return {r["id"]: r["data"] for r in rows}


def test_a_corrected_phone_number_and_orientation_status_reach_the_phones(
    client: TestClient, session: Session, world: World
) -> None:
    ids = make_followed_person(session, login=world.amina, partner_id=world.partner_id)
    url = f"/console/records/{ids['person']}/correct"
    res = client.post(
        url, json={"values": {"phone": "07 11 22 33 44"}}, headers=world.sophie.headers
    )
    assert res.status_code == 200, res.text
    assert res.json()["changed"] == ["phone"] and res.json()["warnings"] == []
    status = client.post(
        f"/console/records/{ids['orientation']}/correct",
        json={"values": {"status": "attended"}},
        headers=world.sophie.headers,
    )
    assert status.status_code == 200, status.text
    pulled = _pulled(client, world)
    assert pulled[ids["person"]]["phone"] == "07 11 22 33 44"
    assert pulled[ids["orientation"]]["status"] == "attended"
    session.commit()
    journal = session.exec(select(AuditEvent).where(AuditEvent.action == "record.correct")).all()
    assert [(e.entity, e.detail) for e in journal] == [
        ("person", {"fields": ["phone"]}),
        ("orientation", {"fields": ["status"]}),
    ]
    assert "07 11" not in str([e.detail for e in journal])


def test_corrections_are_checked_and_read_in_french(
    client: TestClient, session: Session, world: World
) -> None:
    ids = make_followed_person(session, login=world.amina, partner_id=world.partner_id)
    url = f"/console/records/{ids['person']}/correct"

    def correct(values: dict[str, Any], **extra: Any) -> Any:
        return client.post(url, json={"values": values, **extra}, headers=world.sophie.headers)

    bad = correct({"ft_registration": "peut-être"})
    assert bad.status_code == 422
    assert bad.json()["detail"].startswith("« peut-être » n'est pas une valeur possible")
    reserved = correct({"merged_into": ids["person"]})
    assert reserved.status_code == 422
    assert reserved.json()["detail"] == "Ne se corrige pas ici : « Fusionné dans »."
    stale = correct({"phone": "07 00 00 00 00"}, version=10**9)
    assert stale.status_code == 409
    same = correct({"phone": "06 12 34 56 78"})
    assert same.status_code == 409
    assert same.json()["detail"] == "Aucune modification : la fiche est déjà ainsi."
    warned = correct({"need": "Sort de prison, cherche un emploi"})
    assert warned.status_code == 200
    assert "judiciaire" in warned.json()["warnings"][0]
    followup = client.post(
        f"/console/records/{ids['followup']}/correct",
        json={"values": {"what": "x"}},
        headers=world.sophie.headers,
    )
    assert followup.status_code == 404
    theirs, _ = make_record(session, login=world.other, entity="person", values=person_values())
    foreign = client.post(
        f"/console/records/{theirs}/correct",
        json={"values": {"phone": "07 00 00 00 00"}},
        headers=world.sophie.headers,
    )
    assert foreign.status_code == 404
    mediator = client.post(
        url, json={"values": {"phone": "07 00 00 00 00"}}, headers=world.amina.headers
    )
    assert mediator.status_code == 403
