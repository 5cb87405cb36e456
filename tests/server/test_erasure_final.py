"""An RGPD erasure is final: a phone that was offline cannot bring any value back."""

from __future__ import annotations

import json
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

from app.store.models import DeviceSession
from app.sync import SyncClient
from domain.hlc import HlcClock
from domain.sync import Op, OpResult
from sync_server.crud.rights import erase_person
from sync_server.models import Record
from sync_server.sync.push import ERASED_REASON, push_ops
from tests.factories import (
    contact_values,
    make_followed_person,
    make_local_store,
    op,
    person_values,
)
from tests.server.conftest import World
from tests.server.test_rights_retention import _sync_until, _through

PHONE, EMAIL, NOTE = "07 99 88 77 66", "zephyrine.secret@example.org", "revue en bas de la tour"


def _whole_store(session: Session) -> str:
    """Every table a value could hide in, as one string."""
    session.commit()
    out = []
    for table in ("record", "sync_op", "conflict", "audit_event"):
        out += [list(r) for r in session.execute(text(f"SELECT * FROM {table}")).all()]
    return json.dumps(out, ensure_ascii=False, default=str)


def _push(client: TestClient, world: World, ops: list[dict]) -> dict:
    res = client.post("/sync/push", json={"ops": ops}, headers=world.karim.headers)
    assert res.status_code == 200, res.text
    return res.json()


def test_an_offline_edit_and_a_new_contact_on_an_erased_person_are_refused(
    client: TestClient, session: Session, world: World
) -> None:
    ids = make_followed_person(session, login=world.amina, partner_id=world.partner_id)
    # Karim's phone pulled the person before the erasure.
    pulled = client.get("/sync/pull", headers=world.karim.headers).json()["rows"]
    [person] = [r for r in pulled if r["id"] == ids["person"]]
    res = client.post(
        f"/console/persons/{ids['person']}/erase",
        json={"reason": "demande de la personne"},
        headers=world.sophie.headers,
    )
    assert res.status_code == 200, res.text

    edit = op(
        "person",
        {"phone": PHONE, "email": EMAIL},
        row_id=ids["person"],
        base_version=person["version"],
    )
    contact = op("contact", contact_values(world.karim.user.id, person_id=ids["person"], note=NOTE))
    old_contact = op("contact", {"note": NOTE}, row_id=ids["contact"], base_version=1)
    unrelated = op("person", person_values(first_name="Indépendante"))
    reply = _push(client, world, [edit, contact, old_contact, unrelated])
    outcomes = [(r["outcome"], r["reason"]) for r in reply["results"]]
    assert outcomes[:3] == [("rejected", ERASED_REASON)] * 3
    # One refused op never blocks the others of its batch.
    assert outcomes[3] == ("applied", None)
    assert reply["erased"] == [edit["op_id"], contact["op_id"], old_contact["op_id"]]

    # Sent again (the phone never heard the answer): refused again, nothing kept.
    again = _push(client, world, [edit, contact])
    assert [r["reason"] for r in again["results"]] == [ERASED_REASON] * 2

    stored = _whole_store(session)
    for secret in (PHONE, EMAIL, NOTE):
        assert secret not in stored
    # No conflict for a supervisor, nothing in any phone's pull, nothing in an export.
    conflicts = client.get("/console/conflicts", headers=world.sophie.headers)
    assert PHONE not in conflicts.text and EMAIL not in conflicts.text
    deadline = time.monotonic() + 30  # PostgreSQL pulls wait for older transactions
    while True:
        pull = client.get("/sync/pull", headers=world.amina.headers)
        if ids["person"] in pull.text or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert ids["person"] in pull.text
    for secret in (PHONE, EMAIL, NOTE):
        assert secret not in pull.text
    export = client.get(f"/console/persons/{ids['person']}/export", headers=world.sophie.headers)
    for secret in (PHONE, EMAIL, NOTE):
        assert secret not in export.text
    assert contact["row_id"] not in pull.text  # the new contact was never created


