"""Server fixtures: every database test runs on SQLite (a real file) and PostgreSQL."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from domain.vocabulary import Role
from sync_server.core.db import make_engine, migrate
from sync_server.core.settings import Settings
from sync_server.main import create_app
from sync_server.sync import push as push_module
from tests.factories import DeviceLogin, make_cite, make_device, make_partner, make_user

PG_ADMIN_URL = os.environ.get(
    "RELAIS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        engine.connect().close()
    except OperationalError as exc:
        engine.dispose()
        message = f"PostgreSQL unreachable at {PG_ADMIN_URL}: {exc.orig}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db')}/relais.sqlite3"
        return
    with fresh_pg_database(request.getfixturevalue("pg_admin")) as url:
        yield url


@contextmanager
def fresh_pg_database(admin: Engine) -> Iterator[str]:
    """A new empty database on the test server, dropped afterwards; yields its URL."""
    name = f"relais_test_{secrets.token_hex(6)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@dataclass
class World:
    """Two cités: Creil (two mediators, a supervisor) and Beauvais (one mediator)."""

    cite_id: str
    partner_id: str
    amina: DeviceLogin
    karim: DeviceLogin
    sophie: DeviceLogin
    other: DeviceLogin


@pytest.fixture
def world(session: Session) -> World:
    creil = make_cite(session, name="Cité de l'emploi de Creil")
    beauvais = make_cite(session, name="Cité de l'emploi de Beauvais")
    partner = make_partner(session, cite=creil)
    return World(
        cite_id=creil.id,
        partner_id=partner.id,
        amina=make_device(session, user=make_user(session, cite=creil, username="amina")),
        karim=make_device(session, user=make_user(session, cite=creil, username="karim")),
        sophie=make_device(
            session, user=make_user(session, cite=creil, username="sophie", role=Role.SUPERVISOR)
        ),
        other=make_device(session, user=make_user(session, cite=beauvais, username="bruno")),
    )


def _bulk_fails(*_args: Any, **_kwargs: Any) -> Any:
    raise OperationalError("INSERT INTO record ...", {}, Exception("disk I/O error"))


@pytest.fixture(params=["bulk", "op-by-op"])
def push_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test on both push paths: the bulk path, and the op-by-op path it falls
    back to after a database error (forced here by making the bulk attempt fail)."""
    if request.param == "op-by-op":
        monkeypatch.setattr(push_module, "push_bulk", _bulk_fails)
    return str(request.param)
