"""A supervisor validates a morning's contacts in one step (those ticked, or every
contact of one action de terrain), and can undo it: each op syncs like any review."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from sync_server.models import AuditEvent, Record
from tests.factories import contact_values, hlc_at, make_record
from tests.server.conftest import World


def _morning(session: Session, world: World, count: int) -> tuple[str, list[str]]:
    event_id, _ = make_record(
        session,
        login=world.amina,
        entity="event",
        values={"type": "foot_of_building", "starts_at": "2025-03-14T09:00:00+01:00"},
    )
    contacts = [
        make_record(
            session,
            login=world.amina,
            entity="contact",
            values=contact_values(world.amina.user.id, event_id=event_id),
        )[0]
        for _ in range(count)
    ]
    return event_id, contacts


def _states(session: Session, ids: list[str]) -> list[Any]:
    session.rollback()  # end the test's read snapshot
    session.expire_all()
    return [session.get(Record, i).data.get("review_state") for i in ids]  # type: ignore[union-attr]


def test_all_contacts_of_an_action_validated_in_one_step_then_undone(
    client: TestClient, session: Session, world: World
) -> None:
    event_id, contacts = _morning(session, world, 4)
    other_event, elsewhere = _morning(session, world, 1)
    sent_back = client.post(
        f"/console/contacts/{contacts[0]}/review",
        json={"state": "to_fix", "comment": "Préciser le besoin."},
        headers=world.sophie.headers,
    )
    assert sent_back.status_code == 200

    res = client.post(
        "/console/contacts/validate", json={"event_id": event_id}, headers=world.sophie.headers
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["validated"], body["skipped"]) == (3, 1)
    assert _states(session, contacts) == ["to_fix", "validated", "validated", "validated"]
    assert _states(session, elsewhere) == ["received"]
    # The mediator's phone gets the validations at its next pull.
    pulled = client.get("/sync/pull", headers=world.amina.headers).json()["rows"]
    assert {r["id"]: r["data"].get("review_state") for r in pulled}[contacts[1]] == "validated"

    # A mediator edits one meanwhile: the undo leaves that one as it now is.
    edited = client.post(
        "/sync/push",
        json={
            "ops": [
                {
                    "op_id": "0196a1b2-0000-7000-8000-0000000000a1",
                    "device_seq": 99,
                    "entity": "contact",
                    "row_id": contacts[3],
                    "hlc": hlc_at(),
                    "base_version": None,
                    "set": {"need": "Un emploi de cariste"},
                }
            ]
        },
        headers=world.amina.headers,
    )
    assert edited.status_code == 200, edited.text
    undone = client.post(
        "/console/contacts/validate/undo",
        json={"undo": body["undo"]},
        headers=world.sophie.headers,
    )
    assert undone.status_code == 200, undone.text
    assert undone.json() == {"restored": 2, "skipped": 1}
    # A mediator's edit sends a validated contact back to the queue anyway (review loop).
    assert _states(session, contacts)[:3] == ["to_fix", "received", "received"]
    actions = [
        a.action
        for a in session.exec(select(AuditEvent).where(AuditEvent.action.startswith("review.")))
    ]
    assert actions == ["review.to_fix", "review.bulk_validated", "review.bulk_undone"]
    assert other_event != event_id


def test_ticked_contacts_are_validated_and_bad_requests_read_in_french(
    client: TestClient, session: Session, world: World
) -> None:
    _event, contacts = _morning(session, world, 3)
    res = client.post(
        "/console/contacts/validate",
        json={"contact_ids": contacts[:2]},
        headers=world.sophie.headers,
    )
    assert res.json()["validated"] == 2
    assert _states(session, contacts) == ["validated", "validated", "received"]
    both = client.post(
        "/console/contacts/validate",
        json={"contact_ids": contacts, "event_id": _event},
        headers=world.sophie.headers,
    )
    assert both.status_code == 422
    assert "pas les deux" in str(both.json()["detail"])
    theirs = make_record(
        session,
        login=world.other,
        entity="contact",
        values=contact_values(world.other.user.id),
    )[0]
    foreign = client.post(
        "/console/contacts/validate",
        json={"contact_ids": [contacts[2], theirs]},
        headers=world.sophie.headers,
    )
    assert foreign.status_code == 404
    assert foreign.json()["detail"] == "1 contact(s) introuvable(s) dans votre cité."
    assert _states(session, contacts)[2] == "received"  # nothing written
    mediator = client.post(
        "/console/contacts/validate", json={"contact_ids": contacts}, headers=world.amina.headers
    )
    assert mediator.status_code == 403
