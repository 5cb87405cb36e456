"""Per-person export and erasure, and retention (docs/architecture.md §4.6, §4.7),
through HTTP and a phone."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.store import LocalStore
from app.store.models import DeviceSession
from app.sync import SyncClient
from sync_server.crud.retention import anonymise_expired, upcoming
from sync_server.models import AuditEvent, CiteSettings, Conflict, Record, SyncOp
from sync_server.sync.server_ops import SYSTEM_USER_ID
from tests.factories import make_followed_person, make_local_store
from tests.server.conftest import World

NAME, SURNAME = "Zéphyrine", "Quatrebarbes"


def _everything_stored(session: Session, ids: list[str]) -> str:
    # End this session's read transaction: on SQLite (WAL) it would keep reading the
    # snapshot taken before the erasure committed in the server's own session.
    session.commit()
    session.expire_all()
    rows = session.exec(select(Record).where(col(Record.id).in_(ids))).all()
    ops = session.exec(select(SyncOp).where(col(SyncOp.row_id).in_(ids))).all()
    conflicts = session.exec(select(Conflict).where(col(Conflict.row_id).in_(ids))).all()
    audit = session.exec(select(AuditEvent)).all()
    return json.dumps(
        [r.data for r in rows]
        + [o.set_values for o in ops]
        + [[c.server_value, c.incoming_value] for c in conflicts]
        + [a.detail for a in audit],
        ensure_ascii=False,
    )


def _through(client: TestClient) -> httpx.MockTransport:
    """The phone's HTTP client talking to the app under test."""

    def handle(request: httpx.Request) -> httpx.Response:
        res = client.request(
            request.method,
            request.url.raw_path.decode(),
            content=request.content,
            headers=dict(request.headers),
        )
        return httpx.Response(res.status_code, headers=res.headers, content=res.content)

    return httpx.MockTransport(handle)


def _sync_until(phone: SyncClient, done: Callable[[], bool]) -> None:
    # On PostgreSQL, pulls wait for older transactions of the whole cluster to end
    # (docs/architecture.md §3.7): another process's open transaction may delay them.
    deadline = time.monotonic() + 30
    while True:
        phone.sync()
        if done() or time.monotonic() > deadline:
            return
        time.sleep(0.5)


def _gone(store: LocalStore, ids: dict[str, str]) -> bool:
    return all(
        (row := store.get(entity, row_id)) is None or row.deleted for entity, row_id in ids.items()
    )


def test_export_holds_everything_and_is_audited(
    client: TestClient, session: Session, world: World
) -> None:
    ids = make_followed_person(session, login=world.amina, partner_id=world.partner_id)
    res = client.get(f"/console/persons/{ids['person']}/export", headers=world.sophie.headers)
    assert res.status_code == 200, res.text
    assert res.headers["content-disposition"].startswith("attachment;")
    doc = res.json()
    assert doc["personne"]["prénom"] == NAME and doc["personne"]["nom d'usage"] == SURNAME
    assert doc["contacts"][0]["note"] == f"{NAME} cherche un CAP cuisine"
    assert doc["orientations"][0]["motif"] == f"inscription de {NAME}"
    assert doc["relances"][0]["objet"] == f"rappeler {NAME}"
    assert len(doc["historique des modifications"]) == 4
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "person.export")).one()
    assert (event.actor_user_id, event.row_id) == (world.sophie.user.id, ids["person"])
    # A mediator may not export; another cité gets "not found", not the data.
    assert (
        client.get(
            f"/console/persons/{ids['person']}/export", headers=world.amina.headers
        ).status_code
        == 403
    )


