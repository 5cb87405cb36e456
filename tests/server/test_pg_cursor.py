"""The PostgreSQL pull cursor never skips a transaction that commits late."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from domain.hlc import HlcClock
from domain.sync import Op
from sync_server.crud.pull import pull_rows
from sync_server.crud.push import push_ops
from sync_server.models import Record
from tests.factories import make_record, op, person_values
from tests.server.conftest import World, fresh_pg_database


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, pg_admin: Engine) -> Iterator[str]:
    with fresh_pg_database(pg_admin) as url:
        yield url


def _pull(engine: Engine, *, cite_id: str, cursor: str) -> tuple[list[str], str]:
    with Session(engine) as reader:
        res = pull_rows(reader, cite_id=cite_id, cursor=cursor, limit=100)
    assert not res.has_more
    return [r.id for r in res.rows], res.cursor


def test_late_commit_is_not_skipped(engine: Engine, session: Session, world: World) -> None:
    baseline, _ = make_record(session, login=world.amina, entity="person", values=person_values())
    rows, cursor = _pull(engine, cite_id=world.cite_id, cursor="")
    assert rows == [baseline]

    clock = HlcClock(node="server")
    a_op, b_op = op("person", person_values()), op("person", person_values())
    with Session(engine) as tx_a, Session(engine) as tx_b:
        # A writes first (lower txid, lower version) and stays open...
        [a] = push_ops(
            tx_a,
            user=world.amina.user,
            device=world.amina.device,
            ops=[Op.model_validate(a_op)],
            clock=clock,
        )
        # ...while B writes after it and commits first.
        [b] = push_ops(
            tx_b,
            user=world.karim.user,
            device=world.karim.device,
            ops=[Op.model_validate(b_op)],
            clock=clock,
        )
        tx_b.commit()
        assert a.version is not None and b.version is not None and a.version < b.version
        a_txid = tx_a.get(Record, a_op["row_id"]).txid  # type: ignore[union-attr]
        b_txid = session.get(Record, b_op["row_id"]).txid  # type: ignore[union-attr]
        assert a_txid is not None and b_txid is not None and a_txid < b_txid

        # A plain version cursor would hand out B now and later skip A (lower version).
        rows, held_cursor = _pull(engine, cite_id=world.cite_id, cursor=cursor)
        assert rows == [] and held_cursor == cursor

        tx_a.commit()

    rows, cursor = _pull(engine, cite_id=world.cite_id, cursor=held_cursor)
    assert rows == [a_op["row_id"], b_op["row_id"]]
    assert _pull(engine, cite_id=world.cite_id, cursor=cursor)[0] == []
