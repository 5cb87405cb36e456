"""`/health/*` and `/metrics` answers, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sync_server.core.db import head_revision
from sync_server.core.observability import JsonFormatter
from sync_server.core.settings import Settings
from sync_server.main import create_app


def test_ready_names_the_revision_and_refuses_an_old_schema(
    settings: Settings, engine: Engine
) -> None:
    with TestClient(create_app(settings)) as client:
        ready = client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json()["revision"] == head_revision()
        assert ready.json()["version"]
        assert client.get("/health/live").json() == {"status": "ok"}
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'users_0003'"))
        stale = client.get("/health/ready")
        assert stale.status_code == 503
        assert "./relais migrate" in stale.json()["detail"]


def test_a_server_that_does_not_migrate_refuses_an_old_schema(
    settings: Settings, engine: Engine
) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'users_0003'"))
    no_migration = settings.model_copy(update={"migrate_on_start": False})
    with pytest.raises(RuntimeError, match="relais migrate"), TestClient(create_app(no_migration)):
        pass


def test_metrics_need_the_token_or_a_private_address(settings: Settings, engine: Engine) -> None:
    app = create_app(settings)
    with TestClient(app, client=("80.67.169.12", 4000)) as outsider:
        refused = outsider.get("/metrics")
        assert refused.status_code == 403
        assert "réseau privé" in refused.json()["detail"]
    with TestClient(app, client=("10.1.2.3", 4000)) as monitoring:
        assert monitoring.get("/health/live").status_code == 200
        answer = monitoring.get("/metrics")
        assert answer.status_code == 200
        assert 'relais_http_requests_total{method="GET",route="/health/live"' in answer.text

    guarded = create_app(settings.model_copy(update={"metrics_token": "s3cret-token"}))
    with TestClient(guarded, client=("10.1.2.3", 4000)) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer faux"}).status_code == 401
        ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
        assert ok.status_code == 200


def test_a_log_line_is_one_json_object_without_the_exception_message() -> None:
    try:
        raise ValueError("Dupont 06 12 34 56 78")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "sync_server.x",
            logging.ERROR,
            __file__,
            1,
            "failed on %s",
            ("/persons",),
            sys.exc_info(),
        )
    record.route = "/persons"
    record.secret = "Dupont"  # not a logged field: dropped
    line = JsonFormatter().format(record)
    parsed = json.loads(line)
    assert parsed["message"] == "failed on /persons"
    assert parsed["error"] == "ValueError"
    assert parsed["level"] == "ERROR" and parsed["logger"] == "sync_server.x"
    assert "Dupont" not in line