def test_an_op_taken_before_the_erasure_is_still_a_duplicate(
    client: TestClient, session: Session, world: World
) -> None:
    """A phone that lost the answer to an op the server took before the erasure
    hears `duplicate` (the op is done), not a refusal it would show for nothing."""
    first = op("person", person_values())
    assert _push(client, world, [first])["results"][0]["outcome"] == "applied"
    res = client.post(
        f"/console/persons/{first['row_id']}/erase",
        json={"reason": "demande"},
        headers=world.sophie.headers,
    )
    assert res.status_code == 200, res.text
    reply = _push(client, world, [first])
    assert reply["results"][0]["outcome"] == "duplicate" and reply["erased"] == []


def test_the_phone_drops_its_copy_and_says_why(
    client: TestClient, session: Session, world: World, tmp_path: Path
) -> None:
    ids = make_followed_person(session, login=world.amina, partner_id=world.partner_id)
    store = make_local_store(tmp_path)
    store.save_session(
        DeviceSession(
            server_url="http://testserver",
            token=world.karim.token,
            device_id=world.karim.device.id,
            user={"id": world.karim.user.id, "username": "karim", "role": "mediator"},
        )
    )
    with SyncClient(store, "http://testserver", transport=_through(client)) as phone:
        _sync_until(phone, lambda: store.get("person", ids["person"]) is not None)
        res = client.post(
            f"/console/persons/{ids['person']}/erase",
            json={"reason": "demande de la personne"},
            headers=world.sophie.headers,
        )
        assert res.status_code == 200, res.text
        # Offline, Karim edits the person and logs a new contact with them.
        store.update("person", ids["person"], {"phone": PHONE, "email": EMAIL})
        contact_id = store.create(
            "contact",
            contact_values(world.karim.user.id, person_id=ids["person"], note=NOTE),
        )
        kept_id = store.create("person", person_values(first_name="Indépendante"))
        report = phone.sync()
    assert report.rejected == 2
    status = store.sync_status()
    assert [reason for _, reason in status.rejected] == [ERASED_REASON] * 2
    assert store.get("contact", contact_id) is None
    person = store.get("person", ids["person"])
    assert person is None or person.deleted
    assert store.get("person", kept_id) is not None
    assert store.search_persons("Zéphyrine") == []
    store.close()
    # Nothing of the edit is left in the phone's file, even in clear columns.
    with sqlite3.connect(tmp_path / "relais.sqlite3") as raw:
        dump = "\n".join(raw.iterdump())
    for secret in (PHONE, EMAIL, NOTE):
        assert secret not in dump
    # And none on the server.
    stored = _whole_store(session)
    for secret in (PHONE, EMAIL, NOTE):
        assert secret not in stored


def test_a_push_racing_the_erasure_is_refused(
    engine: Engine, session: Session, world: World
) -> None:
    """The erasure's transaction is still open when a phone's edit arrives: the push
    waits for it, then refuses the edit (it never reads the erased list too early)."""
    ids = make_followed_person(session, login=world.amina, partner_id=world.partner_id)
    row = session.get(Record, ids["person"])
    assert row is not None
    version = row.version
    clock = HlcClock(node="test-server")
    with Session(engine, expire_on_commit=False) as eraser:
        person = eraser.get(Record, ids["person"])
        assert person is not None
        erase_person(eraser, person=person, clock=clock)
        edit = op("person", {"email": EMAIL}, row_id=ids["person"], base_version=version)

        def push_edit() -> list[OpResult]:
            with Session(engine, expire_on_commit=False) as phone:
                results = push_ops(
                    phone,
                    user=world.karim.user,
                    device=world.karim.device,
                    ops=[Op.model_validate(edit)],
                    clock=HlcClock(node="other-server"),
                )
                phone.commit()
                return results

        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(push_edit)
            time.sleep(0.5)  # the push is now waiting on the erasure
            eraser.commit()
            [result] = pending.result(timeout=30)
    assert (result.outcome, result.reason) == ("rejected", ERASED_REASON)
    assert EMAIL not in _whole_store(session)
