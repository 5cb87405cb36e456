"""A restore that was tried, on PostgreSQL, with real server processes and phones.

The demo cité is live: phones log and sync. The operator backs the database up
(`./relais backup`), the phones go on working and syncing, then the database is
restored from that backup (`./relais restore`): what they synced after the backup
is gone from the server. Each phone's next sync is told the database was restored
(its cursor carries the database's epoch), pushes again every row it holds, and
pulls: nothing that was on a phone is lost, what a phone still had to push goes
too, and every phone ends equal to the server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from scripts.processes import ROOT, free_port, seed_server
from tests.server.conftest import fresh_pg_database, pg_admin

__all__ = ["pg_admin"]  # the server suite's fixture, used here
from tests.sync.checks import assert_phone_equals_server, local_rows
from tests.sync.conftest import (
    LiveServer,
    Phone,
    PhoneFactory,
    ServerSnapshot,
    server_snapshot,
)

pytestmark = [pytest.mark.postgres, pytest.mark.processes]


def relais(database_url: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync_server.cli", *argv],
        cwd=ROOT,
        env={**os.environ, "RELAIS_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def catch_up(phone: Phone, snapshot: ServerSnapshot) -> None:
    """Sync until the phone holds every row of the server. What the others pushed
    again after this phone's sync comes at its next; and on PostgreSQL a pull waits
    for the oldest writing transaction still open on the whole cluster (README:
    rows are delayed, never skipped), which other databases' tests on this shared
    cluster may hold a moment."""
    deadline = time.monotonic() + 60
    while set(local_rows(phone.store)) != set(snapshot.records):
        assert time.monotonic() < deadline, "rows never reached the phone"
        assert phone.client.sync().requeued == 0  # an ordinary sync now
        time.sleep(0.5)


def test_postgres_restore_drill_loses_nothing_a_phone_held(
    pg_admin: Engine, tmp_path: Path, make_phone: PhoneFactory
) -> None:
    with fresh_pg_database(pg_admin) as url:
        seed_server(url)
        server = LiveServer(url, tmp_path / "logs", free_port())
        server.start()
        amina = make_phone(server.url, "amina")
        karim = make_phone(server.url, "karim")
        julie = make_phone(server.url, "julie")

        before = amina.store.create("person", {"first_name": "Awa", "last_name": "Avant"})
        for phone in (amina, karim, julie):
            phone.client.sync()

        backup = tmp_path / "relais.backup"
        done = relais(url, "backup", str(backup))
        assert done.returncode == 0, done.stderr

        # After the backup: new persons and contacts, an edit, all synced (the phones
        # deleted their acknowledged ops), Karim pulls Amina's.
        after = amina.store.create("person", {"first_name": "Bintou", "last_name": "Après"})
        contact = amina.store.create(
            "contact",
            {
                "mediator_id": amina.device_user_id,
                "person_id": after,
                "occurred_at": "2026-12-01T10:00:00+01:00",
                "channel": "foot_of_building",
                "note": "rappeler jeudi",
            },
        )
        amina.store.update("person", before, {"phone": "06 11 22 33 44", "last_name": "Avant-Bis"})
        amina.client.sync()
        by_karim = karim.store.create("person", {"first_name": "Céline", "last_name": "Karim"})
        karim.client.sync()
        assert amina.store.sync_status().pending == karim.store.sync_status().pending == 0
        # And one entry Amina has not synced yet when the restore happens.
        offline = amina.store.create("person", {"first_name": "Diane", "last_name": "Horsligne"})

        server.stop()
        refused = relais(url, "restore", str(tmp_path / "logs" / "server.log"))
        assert refused.returncode == 1
        assert "rien n'a été restauré" in refused.stderr
        restored = relais(url, "restore", str(backup))
        assert restored.returncode == 0, restored.stderr
        lost = server_snapshot(url).records
        assert before in lost and "phone" not in lost[before].data
        assert after not in lost and contact not in lost and by_karim not in lost
        server.start()

        # Amina and Karim hold the latest copies. Julie synced nothing after the
        # backup: told too, she pushes again her older copies (stamped with her last
        # sync, earlier): where they differ from what came back, hers lose, as
        # conflicts that keep both values for the supervisor.
        for phone in (amina, karim, julie):
            report = phone.client.sync()
            assert report.requeued > 0, phone.path
            assert report.rejected == 0, phone.path
            assert report.conflicts == (1 if phone is julie else 0), phone.path
            assert phone.store.sync_status().pending == 0
        snapshot = server_snapshot(url)
        assert snapshot.records[before].data["phone"] == "06 11 22 33 44"
        assert snapshot.records[before].data["last_name"] == "Avant-Bis"
        assert snapshot.records[contact].data["note"] == "rappeler jeudi"
        for row_id in (after, contact, by_karim, offline):
            assert row_id in snapshot.records
        for phone in (amina, karim, julie):
            catch_up(phone, snapshot)
            assert_phone_equals_server(phone, snapshot)
        assert {offline, by_karim, after} <= set(local_rows(amina.store))

        server.stop()
