"""A phone never enrolled learns its server at enrolment, against a real server.

The field app's state as the login screen drives it, with no RELAIS_* setting: the
server's address typed once or carried by the QR code's link, checked against
`/health`, kept in the store; each bad input gets its French message and leaves the
phone as it was.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import http.server
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from app.config import AppConfig
from app.field.state.field_state import LINK_AND_TYPED_DIFFER, NO_SERVER, FieldState, other_server
from app.sync.errors import BAD_ENROL_CODE, NO_SERVER_THERE, NOT_RELAIS
from domain.enrol import BAD_ADDRESS, PLAIN_HTTP
from scripts.processes import Proc, free_port, seed_server, start_server
from tests.factories import FAST_KDF

pytestmark = pytest.mark.processes


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Proc, Path]]:
    where = tmp_path / "server"
    where.mkdir()
    db = where / "server.sqlite3"
    seed_server(f"sqlite:///{db}")
    proc = start_server(f"sqlite:///{db}", where, free_port())
    yield proc, db
    proc.stop()


def new_code(base_url: str, username: str = "amina") -> str:
    """A one-time code, as an admin generates it in Administration › Appareils."""
    token = httpx.post(
        f"{base_url}/auth/login",
        json={"username": "admin", "password": "relais-demo", "device_name": "console"},
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    users = httpx.get(f"{base_url}/admin/users", headers=headers, params={"page_size": 200})
    user_id = next(u["id"] for u in users.json()["items"] if u["username"] == username)
    made = httpx.post(f"{base_url}/admin/users/{user_id}/enrol-codes", headers=headers)
    assert made.status_code == 201
    return str(made.json()["code"])


def phone(tmp_path: Path, name: str = "phone.sqlite3") -> FieldState:
    """A phone as installed: no server known, nothing from the environment."""
    return FieldState.open(AppConfig(server_url=None, db_path=tmp_path / name, mode="field"))


def untouched(state: FieldState) -> bool:
    return (
        state.session is None
        and state.store.session() is None
        and state.store.server_url() is None
        and state.store.referentials() is None
    )


@pytest.fixture
def not_relais() -> Iterator[str]:
    """Another web server on loopback: it answers, but has no Relais /health."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory="/nonexistent")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_bad_addresses_and_codes_leave_the_phone_as_it_was(
    server: tuple[Proc, Path], tmp_path: Path, not_relais: str
) -> None:
    proc, db = server
    state = phone(tmp_path)
    code = new_code(proc.url)
    cases = [
        ("", NO_SERVER),
        ("pas une adresse", BAD_ADDRESS),
        ("http://relais.exemple.fr", PLAIN_HTTP),
        (f"http://127.0.0.1:{free_port()}", NO_SERVER_THERE),
        (not_relais, NOT_RELAIS),
    ]
    for address, message in cases:
        assert asyncio.run(state.enrol(code, address)) is False
        assert state.error == message, address
        assert untouched(state)

    # The QR code's link names one server, the field another.
    link = "relais://enrol?" + urlencode({"server": proc.url, "code": code})
    assert asyncio.run(state.enrol(link, "https://ailleurs.exemple.fr")) is False
    assert state.error == LINK_AND_TYPED_DIFFER and untouched(state)

    # A code already used (by another phone), then one past its 15 minutes.
    other = phone(tmp_path, "other.sqlite3")
    assert asyncio.run(other.enrol(code, proc.url))
    other.client.close()
    other.store.close()
    assert asyncio.run(state.enrol(code, proc.url)) is False
    assert state.error == BAD_ENROL_CODE and untouched(state)
    expired = new_code(proc.url)
    with sqlite3.connect(db) as conn:
        past = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
        conn.execute("UPDATE enrol_code SET expires_at = ? WHERE used_at IS NULL", (past,))
    assert asyncio.run(state.enrol(expired, proc.url)) is False
    assert state.error == BAD_ENROL_CODE and untouched(state)

    # The same phone then enrols with a good code: nothing left over from the failures.
    assert asyncio.run(state.enrol(new_code(proc.url), proc.url)) is True
    assert state.store.server_url() == proc.url
    state.client.close()
    state.store.close()


def test_the_qr_link_enrols_and_the_server_stays_with_the_phone(
    server: tuple[Proc, Path], tmp_path: Path
) -> None:
    proc, _db = server
    state = phone(tmp_path)
    link = "relais://enrol?" + urlencode({"server": proc.url + "/", "code": new_code(proc.url)})
    assert asyncio.run(state.enrol(link)) is True  # pasted, no address typed
    assert state.session is not None and state.session.server_url == proc.url
    assert state.store.server_url() == proc.url
    assert state.referentials is not None

    # It syncs with that server: a contact goes, and comes back in the pull.
    state.store.setup_pin("135790", FAST_KDF)
    state.quick_contact("under_26", None, None)
    assert asyncio.run(state.sync()) is True, state.error
    assert state.store.pending_count() == 0

    # Signed out, the phone still knows its server, and refuses another one's link.
    state.logout()
    assert state.enrolled_server == proc.url
    other = "relais://enrol?" + urlencode(
        {"server": "https://autre.exemple.fr", "code": new_code(proc.url)}
    )
    assert asyncio.run(state.enrol(other)) is False
    assert state.error == other_server(proc.url)
    assert state.session is None and state.store.server_url() == proc.url

    # Its own server's code still signs it in again, no address asked.
    assert asyncio.run(state.enrol(new_code(proc.url))) is True
    assert state.store.server_url() == proc.url
    state.client.close()
    state.store.close()
