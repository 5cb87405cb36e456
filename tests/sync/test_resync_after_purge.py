"""An erasure reaches a phone that was away while its tombstones were purged.

Real server process and real phone stores. Karim logs a person; Amina's phone pulls
it, then stays away. The supervisor erases the person (tombstones), and months later
the daily retention job purges those tombstones. When Amina's phone comes back, the
server tells it to pull everything again (`reset_required`); the person must then
leave her phone — store, search and contact — while what she typed meanwhile is
kept and pushed.
"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from sync_server.core.settings import Settings
from sync_server.jobs import daily as retention
from tests.sync.checks import assert_phone_equals_server
from tests.sync.conftest import LiveServer, PhoneFactory, login_token, server_snapshot

pytestmark = pytest.mark.processes


def test_an_erasure_purged_while_a_phone_was_away_still_leaves_that_phone(
    live_server: LiveServer, make_phone: PhoneFactory
) -> None:
    amina = make_phone(live_server.url, "amina")
    karim = make_phone(live_server.url, "karim")
    erased = karim.store.create("person", {"first_name": "Zélie", "last_name": "Effacée"})
    contact = karim.store.create(
        "contact",
        {
            "mediator_id": karim.device_user_id,
            "person_id": erased,
            "occurred_at": "2026-11-20T10:00:00+01:00",
            "channel": "phone",
            "note": "rappeler lundi",
        },
    )
    kept = karim.store.create("person", {"first_name": "Lucas", "last_name": "Gardé"})
    karim.client.sync()
    amina.client.sync()
    assert [r.id for r in amina.store.search_persons("Effacée")] == [erased]

    # Amina is away. The supervisor erases the person; later the job purges the tombstones.
    token = login_token(live_server.url, "sophie")
    res = httpx.post(
        f"{live_server.url}/console/persons/{erased}/erase",
        json={"reason": "demande de la personne"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert res.status_code == 200, res.text
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=91)
    done = retention.run(Settings(database_url=live_server.database_url), now=later)
    assert done.tombstones_purged >= 2

    # Meanwhile, offline, she corrected another person and met someone new.
    amina.store.update("person", kept, {"phone": "06 98 76 54 32"})
    met = amina.store.create("person", {"first_name": "Inès", "last_name": "Nouvelle"})

    report = amina.client.sync()

    assert report.removed == 2
    assert amina.store.get("person", erased) is None
    assert amina.store.get("contact", contact) is None
    assert amina.store.search_persons("Effacée") == []
    assert amina.store.sync_status().pending == 0
    snapshot = server_snapshot(live_server.database_url)
    assert snapshot.records[kept].data["phone"] == "06 98 76 54 32"
    assert met in snapshot.records and erased not in snapshot.records
    assert_phone_equals_server(amina, snapshot)
