"""Shared helpers: the floor baseline, throwaway server databases, real server processes.

Every benchmark reports its figures next to a baseline measured in the same run
(the "floor": the same rows JSON-encoded and inserted into a SQLite file with one
`executemany` in one transaction), so results compare across noisy machines as
ratios. Times are medians of several runs: the machine is shared.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlmodel import Session

from benchmarks.cpu import cores, set_affinity
from domain.ids import uuid7
from domain.vocabulary import Role
from sync_server.core.db import make_engine, migrate
from sync_server.core.settings import Settings
from sync_server.crud.users import enrol_device
from sync_server.models import AppUser, Cite

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
BENCH_VAR = ROOT / "var" / "bench"
PG_ADMIN_URL = os.environ.get(
    "RELAIS_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)


def contact_values(mediator_id: str, i: int) -> dict[str, Any]:
    """A realistic contact as a mediator logs it (about 300 bytes of JSON)."""
    return {
        "mediator_id": mediator_id,
        "occurred_at": f"2025-03-{1 + i % 28:02d}T{8 + i % 10:02d}:{i % 60:02d}:00+01:00",
        "channel": ("foot_of_building", "drop_in", "phone", "appointment")[i % 4],
        "age_band": ("under_26", "26_49", "50_plus")[i % 3],
        "gender": ("f", "m")[i % 2],
        "qpv_resident": "yes",
        "freins": ["mobility", "childcare"][: i % 3],
        "need": "Cherche un emploi dans la logistique",
        "note": f"Rencontre n°{i} au pied de la tour, rappeler la semaine prochaine",
        "info_notice_given": True,
    }


def keep_written_ops(path: Path) -> None:
    """A copy of every op the phone file at `path` writes, kept by a trigger.

    Acknowledged ops leave the outbox; a benchmark or test that checks "every op
    the phone wrote is on the server once" needs them all. Not part of the app.
    """
    conn = sqlite3.connect(path)
    try:
        conn.execute(
            "CREATE TABLE check_written_ops AS SELECT op_id, device_seq, entity, row_id, hlc,"
            ' "set" FROM outbox WHERE 0'
        )
        conn.execute(
            "CREATE TRIGGER check_keep_written AFTER INSERT ON outbox BEGIN"
            " INSERT INTO check_written_ops VALUES"
            ' (new.op_id, new.device_seq, new.entity, new.row_id, new.hlc, new."set"); END'
        )
        conn.commit()
    finally:
        conn.close()


def written_ops(path: Path) -> list[dict[str, Any]]:
    """Every op the phone wrote since `keep_written_ops`, read as a second reader would.

    `state` is `acked` for an op gone from the outbox (acknowledged ops leave it),
    else its state there; `outcome` is known only for ops still there.
    """
    conn = sqlite3.connect(path)
    try:
        cur = conn.execute(
            "SELECT w.op_id, w.entity, w.row_id, w.hlc, w.\"set\", COALESCE(o.state, 'acked'),"
            " o.outcome FROM check_written_ops AS w LEFT JOIN outbox AS o USING (op_id)"
            " ORDER BY w.device_seq"
        )
        return [
            {
                "op_id": r[0],
                "entity": r[1],
                "row_id": r[2],
                "hlc": r[3],
                "set": json.loads(r[4]),
                "state": r[5],
                "outcome": r[6],
            }
            for r in cur
        ]
    finally:
        conn.close()


def floor_seconds(rows: list[dict[str, Any]], workdir: Path) -> float:
    """The floor: rows → JSON → one executemany into a SQLite file, one transaction."""
    path = workdir / f"floor-{uuid7()}.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE row (id TEXT PRIMARY KEY, data TEXT NOT NULL)")
    ids = [uuid7() for _ in rows]
    start = time.perf_counter()
    payload = [(i, json.dumps(r, separators=(",", ":"))) for i, r in zip(ids, rows, strict=True)]
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO row (id, data) VALUES (?, ?)", payload)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    path.unlink()
    return elapsed


def floor_median(rows: list[dict[str, Any]], workdir: Path, runs: int = 5) -> float:
    return median([floor_seconds(rows, workdir) for _ in range(runs)])


@dataclass
class ServerDb:
    url: str
    cite_id: str
    user_id: str

    def device_token(self, name: str = "bench") -> tuple[str, str]:
        """Enrol a device of the bench mediator; returns (device_id, token)."""
        engine = create_engine(self.url)
        with Session(engine) as session:
            user = session.get(AppUser, self.user_id)
            assert user is not None
            device, token = enrol_device(session, user=user, name=name)
            session.commit()
            device_id = device.id
        engine.dispose()
        return device_id, token


@contextmanager
def server_db(db: str, workdir: Path) -> Iterator[ServerDb]:
    """A migrated, empty server database with one cité and one mediator; dropped after."""
    if db == "sqlite":
        url = f"sqlite:///{workdir / f'server-{uuid7()}.sqlite3'}"
        yield _prepare(url)
        return
    name = f"relais_bench_{os.getpid()}_{uuid7()[-8:]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield _prepare(url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _prepare(url: str) -> ServerDb:
    engine = make_engine(Settings(database_url=url))
    migrate(engine)
    with Session(engine) as session:
        cite = Cite(name="Cité de mesure", communes=["Creil"])
        session.add(cite)
        session.flush()
        user = AppUser(
            username=f"bench{uuid7()[-6:]}",
            display_name="Médiateur de mesure",
            role=Role.MEDIATOR.value,
            cite_id=cite.id,
            password_hash="not-a-login",
        )
        session.add(user)
        session.commit()
        out = ServerDb(url=url, cite_id=cite.id, user_id=user.id)
    engine.dispose()
    return out


def pin(pid: int, cpus: str) -> None:
    """Every thread of process `pid` (and the threads it starts later) on the cores
    `cpus` names ("0", "0,1"): a server on one core, the simulated phones on another."""
    set_affinity(pid, cores(cpus))


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident set size (VmHWM) of a live process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def workdir() -> tempfile.TemporaryDirectory[str]:
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(dir=BENCH_VAR, prefix="run-")


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "loadavg_1m": os.getloadavg()[0],
    }


def emit(name: str, figures: dict[str, Any], out: str | None) -> None:
    """Print the figures as JSON and write them under benchmarks/results/."""
    doc = {"benchmark": name, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **figures}
    doc["machine"] = machine()
    text_out = json.dumps(doc, indent=2, ensure_ascii=False)
    print(text_out)
    path = Path(out) if out else RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text_out + "\n")