def test_erasure_scrubs_the_server_and_reaches_the_phone(
    client: TestClient, session: Session, world: World, tmp_path: Path
) -> None:
    ids = make_followed_person(session, login=world.amina, partner_id=world.partner_id)
    store = make_local_store(tmp_path)
    store.save_session(
        DeviceSession(
            server_url="http://testserver",
            token=world.amina.token,
            device_id=world.amina.device.id,
            user={"id": world.amina.user.id, "username": "amina", "role": "mediator"},
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
        assert res.json()["rows_erased"] == 4
        stored = _everything_stored(session, list(ids.values()))
        for secret in (NAME, SURNAME, "06 12 34 56 78", "1990-06-02", "CAP cuisine"):
            assert secret not in stored

        _sync_until(phone, lambda: _gone(store, ids))
    for entity, row_id in ids.items():
        row = store.get(entity, row_id)
        assert row is None or row.deleted, (entity, row)
    assert store.search_persons(NAME) == []
    again = client.post(
        f"/console/persons/{ids['person']}/erase",
        json={"reason": "encore"},
        headers=world.sophie.headers,
    )
    assert again.status_code == 409
    store.close()


def test_erase_needs_a_reason_and_no_extra_fields(client: TestClient, world: World) -> None:
    url = "/console/persons/01900000-0000-7000-8000-00000000abcd/erase"
    assert client.post(url, json={}, headers=world.sophie.headers).status_code == 422
    extra = {"reason": "demande", "also": "x"}
    assert client.post(url, json=extra, headers=world.sophie.headers).status_code == 422
    ok_body = {"reason": "demande"}
    assert client.post(url, json=ok_body, headers=world.sophie.headers).status_code == 404


def test_retention_anonymises_after_24_months_through_the_merge_path(
    client: TestClient, session: Session, world: World
) -> None:
    old = make_followed_person(
        session,
        login=world.amina,
        partner_id=world.partner_id,
        occurred_at="2023-01-10T09:00:00+01:00",
    )
    recent = make_followed_person(
        session,
        login=world.amina,
        partner_id=world.partner_id,
        first_name="Bérénice",
        last_name="Récente",
        occurred_at="2024-12-20T09:00:00+01:00",
    )
    now = dt.datetime(2024, 12, 20, 12, tzinfo=dt.UTC)

    due = upcoming(session, cite_id=world.cite_id, now=now, months=24)
    assert [a.person.id for a, _ in due] == [old["person"]]
    assert due[0][1].date() == dt.date(2025, 1, 10)  # within the next 30 days

    assert anonymise_expired(session, now=now, default_months=24) == 0  # not yet
    later = dt.datetime(2025, 2, 1, tzinfo=dt.UTC)
    assert anonymise_expired(session, now=later, default_months=24) == 1
    session.commit()
    assert anonymise_expired(session, now=later, default_months=24) == 0  # idempotent
    session.commit()

    person = session.get(Record, old["person"])
    assert person is not None
    assert person.data["first_name"] == "Anonyme" and person.data["last_name"] is None
    assert person.data["birth_date"] == "1990-01-01"  # the year survives
    assert (person.data["gender"], person.data["qpv_code"]) == ("f", "QN0600001")
    stored = _everything_stored(session, list(old.values()))
    for secret in (NAME, SURNAME, "06 12 34 56 78", "CAP cuisine"):
        assert secret not in stored
    kept = session.get(Record, recent["person"])
    assert kept is not None and kept.data["first_name"] == "Bérénice"

    # Phones receive it like any edit: the pulled person row is anonymised.
    server_op = session.exec(
        select(SyncOp).where(SyncOp.row_id == old["person"], SyncOp.user_id == SYSTEM_USER_ID)
    ).one()
    assert server_op.outcome == "applied" and server_op.version == person.version
    deadline = time.monotonic() + 30  # see _sync_until
    while True:
        pulled = client.get("/sync/pull", headers=world.karim.headers).json()["rows"]
        rows = [r for r in pulled if r["id"] == old["person"]]
        if rows or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert rows[0]["data"]["first_name"] == "Anonyme" and rows[0]["data"]["phone"] is None


def test_upcoming_endpoint_is_for_supervisors(client: TestClient, world: World) -> None:
    assert client.get("/console/retention/upcoming", headers=world.sophie.headers).json() == []
    res = client.get("/console/retention/upcoming", headers=world.amina.headers)
    assert res.status_code == 403


def test_a_cite_s_own_retention_period_drives_the_list_and_the_job(
    client: TestClient, session: Session, world: World
) -> None:
    # Last contact 13 months ago: kept under the default 24 months, due under 12.
    now = dt.datetime.now(dt.UTC)
    long_ago = (now - dt.timedelta(days=13 * 31)).isoformat(timespec="seconds")
    soon = (now - dt.timedelta(days=365 - 10)).isoformat(timespec="seconds")
    old = make_followed_person(
        session, login=world.amina, partner_id=world.partner_id, occurred_at=long_ago
    )
    near = make_followed_person(
        session,
        login=world.amina,
        partner_id=world.partner_id,
        first_name="Bérénice",
        last_name="Bientôt",
        occurred_at=soon,
    )
    listed = client.get("/console/retention/upcoming", headers=world.sophie.headers).json()
    assert listed == []  # nobody within 30 days of 24 months
    assert anonymise_expired(session, now=now, default_months=24) == 0
    session.commit()

    creil = session.get(CiteSettings, world.cite_id) or CiteSettings(cite_id=world.cite_id)
    creil.retention_months = 12
    session.add(creil)
    session.commit()

    listed = client.get("/console/retention/upcoming", headers=world.sophie.headers).json()
    assert [p["person_id"] for p in listed] == [near["person"]]  # due in ~10 days
    assert anonymise_expired(session, now=now, default_months=24) == 1
    session.commit()
    session.expire_all()
    person = session.get(Record, old["person"])
    assert person is not None and person.data["first_name"] == "Anonyme"
    kept = session.get(Record, near["person"])
    assert kept is not None and kept.data["first_name"] == "Bérénice"
    # The job's trace in the journal says which period applied to the cité.
    run = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "retention.run", AuditEvent.cite_id == world.cite_id
        )
    ).all()
    assert [e.detail["months"] for e in run][-1] == 12
