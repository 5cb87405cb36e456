"""The daily retention job (`python -m sync_server.jobs.daily`): old tombstones go.

Deleted and erased rows stay as tombstones so that every phone learns of them; after
`tombstone_retention_days` the job purges them, and a phone that had not pulled them
since gets `reset_required` (tests/sync/test_resync_after_purge.py).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update
from sqlmodel import Session, col

from sync_server.core.settings import Settings
from sync_server.jobs import daily as retention
from sync_server.models import Record
from sync_server.sync.pull import pull_page
from tests.factories import make_record, op, person_values, push
from tests.server.conftest import World

NOW = dt.datetime(2026, 12, 3, 3, 0, tzinfo=dt.UTC)


def _tombstone(session: Session, world: World, *, last_changed: dt.datetime) -> str:
    row_id, version = make_record(
        session, login=world.amina, entity="person", values=person_values()
    )
    [deleted] = push(
        session,
        login=world.amina,
        ops=[op("person", {"deleted": True}, row_id=row_id, base_version=version)],
    )
    assert deleted.outcome == "applied"
    session.execute(update(Record).where(col(Record.id) == row_id).values(updated_at=last_changed))
    session.commit()
    return row_id


def _stored(session: Session, row_id: str) -> Record | None:
    # End this session's read first: on SQLite (WAL) it would keep its old snapshot.
    session.rollback()
    session.expire_all()
    return session.get(Record, row_id)


def test_the_job_purges_tombstones_older_than_the_setting_and_keeps_the_rest(
    session: Session, world: World, database_url: str
) -> None:
    live, _ = make_record(session, login=world.amina, entity="person", values=person_values())
    session.commit()
    before = pull_page(session, cite_id=world.cite_id, cursor=None, limit=100).cursor
    session.rollback()
    old = _tombstone(session, world, last_changed=NOW - dt.timedelta(days=91))
    recent = _tombstone(session, world, last_changed=NOW - dt.timedelta(days=89))

    settings = Settings(database_url=database_url, tombstone_retention_days=90)
    assert retention.run(settings, now=NOW, dry_run=True).tombstones_purged == 1
    assert _stored(session, old) is not None  # a dry run changes nothing

    done = retention.run(settings, now=NOW)
    assert done.tombstones_purged == 1
    assert _stored(session, old) is None
    assert _stored(session, recent) is not None and _stored(session, live) is not None
    # A phone that had not pulled since is told to pull everything again; a new one is not.
    assert pull_page(session, cite_id=world.cite_id, cursor=before, limit=10).reset_required
    assert not pull_page(session, cite_id=world.cite_id, cursor=None, limit=10).reset_required
    session.rollback()


def test_the_job_says_what_it_did_in_french(
    session: Session,
    world: World,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _tombstone(session, world, last_changed=dt.datetime.now(dt.UTC) - dt.timedelta(days=120))
    monkeypatch.setenv("RELAIS_DATABASE_URL", database_url)
    assert retention.main([]) == 0
    out = capsys.readouterr().out
    assert "0 personne(s) anonymisée(s)" in out
    assert "1 fiche(s) supprimée(s) purgée(s) (plus de 90 jours)" in out
