"""Capacity per server core: everyday syncs, sustained, against one server process.

    uv run python -m benchmarks.capacity --db postgres --rates 20 40 60 80 --step-s 60 \\
        --sustain-s 300

One uvicorn process (the server) is pinned to one core (`taskset`); this process,
which plays the phones, to the other, so that the phones do not take the server's
CPU. (PostgreSQL's own processes are the machine's, shared, and not pinned.) The
phones sync as the field app does all day: each sync pushes what was typed since
the last one — the morning of `benchmarks.mobile_link` (60 contacts, 5 persons,
3 orientations, 2 follow-ups) spread over 10 syncs: 6 contacts and 1 other entry —
and pulls what its cité's colleagues pushed meanwhile, in one request (the push
asks for the first pull page, `then_pull`; further pages with `GET /sync/pull`).

The phones speak the sync protocol directly (bodies built with the domain's models,
zstd both ways, the same requests `SyncClient` sends) rather than through
`LocalStore`: one core of Python phones with their SQLite files could not keep up
with one core of server. Syncs start as a Poisson process at each `--rates` value
for `--step-s` seconds (open loop: a slow server does not slow the arrivals); the
highest rate whose server-side p99 stayed ≤ 500 ms is then sustained for
`--sustain-s` seconds. Server-side time is the server's `Server-Timing` (in the
process, queueing for a worker thread and a database connection included).
Afterwards the ledger is checked: every op sent is there exactly once, every
record once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import zstandard
from sqlalchemy import create_engine, func
from sqlmodel import Session, select

from benchmarks.common import contact_values, emit, pin, server_db, workdir
from benchmarks.concurrency import Mediator, make_mediators, quantile
from benchmarks.cpu import (
    cores_busy,
    cores_busy_ticks,
    cpu_seconds,
    group_cpu_seconds,
    postgres_pids,
)
from benchmarks.mobile_link import add_partner, person_values
from domain.hlc import HlcClock
from domain.ids import uuid7
from domain.sync import SCHEMA_VERSION
from scripts.processes import start_server
from sync_server.models import Record, SyncOp

TARGET_P99_S = 0.5
KEPT_UP = 0.95
OPS_PER_SYNC = 7
PULL_LIMIT = 500
SEND_ATTEMPTS = 3


@dataclass
class Phone:
    who: Mediator
    partner: str
    clock: HlcClock
    seq: int = 0
    cursor: str | None = None
    busy: bool = False
    syncs: int = 0
    persons: list[str] = field(default_factory=list)

    def ops(self) -> list[dict[str, Any]]:
        """What was typed since the last sync: 6 contacts and one other entry."""
        out = []
        kind = self.syncs % 3
        if kind == 0 or not self.persons:
            pid = uuid7()
            self.persons.append(pid)
            out.append(self._op("person", pid, person_values(self.seq)))
        elif kind == 1:
            out.append(
                self._op(
                    "orientation",
                    uuid7(),
                    {
                        "person_id": self.persons[-1],
                        "partner_id": self.partner,
                        "theme": "Emploi",
                        "reason": "Atelier CV",
                        "date": "2025-03-10",
                        "status": "proposed",
                    },
                )
            )
        else:
            out.append(
                self._op(
                    "followup",
                    uuid7(),
                    {"person_id": self.persons[-1], "due_date": "2025-03-17", "what": "Rappeler"},
                )
            )
        for _ in range(OPS_PER_SYNC - 1):
            values = contact_values(self.who.user_id, self.seq)
            values["person_id"] = self.persons[-1]
            out.append(self._op("contact", uuid7(), values))
        return out

    def _op(self, entity: str, row_id: str, values: dict[str, Any]) -> dict[str, Any]:
        self.seq += 1
        return {
            "op_id": uuid7(),
            "device_seq": self.seq,
            "entity": entity,
            "row_id": row_id,
            "hlc": self.clock.now().encode(),
            "set": values,
        }


@dataclass
class Sample:
    started: float
    client_s: float
    server_s: list[float]
    ok: bool
    error: str | None = None


@dataclass
class CpuReading:
    """CPU seconds used so far by the server, the phones (this process) and PostgreSQL
    (all its processes, the machine's other databases' work too; and the backends
    serving this run's database), and each core's ticks."""

    at: float
    server: float
    phones: float
    postgres: float
    run_db: float
    cores: dict[int, tuple[int, int]]

    @classmethod
    def now(cls, server_pid: int, db_name: str | None) -> CpuReading:
        pg = postgres_pids() if db_name else []
        mine = [pid for pid in pg if _serves(pid, db_name or "")]
        return cls(
            time.monotonic(),
            cpu_seconds(server_pid),
            cpu_seconds(),
            group_cpu_seconds(pg),
            group_cpu_seconds(mine),
            cores_busy_ticks(),
        )

    def since(self, before: CpuReading) -> dict[str, Any]:
        elapsed = self.at - before.at
        postgres = self.postgres - before.postgres
        return {
            "phones_cpu_s": self.phones - before.phones,
            "phones_core_busy": (self.phones - before.phones) / elapsed,
            "postgres_cpu_s": postgres,
            "postgres_cores_used": postgres / elapsed,
            "postgres_run_db_backends_cpu_s": self.run_db - before.run_db,
            "cores_busy": cores_busy(before.cores),
        }


def _serves(pid: int, db_name: str) -> bool:
    """Whether PostgreSQL process `pid` is a backend connected to `db_name` (its
    process title names the database)."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").split()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return db_name.encode() in title


