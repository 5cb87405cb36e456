"""Automatic sync wired into the field app's state, against the in-memory server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from app.field.screens.sync_details import readable_reason
from app.field.state.field_state import FieldState
from app.field.state.sync_actions import SyncProgressView, progress_fraction, progress_text
from app.sync.auto import AutoSync
from app.sync.client import SyncClient, SyncProgress
from app.sync.errors import DEVICE_WIPED
from app.ui.form_state import Form
from tests.app.fake_server import FakeServer
from tests.factories import make_field_state, make_local_contact


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture
def state(tmp_path: Path, server: FakeServer) -> Iterator[FieldState]:
    field_state = make_field_state(tmp_path)
    store = field_state.store
    field_state._client = SyncClient(
        store, "http://relais.test", transport=server.transport(), push_batch=2
    )
    yield field_state
    store.close()


def _auto(state: FieldState, server: FakeServer) -> AutoSync:
    return AutoSync(state, lambda: state.server_url, interval=0, prober=lambda _u: not server.down)


def test_pending_contacts_leave_by_themselves_once_the_server_answers(
    state: FieldState, server: FakeServer
) -> None:
    for _ in range(5):
        state.store.create("contact", make_local_contact())
    server.down = True
    auto = _auto(state, server)
    seen: list[str] = []  # what the sync bar was given to show, in order

    def record(view: SyncProgressView, name: str | None) -> None:
        if name == "text" and view.text:
            seen.append(view.text)

    observable: Any = state.sync_progress  # listeners are weakly held: keep `record`
    observable.subscribe(record)

    async def scenario() -> list[bool]:
        offline = await auto.tick()
        server.down = False
        return [offline, await auto.tick(), await auto.tick()]

    ticks = asyncio.run(scenario())
    assert ticks == [False, True, False]  # offline; synced; nothing left, pull not due
    assert state.online is True
    assert state.status is not None and state.status.pending == 0
    assert state.status.last_sync_at is not None and state.status.last_error is None
    assert state.notice is None and state.error is None  # automatic: no banner
    assert not state.syncing and state.sync_progress.text == ""
    assert not state.sync_progress.running
    assert state.sync_progress.fraction is None
    assert [s for s in seen if s.startswith("Envoi")] == [
        "Envoi 2/5…",
        "Envoi 4/5…",
        "Envoi 5/5…",
    ]
    assert len(server.rows) == 5


def test_no_automatic_sync_while_locked(state: FieldState, server: FakeServer) -> None:
    state.store.create("contact", make_local_contact())
    state.pin.lock()
    probes: list[str] = []
    auto = AutoSync(state, lambda: state.server_url, interval=0, prober=_recording(probes))
    assert asyncio.run(auto.tick()) is False
    assert probes == [] and server.rows == {}
    assert state.store.pending_count() == 1


def test_an_automatic_sync_that_moves_nothing_leaves_the_screens_alone(
    state: FieldState, server: FakeServer
) -> None:
    state.store.create("contact", make_local_contact())
    asyncio.run(state.sync(quiet=True))
    revision = state.revision
    asyncio.run(state.sync(quiet=True))  # nothing to push, nothing new to pull
    assert state.revision == revision


def test_automatic_sync_does_not_hold_the_inactivity_lock_back(
    state: FieldState, server: FakeServer
) -> None:
    state.store.create("contact", make_local_contact())
    state.pin._last_activity = 12.5
    assert asyncio.run(_auto(state, server).tick()) is True
    assert state.pin._last_activity == 12.5


def test_screens_redrawn_by_an_automatic_sync_do_not_hold_the_lock_back(
    state: FieldState, server: FakeServer
) -> None:
    """A phone left on a table while colleagues' entries keep arriving still locks:
    the screens an automatic sync redraws are not the mediator's activity."""
    state.store.create("contact", make_local_contact())
    state.pin._last_activity = 12.5
    assert asyncio.run(_auto(state, server).tick()) is True
    state.screen_drawn()  # the rows and counts it brought, drawn
    assert state.pin._last_activity == 12.5
    state.screen_drawn()  # the next drawing is the mediator's: a tap, another screen
    assert state.pin._last_activity > 12.5
    # A sync the mediator tapped is activity like any other action.
    state.pin._last_activity = 12.5
    state.store.create("contact", make_local_contact())
    asyncio.run(state.sync())
    state.screen_drawn()
    assert state.pin._last_activity > 12.5


def test_typing_in_a_form_holds_the_lock_back_and_keeps_the_draft(state: FieldState) -> None:
    state.pin._last_activity = 12.5
    state.keep_draft("new-person", {"first_name": "Zéph"})
    assert state.pin._last_activity > 12.5
    assert state.store.draft("new-person") == {"first_name": "Zéph"}
    state.pin._last_activity = 12.5
    state.search_typed("zéph")
    assert state.pin._last_activity > 12.5
    assert state.search.query == "zéph"


