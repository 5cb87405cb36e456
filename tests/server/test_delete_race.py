"""A delete racing an offline edit: neither side is dropped silently.

Amina deletes a person while Karim, offline, corrects them (or the other way round).
Whichever arrives second has not seen the first: the server keeps the HLC winner as
for any field, answers `conflict` to the phone that pushed second, and opens a hard
conflict on « Supprimé » that the supervisor sees and settles: restore the record
(with the edit, kept in the tombstone) or confirm the deletion.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from sync_server.models import Record
from tests.factories import hlc_at, op, person_values
from tests.server.conftest import World

PHONE = "06 12 34 56 78"


def _karims_clock() -> str:
    """Karim's phone has its own node: two phones never share a stamp."""
    return hlc_at(node="karim-phone")


def _push(client: TestClient, login: object, ops: list[dict]) -> list[dict]:
    res = client.post("/sync/push", json={"ops": ops}, headers=login.headers)  # type: ignore[attr-defined]
    assert res.status_code == 200, res.text
    return res.json()["results"]


def _open_conflicts(client: TestClient, world: World) -> list[dict]:
    res = client.get("/console/conflicts", headers=world.sophie.headers)
    assert res.status_code == 200, res.text
    return res.json()


def _created(client: TestClient, world: World) -> tuple[str, int]:
    create = op("person", person_values())
    [r] = _push(client, world.amina, [create])
    assert r["outcome"] == "applied"
    return create["row_id"], r["version"]


def test_an_offline_edit_arriving_after_a_delete_opens_a_conflict_the_supervisor_can_restore(
    client: TestClient, session: Session, world: World, push_path: str
) -> None:
    row_id, seen = _created(client, world)
    edit = op("person", {"phone": PHONE}, row_id=row_id, base_version=seen, hlc=_karims_clock())
    [deleted] = _push(
        client, world.amina, [op("person", {"deleted": True}, row_id=row_id, base_version=seen)]
    )
    assert deleted["outcome"] == "applied"

    [answer] = _push(client, world.karim, [edit])
    assert answer["outcome"] == "conflict"
    [conflict] = _open_conflicts(client, world)
    assert (conflict["row_id"], conflict["field"]) == (row_id, "deleted")
    assert (conflict["server"]["value"], conflict["incoming"]["value"]) == (True, False)
    assert conflict["incoming"]["author_name"] == world.karim.user.display_name

    res = client.post(
        f"/console/conflicts/{conflict['id']}/resolve",
        json={"choice": "incoming"},
        headers=world.sophie.headers,
    )
    assert res.status_code == 200, res.text
    session.expire_all()
    row = session.get(Record, row_id)
    assert row is not None and not row.deleted
    assert row.data["phone"] == PHONE


def test_a_delete_arriving_after_an_unseen_edit_opens_a_conflict_and_confirming_keeps_it_deleted(
    client: TestClient, session: Session, world: World, push_path: str
) -> None:
    row_id, seen = _created(client, world)
    edit = op("person", {"phone": PHONE}, row_id=row_id, base_version=seen, hlc=_karims_clock())
    # Amina deletes offline, after Karim's edit, which she has not received.
    delete = op("person", {"deleted": True}, row_id=row_id, base_version=seen, hlc=hlc_at())
    [edited] = _push(client, world.karim, [edit])
    assert edited["outcome"] == "applied"

    [answer] = _push(client, world.amina, [delete])
    assert answer["outcome"] == "conflict"
    [conflict] = _open_conflicts(client, world)
    assert (conflict["field"], conflict["server"]["value"], conflict["incoming"]["value"]) == (
        "deleted",
        False,
        True,
    )
    assert conflict["server"]["author_name"] == world.karim.user.display_name

    res = client.post(
        f"/console/conflicts/{conflict['id']}/resolve",
        json={"choice": "incoming"},
        headers=world.sophie.headers,
    )
    assert res.status_code == 200, res.text
    session.expire_all()
    row = session.get(Record, row_id)
    assert row is not None and row.deleted
    assert _open_conflicts(client, world) == []


def test_a_delete_that_saw_the_last_edit_is_no_conflict(
    client: TestClient, world: World, push_path: str
) -> None:
    row_id, _ = _created(client, world)
    [edited] = _push(
        client, world.karim, [op("person", {"phone": PHONE}, row_id=row_id, base_version=1)]
    )
    [deleted] = _push(
        client,
        world.amina,
        [op("person", {"deleted": True}, row_id=row_id, base_version=edited["version"])],
    )
    assert deleted["outcome"] == "applied"
    assert _open_conflicts(client, world) == []
