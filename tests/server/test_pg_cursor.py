"""The PostgreSQL pull cursor never skips a transaction that commits late."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from domain.hlc import HlcClock
from domain.sync import Op
from sync_server.models import Record
from sync_server.sync.pull import _page_statement, decode_cursor, pull_page, pull_rows
from sync_server.sync.push import push_ops
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


def test_a_pull_page_walks_the_index_before_statistics_are_refreshed(
    engine: Engine, session: Session, world: World
) -> None:
    """Right after a large push (statistics still say the table is empty), a page
    reads its rows in index order and stops at its limit: it does not read, cast
    and sort every row of the cité. Checked for a first page and one after a cursor."""
    ops = [Op.model_validate(op("person", person_values())) for _ in range(400)]
    push_ops(
        session, user=world.amina.user, device=world.amina.device, ops=ops, clock=HlcClock("s")
    )
    session.commit()
    cursor = None
    for after in (False, True):
        with Session(engine) as reader:
            page = pull_page(reader, cite_id=world.cite_id, cursor=cursor, limit=50)
            # The plan this page's statement gets in the pull's own transaction.
            statement = _page_statement(True, after).compile(dialect=engine.dialect)
            position = decode_cursor(cursor)
            params = {"cite_id": world.cite_id, "limit": 51}
            if position is not None:
                params.update(txid=position.txid, version=position.version)
            plan = reader.connection().exec_driver_sql(f"EXPLAIN {statement}", params).fetchall()
        text = "\n".join(row[0] for row in plan)
        assert "Index Scan using ix_record_cite_txid_version" in text, text
        assert "Sort" not in text, text
        assert len(page.rows) == 50 and page.has_more
        cursor = page.cursor