def test_typing_in_a_form_without_a_draft_holds_the_lock_back_too(state: FieldState) -> None:
    """A relance's object, an orientation's motif: the form redraws alone (not the
    screen), and a phone's on-screen keyboard sends no key events to the app."""
    ref = SimpleNamespace(current={"what": ""})
    drawn: list[dict[str, object]] = []
    form = Form(ref, drawn.append, on_change=state.form_changed)
    state.pin._last_activity = 12.5
    form.setter("what")("Rappeler la Mission Locale")
    assert state.pin._last_activity > 12.5
    assert form["what"] == "Rappeler la Mission Locale"
    assert drawn == [{"what": "Rappeler la Mission Locale"}]


def test_a_manual_sync_says_what_it_did(state: FieldState, server: FakeServer) -> None:
    state.store.create("contact", make_local_contact())
    asyncio.run(state.sync())
    assert state.notice == "Synchronisation terminée : 1 envoyé(s), 1 reçu(s)."
    server.down = True
    asyncio.run(state.sync())
    assert state.error is not None and "Serveur injoignable" in state.error
    assert state.online is False
    assert state.status is not None and state.status.last_error == state.error
    # Back in range: the automatic sync succeeds and the stale banner goes.
    server.down = False
    state.store.create("contact", make_local_contact())
    assert asyncio.run(_auto(state, server).tick()) is True
    assert state.error is None and state.status is not None and state.status.last_error is None


def test_progress_text_and_fraction() -> None:
    push = SyncProgress("push", 200, 5000)
    assert progress_text(push) == "Envoi 200/5000…"
    assert progress_fraction(push) == pytest.approx(0.04)
    pull = SyncProgress("pull", 1000, None)
    assert progress_text(pull) == "Réception 1000…"
    assert progress_fraction(pull) is None


def _recording(probes: list[str]) -> Callable[[str], bool]:
    def prober(url: str) -> bool:
        probes.append(url)
        return True

    return prober


def test_a_tap_during_an_automatic_sync_is_not_lost(state: FieldState) -> None:
    state.store.create("contact", make_local_contact())

    async def scenario() -> None:
        automatic = asyncio.create_task(state.sync(quiet=True))
        await asyncio.sleep(0)  # the automatic sync is under way
        assert state.sync_progress.running and not state.syncing  # the screens stay still
        await state.sync()  # the mediator taps "Synchroniser" meanwhile
        await automatic

    asyncio.run(scenario())
    assert state.notice == "Synchronisation terminée : 1 envoyé(s), 1 reçu(s)."
    assert state.status is not None and state.status.pending == 0


def test_server_reasons_read_in_french() -> None:
    assert readable_reason("person_id : référence inconnue dans votre cité (x)") == (
        "Personne : référence inconnue dans votre cité (x)"
    )
    assert readable_reason("champs obligatoires manquants : first_name, occurred_at") == (
        "champs obligatoires manquants : Prénom, Date du contact"
    )
    assert readable_reason("opération vide : aucun champ à écrire") == (
        "opération vide : aucun champ à écrire"
    )


def test_the_search_typed_survives_syncs_and_is_forgotten_at_lock(
    state: FieldState, server: FakeServer
) -> None:
    state.store.create("contact", make_local_contact())
    state.search.set("benyahia")
    asyncio.run(state.sync(quiet=True))  # screens re-render; the search stays
    assert state.search.query == "benyahia"
    state.pin.lock()  # a name typed must not outlive the lock
    assert state.search.query == ""


def test_the_app_probes_on_the_sync_clients_connection(
    state: FieldState, server: FakeServer
) -> None:
    # The sync that follows a probe reuses its connection: one round trip less.
    assert state.server_url is not None
    assert state._probe(state.server_url) is True
    assert server.health_checks == 1
    server.down = True
    assert state._probe(state.server_url) is False
    assert server.health_checks == 1


def test_a_revoked_phone_sends_what_it_can_then_starts_again_empty(
    state: FieldState, server: FakeServer
) -> None:
    old_store = state.store
    state.store.create("contact", make_local_contact())
    server.revoked = True
    assert asyncio.run(state.sync()) is False
    assert len(server.rows) == 1  # the contact reached the server before the wipe
    assert state.store is not old_store and state.store.pending_count() == 0
    assert state.session is None and not state.locked  # the login screen, not the PIN
    assert state.error == DEVICE_WIPED
    assert not state.syncing and not state.sync_progress.running
    state.store.close()
