"""Two phones offline on the same person, cursor revocation, schema versions, merges.

Real server process; each phone is a real store file with its own sync client.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine
from sqlmodel import Session

from app.sync import client as sync_client
from app.sync.errors import UPGRADE, UpgradeRequired
from scripts.processes import _spawn, free_port, wait_http
from sync_server.sync.pull import purge_tombstones
from tests.sync.checks import assert_ops_applied_once, assert_phone_equals_server, server_data
from tests.sync.conftest import LiveServer, PhoneFactory, login_token, server_snapshot

pytestmark = pytest.mark.processes


def _conflicts_seen_by_supervisor(live_server: LiveServer, row_id: str) -> list[dict[str, Any]]:
    """The conflicts on `row_id` that Sophie's console lists."""
    token = login_token(live_server.url, "sophie")
    listed = httpx.get(
        f"{live_server.url}/console/conflicts",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert listed.status_code == 200
    return [c for c in listed.json() if c["row_id"] == row_id]


def test_offline_edits_same_field_conflict_other_fields_merge(
    live_server: LiveServer, make_phone: PhoneFactory
) -> None:
    amina = make_phone(live_server.url, "amina")
    karim = make_phone(live_server.url, "karim")
    person_id = amina.store.create("person", {"first_name": "Inès", "need": "CV"})
    amina.client.sync()
    karim.client.sync()

    # Both in the street, no network.
    amina.store.update("person", person_id, {"need": "formation aide-soignante"})
    amina.store.update("person", person_id, {"commune": "Creil"})
    karim.store.update("person", person_id, {"need": "permis B"})
    karim.store.update("person", person_id, {"phone": "0612345678"})

    assert amina.client.sync().conflicts == 0
    report = karim.client.sync()
    assert report.conflicts == 1
    assert report.rejected == 0

    conflicts = _conflicts_seen_by_supervisor(live_server, person_id)
    assert [(c["field"], c["server_value"], c["incoming_value"]) for c in conflicts] == [
        ("need", "formation aide-soignante", "permis B")
    ]
    assert conflicts[0]["incoming_won"] is True  # Karim's edit was made later

    for _ in range(2):
        amina.client.sync()
        karim.client.sync()
    snapshot = server_snapshot(live_server.database_url)
    merged = server_data(snapshot, person_id)
    assert merged["need"] == "permis B"
    assert merged["commune"] == "Creil"
    assert merged["phone"] == "0612345678"
    for phone in (amina, karim):
        assert_ops_applied_once(phone, snapshot)
        assert_phone_equals_server(phone, snapshot)


@pytest.mark.parametrize("push_batch", [200, 1], ids=["one-push", "one-push-per-op"])
def test_own_corrections_made_offline_before_the_first_sync_are_no_conflict(
    live_server: LiveServer, make_phone: PhoneFactory, push_batch: int
) -> None:
    # One push per op: a phone back after weeks sends its outbox in several pushes,
    # and the creation and its corrections can fall in different ones.
    amina = make_phone(live_server.url, "amina", push_batch=push_batch)
    # In the street, no network: a new person, then two corrections an hour apart.
    person_id = amina.store.create("person", {"first_name": "Ines", "need": "CV"})
    amina.store.update("person", person_id, {"first_name": "Inès"})
    amina.store.update("person", person_id, {"need": "formation aide-soignante"})

    report = amina.client.sync()
    assert (report.acked, report.conflicts, report.rejected) == (3, 0, 0)

    assert _conflicts_seen_by_supervisor(live_server, person_id) == []
    snapshot = server_snapshot(live_server.database_url)
    stored = server_data(snapshot, person_id)
    assert (stored["first_name"], stored["need"]) == ("Inès", "formation aide-soignante")
    assert_ops_applied_once(amina, snapshot)
    assert_phone_equals_server(amina, snapshot)


def test_purged_tombstones_force_a_full_pull_keeping_local_edits(
    live_server: LiveServer, make_phone: PhoneFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    amina = make_phone(live_server.url, "amina")
    karim = make_phone(live_server.url, "karim")
    kept = amina.store.create("person", {"first_name": "Lucas"})
    amina.client.sync()

    # Karim creates and deletes a person; Amina never pulls that tombstone.
    gone = karim.store.create("person", {"first_name": "Doublon"})
    karim.store.delete("person", gone)
    karim.store.create("person", {"first_name": "Maëlle"})
    karim.client.sync()
    engine = create_engine(live_server.database_url)
    with Session(engine) as session:
        assert purge_tombstones(session, older_than=dt.datetime.now(dt.UTC) + dt.timedelta(1)) >= 1
        session.commit()
    engine.dispose()

    # The reset happens while Amina is typing: her new edit must survive the re-pull.
    asked: list[str | None] = []  # the cursor each pull request was sent with
    resets: list[str | None] = []

    def sent(request: httpx.Request) -> None:
        if request.url.path.startswith("/sync/pull"):
            asked.append(request.url.params.get("cursor"))

    set_cursor = amina.store.set_cursor

    def typing_on_reset(cursor: str | None) -> None:
        if cursor is None:  # only a reset forgets the cursor
            resets.append(cursor)
            amina.store.update("person", kept, {"need": "garde d'enfants"})
        set_cursor(cursor)

    amina.client._http.event_hooks["request"].append(sent)  # the client's own connection
    monkeypatch.setattr(amina.store, "set_cursor", typing_on_reset)
    report = amina.client.sync()
    monkeypatch.undo()

    assert asked[0] is not None and resets == [None]
    assert asked[1] is None  # started again from scratch
    assert report.pulled >= 3 and amina.store.cursor() is not None
    status = amina.store.sync_status()
    assert status.pending == 1
    local = amina.store.get("person", kept)
    assert local is not None and local.data["need"] == "garde d'enfants"
    purged = amina.store.get("person", gone)
    assert purged is None or purged.deleted

    amina.client.sync()
    snapshot = server_snapshot(live_server.database_url)
    assert server_data(snapshot, kept)["need"] == "garde d'enfants"
    assert gone not in snapshot.records
    assert_ops_applied_once(amina, snapshot)


def test_merged_person_disappears_from_other_phones_search(
    live_server: LiveServer, make_phone: PhoneFactory
) -> None:
    amina = make_phone(live_server.url, "amina")
    karim = make_phone(live_server.url, "karim")
    first = amina.store.create("person", {"first_name": "Rayane", "last_name": "Zerbibou"})
    twin = amina.store.create("person", {"first_name": "Rayan", "last_name": "Zerbibo"})
    amina.client.sync()
    karim.client.sync()
    assert {r.id for r in karim.store.search_persons("Zerbib")} >= {first, twin}

    # Merging is the supervisor's, from the console (journaled, reversible:
    # docs/architecture.md §3.13).
    token = login_token(live_server.url, "sophie")
    merged = httpx.post(
        f"{live_server.url}/console/persons/{twin}/merge",
        json={"into": first},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert merged.status_code == 204, merged.text
    amina.client.sync()
    karim.client.sync()
    assert [r.id for r in amina.store.search_persons("Zerbib")] == [first]

    snapshot = server_snapshot(live_server.database_url)
    assert server_data(snapshot, twin)["merged_into"] == first
    redirected = karim.store.get("person", twin)
    assert redirected is not None and redirected.data["merged_into"] == first
    assert [r.id for r in karim.store.search_persons("Zerbib")] == [first]
    assert_phone_equals_server(karim, snapshot)


SERVER_AT_V2 = (
    "import domain.sync as s; s.SCHEMA_VERSION = 2; s.MIN_SCHEMA_VERSION = 1; "
    "import uvicorn; uvicorn.run('sync_server.main:create_app', factory=True, "
    "host='127.0.0.1', port={port}, log_level='warning')"
)


def test_older_accepted_schema_syncs_and_too_old_gets_upgrade_required(
    live_server: LiveServer, make_phone: PhoneFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same database, served by a newer server (schema 2) that still accepts 1.
    live_server.stop()
    port = free_port()
    newer = _spawn(
        "server-v2",
        [sys.executable, "-c", SERVER_AT_V2.replace("{port}", str(port))],
        {"RELAIS_DATABASE_URL": live_server.database_url},
        live_server.log_dir,
        f"http://127.0.0.1:{port}",
    )
    try:
        wait_http(newer, "/health")
        old_app = make_phone(newer.url, "amina")  # speaks schema 1
        person_id = old_app.store.create("person", {"first_name": "Nora"})
        assert old_app.client.sync().rejected == 0
        assert server_data(server_snapshot(live_server.database_url), person_id)

        monkeypatch.setattr(sync_client, "SCHEMA_VERSION", 0)
        ancient = make_phone(newer.url, "karim", name="ancient")  # login needs no schema
        ancient.store.create("person", {"first_name": "Jade"})
        with pytest.raises(UpgradeRequired) as raised:
            ancient.client.sync()
        assert str(raised.value) == UPGRADE == "Mettez l'application à jour pour synchroniser."
        assert raised.value.min_schema_version == 1
        status = ancient.store.sync_status()
        assert status.pending == 1
        assert status.last_error == UPGRADE
    finally:
        newer.stop()
