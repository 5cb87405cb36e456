"""The review loop back to the field (docs/architecture.md §3.5): a supervisor's "à corriger" and
its comment reach the mediator's local store on the next real sync; the mediator's
correction goes back as a normal op."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.console.state.api import ConsoleApi
from app.store import LocalStore
from app.sync.client import SyncClient
from scripts.processes import seed_server, start_server

pytestmark = pytest.mark.processes


def test_to_fix_with_comment_reaches_the_mediators_phone(out_dir: Path) -> None:
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    server = start_server(db_url, out_dir)
    store = LocalStore(out_dir / "phone.sqlite3")
    client = SyncClient(store, server.url)
    try:
        me = client.login("amina", "relais-demo", "téléphone de test").user["id"]
        contact = store.create(
            "contact",
            {
                "occurred_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "channel": "phone",
                "mediator_id": me,
                "need": "Un travail",
            },
        )
        client.sync()
        assert store.get("contact", contact).data["review_state"] == "received"  # type: ignore[union-attr]

        console = ConsoleApi(server.url)
        console.login("sophie", "relais-demo")
        queued = console.contacts(review_state="received", mediator_id=me, page_size=200)
        item = next(i for i in queued.items if i.id == contact)
        console.review(contact, "to_fix", "Préciser le besoin : quel métier ?", item.version)

        client.sync()
        local = store.get("contact", contact)
        assert local is not None
        assert local.data["review_state"] == "to_fix"
        assert local.data["review_comment"] == "Préciser le besoin : quel métier ?"

        # The mediator corrects the contact: a normal op, seen by the supervisor.
        store.update("contact", contact, {"need": "Cariste en intérim"})
        client.sync()
        history = console.history(contact)
        assert [h.author_name for h in history] == [
            "Amina Diallo",
            "Sophie Lefèvre",
            "Amina Diallo",
        ]
        assert history[-1].changes[0].value_label == "Cariste en intérim"
        # The correction puts the contact back in the supervisor's queue.
        queued = console.contacts(review_state="received", mediator_id=me, page_size=200)
        assert contact in {i.id for i in queued.items}
        client.sync()
        assert store.get("contact", contact).data["review_state"] == "received"  # type: ignore[union-attr]
    finally:
        client.close()
        store.close()
        server.stop()
