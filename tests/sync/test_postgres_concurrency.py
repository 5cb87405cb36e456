"""Two server processes on one PostgreSQL database, eight phones pushing at once.

Checks what concurrency could break: an op applied twice or lost, a field not
holding the value of its latest edit (greatest HLC), a deadlock, and a puller
that skips a row committed late behind its cursor.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from benchmarks.common import written_ops
from scripts.processes import Proc, free_port, seed_server, start_server
from tests.server.conftest import PG_ADMIN_URL, fresh_pg_database
from tests.sync.checks import assert_ops_applied_once, assert_phone_equals_server, server_data
from tests.sync.conftest import Phone, PhoneFactory, server_snapshot

pytestmark = [pytest.mark.processes, pytest.mark.postgres]

PUSHERS = 8
ROUNDS = 5
SHARED_PERSONS = 4
FIELDS = ("need", "commune")
MEDIATORS = ("amina", "karim", "julie")


@pytest.fixture
def pg_url() -> Iterator[str]:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        admin.connect().close()
    except OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc.orig}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with fresh_pg_database(admin) as url:
        yield url
    admin.dispose()


@pytest.fixture
def two_servers(pg_url: str, tmp_path: Path) -> Iterator[list[Proc]]:
    seed_server(pg_url)
    servers: list[Proc] = []
    try:
        for n in range(2):
            servers.append(start_server(pg_url, tmp_path / f"server-{n}", free_port()))
        yield servers
    finally:
        for server in servers:
            server.stop()


def _edit_and_push(phone: Phone, index: int, persons: list[str], errors: list[str]) -> None:
    rng = random.Random(index)
    user_id = phone.device_user_id
    try:
        for round_ in range(ROUNDS):
            for person_id in rng.sample(persons, 2):
                field = rng.choice(FIELDS)
                phone.store.update("person", person_id, {field: f"p{index} r{round_} {field}"})
            phone.store.create(
                "contact",
                {
                    "mediator_id": user_id,
                    "occurred_at": "2025-03-14T10:30:00+01:00",
                    "channel": "drop_in",
                    "person_id": rng.choice(persons),
                    "note": f"p{index} r{round_}",
                },
            )
            phone.client.sync()
    except Exception as exc:
        errors.append(f"pusher {index}: {exc!r}")


def _pull_until(puller: Phone, stop: threading.Event, errors: list[str], pulls: list[int]) -> None:
    try:
        while not stop.is_set():
            pulls.append(puller.client.sync().pulled)
    except Exception as exc:
        errors.append(f"puller: {exc!r}")


def _latest_values(phones: list[Phone]) -> dict[tuple[str, str], Any]:
    """For each (row, field) the value of the op with the greatest HLC, over every phone."""
    best: dict[tuple[str, str], tuple[str, Any]] = {}
    for phone in phones:
        for op in written_ops(phone.path):
            for field, value in op["set"].items():
                key = (op["row_id"], field)
                if key not in best or op["hlc"] > best[key][0]:
                    best[key] = (op["hlc"], value)
    return {key: value for key, (_hlc, value) in best.items()}


def test_two_servers_eight_pushers_one_puller(
    two_servers: list[Proc], make_phone: PhoneFactory, pg_url: str
) -> None:
    author = make_phone(two_servers[0].url, "amina", name="author")
    persons = [
        author.store.create("person", {"first_name": f"Partagée {n}"})
        for n in range(SHARED_PERSONS)
    ]
    author.client.sync()
    phones = [
        make_phone(two_servers[i % 2].url, MEDIATORS[i % 3], name=f"phone-{i}")
        for i in range(PUSHERS)
    ]
    for phone in phones:
        phone.client.sync()
    puller = make_phone(two_servers[1].url, "sophie", name="puller")

    errors: list[str] = []
    pulls: list[int] = []
    stop = threading.Event()
    pull_thread = threading.Thread(target=_pull_until, args=(puller, stop, errors, pulls))
    pushers = [
        threading.Thread(target=_edit_and_push, args=(phone, i, persons, errors))
        for i, phone in enumerate(phones)
    ]
    pull_thread.start()
    for t in pushers:
        t.start()
    for t in pushers:
        t.join(timeout=90)
    stop.set()
    pull_thread.join(timeout=30)
    assert not any(t.is_alive() for t in [*pushers, pull_thread]), "a sync never finished"
    assert errors == []
    assert len(pulls) > 1

    # Two rounds: a phone synced early in the first round pulls the others' last ops.
    for _ in range(2):
        for phone in [author, *phones, puller]:
            phone.client.sync()
    snapshot = server_snapshot(pg_url)
    all_phones = [author, *phones]
    written = sum(len(written_ops(p.path)) for p in all_phones)
    assert written == len(persons) + PUSHERS * ROUNDS * 3
    for phone in all_phones:
        assert_ops_applied_once(phone, snapshot)
    for (row_id, field), value in _latest_values(all_phones).items():
        assert server_data(snapshot, row_id).get(field) == value, (row_id, field)
    for phone in [*all_phones, puller]:
        assert_phone_equals_server(phone, snapshot)
