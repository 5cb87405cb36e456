"""Real-process sync fixtures: a seeded server on loopback, phones as real store files."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from app.store import LocalStore
from app.sync.client import DEFAULT_PULL_PAGE, SyncClient
from benchmarks.common import keep_written_ops
from scripts.processes import Proc, free_port, seed_server, start_server, stop_all
from sync_server.jobs.seed import DEMO_PASSWORD
from sync_server.models import Record, SyncOp


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # Loopback traffic must never go through a proxy set in the environment.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)


@dataclass
class Phone:
    """A mediator's phone: its store file and a sync client logged in on the server."""

    path: Path
    store: LocalStore
    client: SyncClient

    @property
    def device_id(self) -> str:
        session = self.store.session()
        assert session is not None
        return session.device_id

    @property
    def device_user_id(self) -> str:
        session = self.store.session()
        assert session is not None
        return str(session.user["id"])

    def close(self) -> None:
        self.client.close()
        self.store.close()


@dataclass
class LiveServer:
    database_url: str
    log_dir: Path
    port: int
    proc: Proc | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = start_server(self.database_url, self.log_dir, self.port)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    seed_server(url)
    server = LiveServer(url, tmp_path / "logs", free_port())
    server.start()
    yield server
    server.stop()


PhoneFactory = Callable[..., Phone]


@pytest.fixture
def make_phone(tmp_path: Path) -> Iterator[PhoneFactory]:
    phones: list[Phone] = []

    def make(
        server_url: str,
        username: str,
        *,
        name: str | None = None,
        wall: Callable[[], int] | None = None,
        transport: httpx.BaseTransport | None = None,
        push_batch: int = 200,
        pull_limit: int = DEFAULT_PULL_PAGE,
    ) -> Phone:
        path = tmp_path / f"{name or username}.sqlite3"
        store = LocalStore(path, wall=wall) if wall else LocalStore(path)
        keep_written_ops(path)
        client = SyncClient(
            store, server_url, transport=transport, push_batch=push_batch, pull_limit=pull_limit
        )
        client.login(username, DEMO_PASSWORD, f"téléphone de {username}")
        phone = Phone(path, store, client)
        phones.append(phone)
        return phone

    yield make
    for phone in phones:
        phone.close()


@dataclass
class ServerSnapshot:
    ledger: list[SyncOp]
    records: dict[str, Record]


def server_snapshot(database_url: str) -> ServerSnapshot:
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            ledger = list(session.exec(select(SyncOp)).all())
            records = {r.id: r for r in session.exec(select(Record)).all()}
            return ServerSnapshot(ledger, records)
    finally:
        engine.dispose()


def login_token(server_url: str, username: str) -> str:
    reply = httpx.post(
        f"{server_url}/auth/login",
        json={"username": username, "password": DEMO_PASSWORD, "device_name": "console"},
        timeout=10,
    )
    reply.raise_for_status()
    return str(reply.json()["token"])


def ci() -> bool:
    return bool(os.environ.get("CI"))


@pytest.fixture(autouse=True)
def _stop_leftover_processes() -> Iterator[None]:
    yield
    stop_all()  # what a failed test started before reaching its own cleanup