@dataclass
class Load:
    phones: list[Phone]
    client: httpx.AsyncClient
    server_pid: int
    db_name: str | None = None
    sent_ops: list[str] = field(default_factory=list)
    sent_rows: list[str] = field(default_factory=list)
    acked: int = 0
    no_phone_free: int = 0
    resent: int = 0


async def one_sync(load: Load, phone: Phone) -> Sample:
    ops = phone.ops()
    phone.syncs += 1
    body = zstandard.ZstdCompressor().compress(
        orjson.dumps({"protocol": 1, "schema_version": SCHEMA_VERSION, "ops": ops})
    )
    headers = {
        "Authorization": f"Bearer {phone.who.token}",
        "Content-Encoding": "zstd",
        "Content-Type": "application/json",
        "X-Relais-Schema-Version": str(SCHEMA_VERSION),
    }
    params: dict[str, Any] = {"then_pull": "true", "limit": PULL_LIMIT}
    if phone.cursor:
        params["cursor"] = phone.cursor
    load.sent_ops += [op["op_id"] for op in ops]
    load.sent_rows += [op["row_id"] for op in ops]
    began = time.monotonic()
    server: list[float] = []
    try:
        # As `SyncClient` does: a push whose connection failed is sent again, the same
        # ops (the server answers `duplicate` for those it had): a phone keeps its
        # outbox until the server acknowledged it.
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                response = await load.client.post(
                    "/sync/push", content=body, params=params, headers=headers
                )
                break
            except httpx.TransportError:
                if attempt == SEND_ATTEMPTS:
                    raise
                load.resent += 1
        server.append(_server_s(response))
        if response.status_code != 200:
            return Sample(
                began, time.monotonic() - began, server, False, f"push {response.status_code}"
            )
        reply = orjson.loads(response.content)
        results = reply["results"]
        refused = [r.get("reason") or "" for r in results if r["outcome"] == "rejected"]
        if len(results) != len(ops) or refused:
            why = f"push not applied: {refused[0][:80] if refused else 'answers missing'}"
            return Sample(began, time.monotonic() - began, server, False, why)
        load.acked += len(results)
        page = reply.get("pull")
        while page is not None:
            phone.cursor = page["cursor"]
            if not page["has_more"]:
                break
            response = await load.client.get(
                "/sync/pull",
                params={"cursor": phone.cursor, "limit": PULL_LIMIT},
                headers=headers,
            )
            server.append(_server_s(response))
            page = orjson.loads(response.content) if response.status_code == 200 else None
        return Sample(began, time.monotonic() - began, server, page is not None)
    except httpx.HTTPError as exc:
        return Sample(began, time.monotonic() - began, server, False, type(exc).__name__)


def _server_s(response: httpx.Response) -> float:
    _, _, dur = response.headers.get("server-timing", "").partition(";dur=")
    return float(dur) / 1000 if dur else float("nan")


async def run_rate(load: Load, rate: float, seconds: float) -> dict[str, Any]:
    samples: list[Sample] = []
    tasks: set[asyncio.Task[None]] = set()
    rng = random.Random(rate)

    async def sync(phone: Phone) -> None:
        try:
            samples.append(await one_sync(load, phone))
        finally:
            phone.busy = False

    cpu0 = CpuReading.now(load.server_pid, load.db_name)
    t0 = cpu0.at
    end = t0 + seconds
    at = t0
    while True:
        at += rng.expovariate(rate)
        if at >= end:
            break
        delay = at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        free = [p for p in rng.sample(load.phones, 8) if not p.busy]
        if not free:
            load.no_phone_free += 1
            continue
        free[0].busy = True
        task = asyncio.create_task(sync(free[0]))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)
    cpu = CpuReading.now(load.server_pid, load.db_name)
    return {
        **rate_figures(rate, samples, cpu.at - t0, cpu.server - cpu0.server),
        **cpu.since(cpu0),
    }


