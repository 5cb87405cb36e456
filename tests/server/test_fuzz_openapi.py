"""Fuzz the HTTP API from its OpenAPI schema (schemathesis): no 5xx, answers match
their documented schema. Bounded: a few examples per operation, SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from sqlmodel import Session

from domain.vocabulary import Role
from sync_server.core.db import make_engine, migrate
from sync_server.core.settings import Settings
from sync_server.main import create_app
from tests.factories import make_cite, make_device, make_followed_person, make_partner, make_user

_auth: dict[str, str] = {}


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    db = Path(tmp_path_factory.mktemp("fuzz")) / "relais.sqlite3"
    app_settings = Settings(database_url=f"sqlite:///{db}", api_docs=True)
    engine = make_engine(app_settings)
    migrate(engine)
    with Session(engine, expire_on_commit=False) as session:
        cite = make_cite(session, name="Cité fuzz")
        partner = make_partner(session, cite=cite)
        mediator = make_device(session, user=make_user(session, cite=cite))
        supervisor = make_device(session, user=make_user(session, cite=cite, role=Role.SUPERVISOR))
        make_followed_person(session, login=mediator, partner_id=partner.id)
    _auth.update(supervisor.headers)
    app = create_app(app_settings)
    app.state.engine = engine  # the lifespan sets the same; cases may run without it
    yield app
    engine.dispose()


def test_api_survives_fuzzing(fuzz_app: FastAPI) -> None:
    # Logout would revoke the token the other cases use.
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app).exclude(path="/auth/logout")
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers=_auth, checks=[not_a_server_error, response_schema_conformance]
            )

        try:
            run()
        except Exception as exc:  # one report for every operation that fails
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
