"""`./relais serve` as an operator runs it, on PostgreSQL: it refuses a database
not migrated, then serves the sync server (one uvicorn worker; two in the nginx
test) and the console, which stops with it;
`/health/ready` names the revision, `/metrics` answers Prometheus text, and every
log line is one JSON object that carries no searched name."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from scripts.processes import ROOT, free_port
from sync_server.core.db import head_revision
from tests.server.conftest import fresh_pg_database

pytestmark = [pytest.mark.postgres, pytest.mark.processes]

PASSWORD = "Vraiment-Solide-2026"
CITE = "Cité de l'emploi de Creil"


def relais(env: dict[str, str], *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "relais"), *argv],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> httpx.Response:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            reply = httpx.get(url, timeout=2)
            if reply.status_code == 200:
                return reply
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise TimeoutError(log.read_text()[-3000:])


def test_postgres_serve_from_a_fresh_database(pg_admin: Engine, tmp_path: Path) -> None:
    with fresh_pg_database(pg_admin) as url:
        port, console_port = free_port(), free_port()
        env = {
            **os.environ,
            "RELAIS_DATABASE_URL": url,
            "RELAIS_WORKERS": "1",
            "RELAIS_CONSOLE_DB": str(tmp_path / "console.sqlite3"),
        }
        args = ("serve", "--port", str(port), "--console-port", str(console_port))

        refused = relais(env, *args)
        assert refused.returncode == 1
        assert "vide (jamais migrée)" in refused.stderr
        assert "./relais migrate" in refused.stderr

        assert relais(env, "migrate").returncode == 0
        assert relais(env, "admin", "create-cite", "--name", CITE).returncode == 0
        made = relais(
            env, "admin", "create-admin", "--cite", CITE, "--username", "chef", stdin=PASSWORD
        )
        assert made.returncode == 0, made.stderr

        log = tmp_path / "serve.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [str(ROOT / "relais"), *args], cwd=ROOT, env=env, stdout=out, stderr=out
            )
        try:
            base = f"http://127.0.0.1:{port}"
            ready = wait_ready(f"{base}/health/ready", proc, log)
            assert ready.json()["revision"] == head_revision()
            assert ready.json()["database"] == "ok"
            assert httpx.get(f"{base}/health/live").json() == {"status": "ok"}

            bad = httpx.post(
                f"{base}/auth/login", json={"username": "chef", "password": "pas-le-bon"}
            )
            assert bad.status_code == 401
            login = httpx.post(
                f"{base}/auth/login",
                json={"username": "chef", "password": PASSWORD, "device_name": "pc"},
            )
            assert login.status_code == 200
            auth = {"Authorization": f"Bearer {login.json()['token']}"}
            found = httpx.get(f"{base}/console/persons", params={"q": "Dupont"}, headers=auth)
            assert found.status_code == 200, found.text
            request_id = found.headers["x-request-id"]

            metrics = httpx.get(f"{base}/metrics")
            assert metrics.status_code == 200
            assert metrics.headers["content-type"].startswith("text/plain")
            text = metrics.text
            assert 'relais_http_requests_total{method="POST",route="/auth/login",status="401"}' in (
                text
            )
            assert "relais_login_failures_total 1.0" in text
            assert "relais_http_request_duration_seconds_bucket" in text
            assert "relais_db_pool_connections_in_use" in text

            console = wait_ready(f"http://127.0.0.1:{console_port}/", proc, log)
            assert "flutter" in console.text.lower() or "<html" in console.text.lower()
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        # The console went with it (systemd or a test stopping `serve` leaves nothing).
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{console_port}/", timeout=1)
            except httpx.TransportError:
                break
            assert time.monotonic() < deadline, "the console outlived ./relais serve"
            time.sleep(0.3)

        lines = [line for line in log.read_text().splitlines() if line.strip()]
        # Every line, the console's output and uvicorn's included, is one JSON object.
        server_lines = [json.loads(line) for line in lines]
        assert {"relais.access", "uvicorn.error"} <= {line["logger"] for line in server_lines}
        access = [line for line in server_lines if line.get("request_id") == request_id]
        assert any(
            line["logger"] == "relais.access"
            and line["route"] == "/console/persons"
            and line["status"] == 200
            and "duration_ms" in line
            and {"time", "level"} <= line.keys()
            for line in access
        ), access
        assert "Dupont" not in log.read_text()
