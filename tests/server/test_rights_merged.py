"""Rights and retention reach the duplicates merged into a person (docs/architecture.md §4.6, §4.7).

A supervisor merging a duplicate keeps its contacts under the duplicate's id: the
pathway shows them under the person kept. The export, the erasure and the
retention date of that person are the human being's, so they must reach the
duplicate's records too, whichever of the two ids the supervisor starts from.
"""

from __future__ import annotations

import datetime as dt
import json

from fastapi.testclient import TestClient
from sqlmodel import Session

from sync_server.crud.retention import anonymise_expired, upcoming
from sync_server.models import Record
from tests.factories import make_followed_person
from tests.server.conftest import World


def _merged_pair(
    client: TestClient, session: Session, world: World, *, kept_at: str, duplicate_at: str
) -> tuple[dict[str, str], dict[str, str]]:
    kept = make_followed_person(
        session, login=world.amina, partner_id=world.partner_id, occurred_at=kept_at
    )
    duplicate = make_followed_person(
        session,
        login=world.karim,
        partner_id=world.partner_id,
        first_name="Zéphyrinne",
        last_name="Quatrebarbe",
        occurred_at=duplicate_at,
    )
    merged = client.post(
        f"/console/persons/{duplicate['person']}/merge",
        json={"into": kept["person"]},
        headers=world.sophie.headers,
    )
    assert merged.status_code == 204, merged.text
    session.commit()  # see what the app committed
    session.expire_all()
    return kept, duplicate


def _stored(session: Session, row_id: str) -> Record:
    session.commit()
    session.expire_all()
    row = session.get(Record, row_id)
    assert row is not None
    return row


def test_export_of_the_person_kept_holds_the_duplicate_s_records(
    client: TestClient, session: Session, world: World
) -> None:
    kept, duplicate = _merged_pair(
        client,
        session,
        world,
        kept_at="2026-10-01T10:00:00+02:00",
        duplicate_at="2026-10-08T10:00:00+02:00",
    )
    pathway = client.get(f"/console/persons/{kept['person']}/pathway", headers=world.sophie.headers)
    assert pathway.json()["contact_count"] == 2

    for asked in (kept["person"], duplicate["person"]):  # from either id
        res = client.get(f"/console/persons/{asked}/export", headers=world.sophie.headers)
        assert res.status_code == 200, res.text
        doc = res.json()
        assert doc["identifiant"] == kept["person"]
        assert doc["personne"]["nom d'usage"] == "Quatrebarbes"
        assert [d["identifiant"] for d in doc["fiches fusionnées"]] == [duplicate["person"]]
        assert doc["fiches fusionnées"][0]["nom d'usage"] == "Quatrebarbe"
        assert {c["identifiant"] for c in doc["contacts"]} == {
            kept["contact"],
            duplicate["contact"],
        }
        history = {h["identifiant"] for h in doc["historique des modifications"]}
        assert {duplicate["person"], duplicate["contact"]} <= history


def test_erasing_the_person_kept_erases_the_duplicate_and_its_records(
    client: TestClient, session: Session, world: World
) -> None:
    kept, duplicate = _merged_pair(
        client,
        session,
        world,
        kept_at="2026-10-01T10:00:00+02:00",
        duplicate_at="2026-10-08T10:00:00+02:00",
    )
    res = client.post(
        f"/console/persons/{kept['person']}/erase",
        json={"reason": "demande de la personne"},
        headers=world.sophie.headers,
    )
    assert res.status_code == 200, res.text
    assert res.json()["rows_erased"] == 8  # two persons, each with a contact, orientation, relance

    for row_id in duplicate.values():
        row = _stored(session, row_id)
        assert row.deleted, row.entity
    dup = _stored(session, duplicate["person"])
    contact = _stored(session, duplicate["contact"])
    assert dup.data.get("last_name") is None and dup.data.get("phone") is None
    assert contact.data.get("note") is None
    stored = json.dumps([_stored(session, i).data for i in duplicate.values()], ensure_ascii=False)
    assert "Quatrebarbe" not in stored and "06 12 34 56 78" not in stored


def test_retention_anonymises_a_merged_duplicate_with_the_person_kept(
    client: TestClient, session: Session, world: World
) -> None:
    kept, duplicate = _merged_pair(
        client,
        session,
        world,
        kept_at="2020-01-10T10:00:00+01:00",
        duplicate_at="2020-01-11T10:00:00+01:00",
    )
    assert anonymise_expired(session, now=dt.datetime.now(dt.UTC), default_months=24) == 1
    session.commit()
    for person_id in (kept["person"], duplicate["person"]):
        person = _stored(session, person_id)
        assert person.data["first_name"] == "Anonyme"
        assert person.data.get("last_name") is None and person.data.get("phone") is None
        assert person.data["birth_date"] == "1990-01-01"  # only the year survives
    assert _stored(session, duplicate["contact"]).data.get("note") is None
    assert _stored(session, duplicate["person"]).data["merged_into"] == kept["person"]

    # Done: the next run finds nobody due.
    assert anonymise_expired(session, now=dt.datetime.now(dt.UTC), default_months=24) == 0


def test_a_recent_contact_with_a_duplicate_keeps_the_person_kept(
    client: TestClient, session: Session, world: World
) -> None:
    recent = (dt.datetime.now(dt.UTC) - dt.timedelta(days=10)).isoformat(timespec="seconds")
    kept, duplicate = _merged_pair(
        client, session, world, kept_at="2020-01-10T10:00:00+01:00", duplicate_at=recent
    )
    assert anonymise_expired(session, now=dt.datetime.now(dt.UTC), default_months=24) == 0
    session.commit()
    assert _stored(session, kept["person"]).data["last_name"] == "Quatrebarbes"
    assert _stored(session, duplicate["person"]).data["last_name"] == "Quatrebarbe"

    # The list of persons due soon shows the person kept once, dated by that contact.
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=730 - 10 - 15)
    due = upcoming(session, cite_id=world.amina.user.cite_id, now=soon, months=24)
    assert [(a.person.id, a.members) for a, _ in due] == [
        (kept["person"], frozenset({kept["person"], duplicate["person"]}))
    ]
