"""The phone's data where the OS keeps it, across an app update; locking when the app
leaves the screen; a busy server's Retry-After kept for the next automatic sync."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from email.utils import format_datetime
from pathlib import Path

import flet as ft
import httpx
import pytest

from app.config import PHONE_DB_NAME, AppConfig, phone_db_path
from app.sync.client import SyncClient, retry_after_of
from tests.factories import TEST_PIN, make_field_state, make_local_contact, make_local_person

ROOT = Path(__file__).resolve().parents[2]

# The app as installed: creates what a mediator does on a first day, then is closed.
FIRST_VERSION = """
import json
from app.config import AppConfig
from app.field.state.field_state import FieldState
from tests.factories import FAST_KDF, TEST_PIN, make_local_contact, make_local_person
from tests.factories import make_local_session
state = FieldState.open(AppConfig.from_env())
state.store.save_session(make_local_session("https://relais.exemple.fr"))
state.store.setup_pin(TEST_PIN, FAST_KDF)
person = state.store.create("person", make_local_person())
state.store.create("contact", make_local_contact(person_id=person))
state.store.save_draft("new_person", {"first_name": "Yas"})
print(json.dumps({"db": str(state.config.db_path), "ops": state.store.pending_batch(100).op_ids}))
state.store.close()
"""

# The updated app: other code, started again on the same app-data folder.
NEXT_VERSION = """
import json
from app.config import AppConfig
from app.field.state.field_state import FieldState
state = FieldState.open(AppConfig.from_env())
assert state.locked
state.store.unlock(PIN)
print(json.dumps({
    "db": str(state.config.db_path),
    "ops": state.store.pending_batch(100).op_ids,
    "server": state.store.server_url(),
    "draft": state.store.draft("new_person"),
}))
"""


def _phone_env(app_data: Path) -> dict[str, str]:
    """What a packaged app gets: Flet's app-data folder, no RELAIS_* setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    return {**env, "FLET_APP_STORAGE_DATA": str(app_data)}


def _run(code: str, cwd: Path, env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.splitlines()[-1]))


def test_the_store_lives_in_flets_app_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RELAIS_APP_DB", raising=False)
    monkeypatch.setenv("FLET_APP_STORAGE_DATA", "/data/user/0/fr.citesdelemploi.relais/data")
    assert phone_db_path() == Path("/data/user/0/fr.citesdelemploi.relais/data") / PHONE_DB_NAME
    monkeypatch.delenv("FLET_APP_STORAGE_DATA")
    assert phone_db_path() == Path("var") / PHONE_DB_NAME  # development
    monkeypatch.setenv("RELAIS_APP_DB", "/tmp/x.sqlite3")
    assert phone_db_path() == Path("/tmp/x.sqlite3")  # the tests and the demo


def test_a_store_is_found_again_after_an_app_update(tmp_path: Path) -> None:
    app_data = tmp_path / "app-data"
    app_data.mkdir()
    before = _run(FIRST_VERSION, ROOT, _phone_env(app_data))
    assert before["db"] == str(app_data / PHONE_DB_NAME)
    assert len(before["ops"]) == 2  # type: ignore[arg-type]

    # The update: the app's code is replaced (a new bundle elsewhere), its data kept.
    new_build = tmp_path / "build-2"
    for part in ("app", "domain"):
        shutil.copytree(ROOT / part, new_build / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "main.py", new_build / "main.py")
    after = _run(NEXT_VERSION.replace("PIN", repr(TEST_PIN)), new_build, _phone_env(app_data))
    assert after == {
        "db": str(app_data / PHONE_DB_NAME),
        "ops": before["ops"],  # the outbox intact: same ops, same order
        "server": "https://relais.exemple.fr",
        "draft": {"first_name": "Yas"},
    }


def test_the_app_locks_when_it_goes_to_the_background(tmp_path: Path) -> None:
    state = make_field_state(tmp_path)
    state.store.create("person", make_local_person())
    state.pin.on_lifecycle(ft.AppLifecycleState.INACTIVE)  # a call banner: still open
    assert not state.locked and state.readable
    state.pin.on_lifecycle(ft.AppLifecycleState.HIDE)  # the home button
    assert state.locked and state.store.locked and state.session is None
    state.pin.on_lifecycle(ft.AppLifecycleState.SHOW)  # back: the PIN screen, not the data
    assert state.locked and not state.readable
    assert asyncio.run(state.pin.unlock(TEST_PIN))
    assert state.readable and len(state.store.rows("person")) == 1
    state.pin.on_lifecycle(ft.AppLifecycleState.PAUSE)
    assert state.locked
    state.store.close()


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)
    later = format_datetime(now + dt.timedelta(seconds=90), usegmt=True)
    assert retry_after_of("120") == 120.0
    assert retry_after_of(later, now=now.timestamp()) == 90.0
    assert retry_after_of("bientôt") is None
    assert retry_after_of(None) is None


def test_a_busy_servers_retry_after_is_kept_for_the_next_automatic_sync(tmp_path: Path) -> None:
    def busy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"detail": "serveur occupé"}, headers={"Retry-After": "45"})

    state = make_field_state(tmp_path)
    state.store.create("contact", make_local_contact())
    state._client = SyncClient(
        state.store, "http://relais.test", transport=httpx.MockTransport(busy)
    )
    assert asyncio.run(state.sync(quiet=True)) is False
    assert state.retry_after() == 45.0
    assert state.store.pending_count() == 1  # kept for later
    state.store.close()


def test_a_phone_never_enrolled_has_no_server(tmp_path: Path) -> None:
    config = AppConfig(server_url=None, db_path=tmp_path / "p.sqlite3", mode="field")
    from app.field.state.field_state import FieldState

    state = FieldState.open(config)
    assert state.server_url is None and state.enrolled_server is None
    state.store.close()


def test_screens_watching_the_state_hear_the_lock_and_the_scope(tmp_path: Path) -> None:
    # Screens subscribe to the state only: a change in one of its parts must reach them,
    # or the unlock screen would not replace the data on a lock.
    state = make_field_state(tmp_path)
    heard: list[object] = []

    def screen(sender: object, _field: str | None) -> None:
        heard.append(sender)

    state.subscribe(screen)
    state.pathways.set_scope(False)
    assert heard == [state]
    state.sync_job.online = False  # the server stopped answering: the sync bar says so
    assert len(heard) == 2
    state.pin.on_lifecycle(ft.AppLifecycleState.HIDE)
    assert state.locked and heard[-1] is state
    locked_at = len(heard)
    state.sync_progress.text = "Envoi 2/5…"  # the sync bar's own observable only
    assert len(heard) == locked_at
    state.store.close()
