"""Audit journal (append-only) and hostile-input defences (docs/architecture.md §4.8, §4.9)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from domain.vocabulary import Role
from sync_server.core.settings import Settings
from sync_server.crud.audit import record_audit
from sync_server.main import create_app
from sync_server.models import AuditEvent, Cite
from tests.factories import PASSWORD, contact_values, make_device, make_user, op, person_values
from tests.server.conftest import World

SECRET = "Zéphyrine"


def test_audit_rows_cannot_be_changed_or_deleted(session: Session, world: World) -> None:
    event = record_audit(session, actor=world.sophie.user, action="test.action", row_id="x")
    session.commit()
    for statement in ("UPDATE audit_event SET action = 'forged'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
        session.rollback()
    session.expire_all()
    assert session.get(AuditEvent, event.id) is not None


def test_logins_logouts_and_reads_are_journaled(
    client: TestClient, session: Session, world: World
) -> None:
    creil = world.sophie.user.cite_id
    admin = make_device(
        session, user=make_user(session, cite=_cite(session, creil), role=Role.ADMIN)
    )
    res = client.post("/auth/login", json={"username": "karim", "password": PASSWORD})
    token = res.json()["token"]
    client.post("/auth/login", json={"username": "karim", "password": "mauvais"})
    client.post("/auth/logout", headers={"Authorization": f"Bearer {token}"})
    client.get("/console/contacts", headers=world.sophie.headers)

    page = client.get("/admin/audit", headers=admin.headers, params={"page_size": 50})
    assert page.status_code == 200, page.text
    actions = [e["action"] for e in page.json()["items"]]
    assert {"auth.login", "auth.login_failed", "auth.logout", "contacts.list"} <= set(actions)
    assert all(e["request_id"] for e in page.json()["items"])
    karim = client.get(
        "/admin/audit", headers=admin.headers, params={"actor": world.karim.user.id}
    ).json()
    assert {e["action"] for e in karim["items"]} == {"auth.login", "auth.logout"}
    assert karim["items"][0]["actor_name"] == world.karim.user.display_name
    only = client.get("/admin/audit", headers=admin.headers, params={"action": "auth.login"})
    assert {e["action"] for e in only.json()["items"]} <= {"auth.login", "auth.login_failed"}
    # Supervisors and other cités' admins do not read this cité's journal.
    assert client.get("/admin/audit", headers=world.sophie.headers).status_code == 403
    assert "karim" not in client.get("/admin/audit", headers=world.other.headers).text


def _cite(session: Session, cite_id: str) -> Cite:
    cite = session.get(Cite, cite_id)
    assert cite is not None
    return cite


def test_request_size_limit(settings: Settings, world: World) -> None:
    small = settings.model_copy(update={"max_request_bytes": 2000})
    with TestClient(create_app(small)) as client:
        big = {"username": "amina", "password": "x" * 5000}
        res = client.post("/auth/login", json=big)
        assert res.status_code == 413 and "trop volumineuse" in res.json()["detail"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: streamed
            for _ in range(10):
                yield b"x" * 500

        streamed = client.post("/auth/login", content=chunks())
        assert streamed.status_code == 413


def test_errors_and_logs_carry_no_personal_data(
    settings: Settings, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError(f"cannot store {SECRET}")

    caplog.set_level(logging.DEBUG)
    with TestClient(app, raise_server_exceptions=False) as client:
        res = client.get("/boom", params={"q": SECRET})
        assert res.status_code == 500
        assert SECRET not in res.text and res.headers["X-Request-ID"] in res.json()["detail"]
        person = op("person", person_values(first_name=SECRET, phone="pas un numéro"))
        contact = op("contact", contact_values(world.amina.user.id, note=f"{SECRET} est venue"))
        pushed = client.post(
            "/sync/push", json={"ops": [person, contact]}, headers=world.amina.headers
        )
        assert pushed.status_code == 200
        client.get("/console/contacts", params={"q": SECRET}, headers=world.sophie.headers)
        client.post("/auth/login", json={"username": SECRET, "password": SECRET})
        # What uvicorn writes for each request (its access logger, its format).
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            f"/console/contacts?q={SECRET}",
            "1.1",
            200,
        )
    assert "unhandled RuntimeError on GET /boom" in caplog.text
    assert "/console/contacts?…" in caplog.text
    assert SECRET not in caplog.text
    assert session_free_of_secret(settings)


def session_free_of_secret(settings: Settings) -> bool:
    from sync_server.core.db import make_engine

    engine = make_engine(settings)
    with Session(engine) as s:
        details = [e.detail for e in s.exec(select(AuditEvent)).all()]
    engine.dispose()
    return SECRET not in repr(details)


def test_server_timing_header_only_when_enabled(settings: Settings, world: World) -> None:
    with TestClient(create_app(settings)) as client:
        assert "server-timing" not in client.get("/health").headers
    timed = settings.model_copy(update={"server_timing": True})
    with TestClient(create_app(timed)) as client:
        res = client.get("/sync/pull", headers=world.amina.headers)
        name, _, dur = res.headers["server-timing"].partition(";dur=")
        assert name == "app" and float(dur) >= 0