def rate_figures(rate: float, samples: list[Sample], elapsed: float, cpu: float) -> dict[str, Any]:
    """One rate's figures: syncs done, server-side and client-side times, server CPU."""
    server = [s for sample in samples for s in sample.server_s]
    done = [s for s in samples if s.ok]
    errors: dict[str, int] = {}
    for s in samples:
        if s.error:
            errors[s.error] = errors.get(s.error, 0) + 1
    return {
        "rate_asked_per_s": rate,
        "seconds": elapsed,
        "syncs": len(samples),
        "syncs_ok": len(done),
        "syncs_per_s": len(done) / elapsed,
        "requests": len(server),
        "errors": errors,
        "server_s": {
            "p50": quantile(server, 0.5),
            "p95": quantile(server, 0.95),
            "p99": quantile(server, 0.99),
            "max": max(server, default=float("nan")),
        },
        "client_s": {
            "p50": quantile([s.client_s for s in samples], 0.5),
            "p99": quantile([s.client_s for s in samples], 0.99),
        },
        "server_cpu_s": cpu,
        "server_core_busy": cpu / elapsed,
        "server_cpu_ms_per_sync": 1000 * cpu / max(1, len(done)),
    }


def verify(url: str, load: Load) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            # Every op sent, once; no record twice (ids are the phones').
            ops = set(load.sent_ops)
            found = set(session.exec(select(SyncOp.op_id)))
            in_ledger = session.exec(select(func.count()).select_from(SyncOp)).one()
            records = session.exec(select(func.count()).select_from(Record)).one()
            distinct = session.exec(select(func.count(func.distinct(Record.id)))).one()
    finally:
        engine.dispose()
    return {
        "ops_sent": len(ops),
        "ops_acked": load.acked,
        "lost": len(ops - found),
        "doubled": in_ledger - len(found),
        "records_doubled": records - distinct,
        "records_missing": len(set(load.sent_rows)) - distinct,
    }


async def drive(args: argparse.Namespace, load: Load) -> dict[str, Any]:
    steps = []
    for rate in args.rates:
        steps.append(await run_rate(load, rate, args.step_s))
        step = steps[-1]
        print(
            f"rate {rate}/s: {step['syncs_per_s']:.1f}/s, server p99 "
            f"{step['server_s']['p99'] * 1000:.0f} ms, client p99 "
            f"{step['client_s']['p99'] * 1000:.0f} ms, server core busy "
            f"{step['server_core_busy']:.0%}, {step['server_cpu_ms_per_sync']:.1f} ms CPU a sync"
            f", phones' core busy {step['phones_core_busy']:.0%}, PostgreSQL "
            f"{step['postgres_cores_used']:.0%} of a core, cores busy {step['cores_busy']}",
            flush=True,
        )
    # Kept up with: served (nearly) the rate asked, within the p99, without errors.
    within = [
        s
        for s in steps
        if s["server_s"]["p99"] <= TARGET_P99_S
        and not s["errors"]
        and s["syncs_per_s"] >= KEPT_UP * s["rate_asked_per_s"]
    ]
    out: dict[str, Any] = {"steps": steps}
    if within and args.sustain_s > 0:
        rate = max(s["rate_asked_per_s"] for s in within)
        out["sustained"] = await run_rate(load, rate, args.sustain_s)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--rates", type=float, nargs="+", default=[20, 40, 60, 80, 100])
    parser.add_argument("--step-s", type=float, default=60)
    parser.add_argument("--sustain-s", type=float, default=300)
    parser.add_argument("--cites", type=int, default=100, help="cités of 5 phones each")
    parser.add_argument("--server-cpu", default="0")
    parser.add_argument("--phones-cpu", default="1")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    os.sched_setaffinity(0, {int(c) for c in args.phones_cpu.split(",")})
    with workdir() as tmp, server_db(args.db, Path(tmp)) as sdb:
        teams = make_mediators(sdb, args.cites, [5] * args.cites)
        phones = []
        for team in teams:
            partner = add_partner(sdb, team[0].cite_id)
            phones += [Phone(who, partner, HlcClock(who.device_id)) for who in team]
        server = start_server(sdb.url, Path(tmp) / "logs", env={"RELAIS_SERVER_TIMING": "1"})
        try:
            pin(server.popen.pid, args.server_cpu)

            async def run() -> dict[str, Any]:
                limits = httpx.Limits(max_connections=len(phones), max_keepalive_connections=200)
                async with httpx.AsyncClient(
                    base_url=server.url, timeout=60, limits=limits
                ) as client:
                    db_name = sdb.url.rsplit("/", 1)[1] if args.db == "postgres" else None
                    load = Load(phones, client, server.popen.pid, db_name)
                    figures = await drive(args, load)
                    figures["no_phone_free"] = load.no_phone_free
                    figures["pushes_resent"] = load.resent
                figures["ledger"] = verify(sdb.url, load)
                return figures

            figures = asyncio.run(run())
        finally:
            server.stop()
    figures.update(
        {
            "db": args.db,
            "phones": len(phones),
            "ops_per_sync": OPS_PER_SYNC,
            "server_cpu": args.server_cpu,
            "phones_cpu": args.phones_cpu,
            "target_server_p99_s": TARGET_P99_S,
        }
    )
    emit("capacity", figures, args.out or None)


if __name__ == "__main__":
    main()
