"""A phone whose clock runs a little behind corrects a value it has just received.

Sophie corrects Aïcha's phone number from the console (stamped by the server's clock);
Karim's phone, 30 s slow, pulls it and corrects it again. His edit came after he saw
Sophie's: it is stored and reaches the other phones, rather than being answered
`superseded` and dropped while his phone goes on showing his number.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from domain.hlc import wall_ms
from sync_server.models import Record
from tests.factories import hlc_at, op, person_values, push
from tests.server.conftest import World

SOPHIES = "07 11 22 33 44"
KARIMS = "06 55 44 33 22"


def _pulled(client: TestClient, login: object) -> dict[str, dict]:
    res = client.get("/sync/pull", headers=login.headers)  # type: ignore[attr-defined]
    assert res.status_code == 200, res.text
    return {r["id"]: r for r in res.json()["rows"]}


def test_an_edit_from_a_slow_clock_after_seeing_the_value_is_kept(
    client: TestClient, world: World, push_path: str
) -> None:
    create = op("person", person_values())
    res = client.post("/sync/push", json={"ops": [create]}, headers=world.amina.headers)
    assert res.json()["results"][0]["outcome"] == "applied"
    person = create["row_id"]
    fixed = client.post(
        f"/console/records/{person}/correct",
        json={"values": {"phone": SOPHIES}},
        headers=world.sophie.headers,
    )
    assert fixed.status_code == 200, fixed.text

    seen = _pulled(client, world.karim)[person]
    assert seen["data"]["phone"] == SOPHIES
    slow = hlc_at(wall_ms() - 30_000, node="karim-phone")
    edit = op("person", {"phone": KARIMS}, row_id=person, base_version=seen["version"], hlc=slow)
    res = client.post("/sync/push", json={"ops": [edit]}, headers=world.karim.headers)
    assert res.status_code == 200, res.text
    assert res.json()["results"][0]["outcome"] == "applied"

    assert _pulled(client, world.amina)[person]["data"]["phone"] == KARIMS


def test_a_correction_made_after_seeing_a_value_applies_whatever_the_clocks(
    session: Session, world: World
) -> None:
    now = wall_ms()
    create = op("person", person_values(), hlc=hlc_at(now - 60_000, node="amina"))
    [created] = push(session, login=world.amina, ops=[create])
    # Amina's phone runs 30 s ahead (tolerated): her edit is stamped in the future.
    ahead = op(
        "person",
        {"phone": "06 11 11 11 11"},
        row_id=create["row_id"],
        base_version=created.version,
        hlc=hlc_at(now + 30_000, node="amina"),
    )
    [edited] = push(session, login=world.amina, ops=[ahead])
    # Karim's phone pulled that version, then corrects the number: its clock is right.
    correction = op(
        "person",
        {"phone": "06 22 22 22 22"},
        row_id=create["row_id"],
        base_version=edited.version,
        hlc=hlc_at(now, node="karim"),
    )
    [answer] = push(session, login=world.karim, ops=[correction])
    session.expire_all()
    row = session.get(Record, create["row_id"])
    assert row is not None
    assert (answer.outcome, row.data["phone"]) == ("applied", "06 22 22 22 22")
