"""Real processes for end-to-end tests: the sync server and the Flet app, on loopback."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import httpx

from sync_server.core.processes import terminate

ROOT = Path(__file__).resolve().parent.parent  # the repository


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        terminate(self.popen)

    def kill(self) -> None:
        """Abrupt death, as when a phone or a server loses power."""
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(timeout=5)


# Every process this module started, so a test that fails half-way (before its own
# `finally`) still gets its servers stopped by `stop_all` instead of leaking them.
_started: list[Proc] = []


def stop_all() -> None:
    """Stop every process started here that is still running (test teardown)."""
    while _started:
        _started.pop().stop()


def _spawn(
    name: str,
    args: list[str],
    env: dict[str, str],
    log_dir: Path,
    url: str,
    *,
    without: tuple[str, ...] = (),
) -> Proc:
    """`without`: prefixes of the variables of this process's environment not passed on."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    inherited = {k: v for k, v in os.environ.items() if not (without and k.startswith(without))}
    full_env = {**inherited, **env, "PYTHONUNBUFFERED": "1"}
    with log.open("ab") as out:
        popen = subprocess.Popen(args, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    proc = Proc(name, popen, url, log)
    _started.append(proc)
    return proc


def wait_http(proc: Proc, path: str = "/", timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited early:\n{proc.log.read_text()[-3000:]}")
        try:
            if httpx.get(proc.url + path, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError(
        f"{proc.name} not answering on {proc.url}{path}:\n{proc.log.read_text()[-3000:]}"
    )


def _seed_inputs_digest() -> str:
    """Changes whenever what the seed writes could change (code, migrations, the day)."""
    digest = hashlib.sha256(dt.date.today().isoformat().encode())
    for path in sorted(
        [ROOT / "sync_server" / "jobs" / "seed.py", *(ROOT / "sync_server").rglob("*.py")]
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def seed_server(database_url: str) -> None:
    """Seed the demo data. A fresh SQLite file is copied from a seeded template made
    once per code version and day: seeding runs migrations and hundreds of ops, and
    end-to-end tests each want their own seeded server."""
    target = (
        Path(database_url.removeprefix("sqlite:///"))
        if database_url.startswith("sqlite:///")
        else None
    )
    if target is not None and not target.exists():
        template = ROOT / "var" / "seed-cache" / f"demo-{_seed_inputs_digest()}.sqlite3"
        if not template.exists():
            template.parent.mkdir(parents=True, exist_ok=True)
            partial = template.with_suffix(f".{os.getpid()}.tmp")
            _run_seed(f"sqlite:///{partial}")
            with closing(sqlite3.connect(partial)) as conn:  # fold the WAL into the file
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.execute("PRAGMA journal_mode=DELETE")
            partial.replace(template)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)
        return
    _run_seed(database_url)


def _run_seed(database_url: str) -> None:
    env = {**os.environ, "RELAIS_DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, "-m", "sync_server.jobs.seed"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def start_server(
    database_url: str,
    log_dir: Path,
    port: int | None = None,
    *,
    extra_args: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> Proc:
    """A uvicorn process; `extra_args` go to uvicorn, `env` adds RELAIS_* settings."""
    port = port or free_port()
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "sync_server.main:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        *(extra_args or []),
    ]
    proc = _spawn(
        "server",
        args,
        {**(env or {}), "RELAIS_DATABASE_URL": database_url},
        log_dir,
        f"http://127.0.0.1:{port}",
    )
    wait_http(proc, "/health")
    return proc


def start_app(
    mode: str, server_url: str, db_path: Path, log_dir: Path, port: int | None = None
) -> Proc:
    port = port or free_port()
    env = {
        "RELAIS_APP_MODE": mode,
        "RELAIS_SERVER_URL": server_url,
        "RELAIS_APP_DB": str(db_path),
        "RELAIS_APP_PORT": str(port),
        "FLET_FORCE_WEB_SERVER": "true",
    }
    proc = _spawn(
        f"app-{mode}", [sys.executable, "-m", "app.main"], env, log_dir, f"http://127.0.0.1:{port}"
    )
    wait_http(proc)
    return proc


def start_phone_app(app_data: Path, log_dir: Path, port: int | None = None) -> Proc:
    """The field app as a packaged phone runs it: no RELAIS_* setting at all, its data
    in the folder Flet gives the app (FLET_APP_STORAGE_DATA), its server learnt at
    enrolment; served to a browser on loopback through Flet's own variables."""
    port = port or free_port()
    env = {
        "FLET_APP_STORAGE_DATA": str(app_data),
        "FLET_SERVER_PORT": str(port),
        "FLET_FORCE_WEB_SERVER": "true",
    }
    proc = _spawn(
        "app-phone",
        [sys.executable, "-m", "app.main"],
        env,
        log_dir,
        f"http://127.0.0.1:{port}",
        without=("RELAIS_",),
    )
    wait_http(proc)
    return proc
