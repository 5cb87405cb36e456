"""Capacity per server core: everyday syncs, sustained, against one server process.

    uv run python -m benchmarks.capacity --db postgres --rates 20 40 60 80 --step-s 60 \\
        --sustain-s 300
    uv run python -m benchmarks.capacity ... --db-cpu 1   # PostgreSQL beside the phones

One uvicorn process (the server) is pinned to one core (`--server-cpu`, `taskset`);
this process, which plays the phones, to another (`--phones-cpu`), so that the
phones do not take the server's CPU. PostgreSQL's processes are the machine's and
run on any core unless `--db-cpu CPUS` pins them (the postmaster, its backends and
helpers, and the backends it starts during the run) for the run only: each is given
back the cores it had afterwards, however the run ends. Pinning them to the phones'
core leaves the server's core to the server alone (`--server-cpu 0 --phones-cpu 1
--db-cpu 1`); it pins the whole PostgreSQL server, other databases' work included.

The phones sync as the field app does all day: each sync pushes what was typed since
the last one — the morning of `benchmarks.mobile_link` (60 contacts, 5 persons,
3 orientations, 2 follow-ups) spread over 10 syncs: 6 contacts and 1 other entry —
and pulls what its cité's colleagues pushed meanwhile, in one request (the push
asks for the first pull page, `then_pull`; further pages with `GET /sync/pull`).

The phones speak the sync protocol directly (the same requests `SyncClient` sends,
zstd both ways) rather than through `LocalStore`, and cheaply, so that one core of
phones can outrun one core of server: every push body a phone will send is built
and compressed before the first step (unique op and row ids, HLCs and `device_seq`
in each phone's order; enough for the phone's expected share of the syncs plus four
standard deviations; one that runs out builds the next during the run, counted in
`bodies_built_during_steps`), and HTTP goes through `benchmarks.http1`, a minimal
HTTP/1.1 client on asyncio streams with keep-alive connections, not httpx.
Syncs start as a Poisson process at each `--rates` value for `--step-s` seconds
(open loop: a slow server does not slow the arrivals); the highest rate whose
server-side p99 stayed ≤ 500 ms is then sustained for `--sustain-s` seconds.
Server-side time is the server's `Server-Timing` (in the process, queueing for a
worker thread and a database connection included). A push whose connection failed
is sent again, as the phone does. Afterwards the ledger is checked: every op sent is
there exactly once, every record once.

Each step says which core was the limit: the server's share of its core
(`server_core_busy`), the phones' share of theirs (`phones_core_busy`), the CPU of
all PostgreSQL processes (`postgres_cpu_s`, `postgres_cores_used`; those serving this
run's database: `postgres_run_db_backends_cpu_s`) and each core's busy share,
whoever used it (`cores_busy`: the machine's other work shows there).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import time
from collections import deque
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
import zstandard
from sqlalchemy import create_engine, func
from sqlmodel import Session, select

from benchmarks.common import contact_values, emit, pin, server_db, workdir
from benchmarks.concurrency import Mediator, make_mediators, quantile
from benchmarks.cpu import (
    cores,
    cores_busy,
    cores_busy_ticks,
    cpu_seconds,
    group_cpu_seconds,
    pinned,
    postgres_pids,
)
from benchmarks.http1 import Http1Pool, Reply, TransportError
from benchmarks.mobile_link import add_partner, person_values
from domain.hlc import HlcClock
from domain.ids import uuid7
from domain.sync import SCHEMA_VERSION
from scripts.processes import Proc, start_server
from sync_server.models import Record, SyncOp

TARGET_P99_S = 0.5
KEPT_UP = 0.95
OPS_PER_SYNC = 7
PULL_LIMIT = 500
SEND_ATTEMPTS = 3


# One compressor for every body: they are all built in this thread, before the steps.
ZSTD = zstandard.ZstdCompressor()


@dataclass
class Body:
    """One sync's push, ready to send: the zstd-compressed request, and its ops' and
    rows' ids (counted as sent only once sent)."""

    data: bytes
    op_ids: list[str]
    row_ids: list[str]


@dataclass
class Phone:
    who: Mediator
    partner: str
    clock: HlcClock
    seq: int = 0
    cursor: str | None = None
    busy: bool = False
    built: int = 0
    persons: list[str] = field(default_factory=list)
    bodies: deque[Body] = field(default_factory=deque)

    def __post_init__(self) -> None:
        # The request headers, as `SyncClient` sends them (Host and length added).
        self.head = (
            f"Authorization: Bearer {self.who.token}\r\nAccept-Encoding: zstd\r\n"
            f"X-Relais-Schema-Version: {SCHEMA_VERSION}\r\n"
        ).encode()
        self.push_head = self.head + b"Content-Type: application/json\r\nContent-Encoding: zstd\r\n"

    def prepare(self, count: int) -> None:
        """The next `count` syncs' bodies, built now: in order, so that each push's
        `device_seq` and HLCs follow the previous one's."""
        self.bodies.extend(self.build() for _ in range(count))

    def build(self) -> Body:
        ops = self.ops()
        self.built += 1
        data = ZSTD.compress(
            orjson.dumps({"protocol": 1, "schema_version": SCHEMA_VERSION, "ops": ops})
        )
        return Body(data, [op["op_id"] for op in ops], [op["row_id"] for op in ops])

    def cursor_param(self) -> str:
        return f"&cursor={quote(self.cursor, safe='')}" if self.cursor else ""

    def ops(self) -> list[dict[str, Any]]:
        """What was typed since the last sync: 6 contacts and one other entry."""
        out = []
        kind = self.built % 3
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
    http: Http1Pool
    server_pid: int
    db_name: str | None = None
    sent_ops: list[str] = field(default_factory=list)
    sent_rows: list[str] = field(default_factory=list)
    acked: int = 0
    no_phone_free: int = 0
    resent: int = 0
    built_late: int = 0

    def next_body(self, phone: Phone) -> Body:
        """The phone's next prepared body; built now if it has none left (counted:
        the phones' CPU then includes building it)."""
        if phone.bodies:
            return phone.bodies.popleft()
        self.built_late += 1
        return phone.build()


async def one_sync(load: Load, phone: Phone) -> Sample:
    body = load.next_body(phone)
    load.sent_ops += body.op_ids
    load.sent_rows += body.row_ids
    began = time.monotonic()
    server: list[float] = []
    try:
        reply = await send_push(load, phone, body)
        server.append(_server_s(reply))
        answer, why = push_answer(reply, len(body.op_ids))
        if answer is None:
            return Sample(began, time.monotonic() - began, server, False, why)
        load.acked += len(body.op_ids)
        ok = await follow_pages(load, phone, answer.get("pull"), server)
        return Sample(began, time.monotonic() - began, server, ok)
    except TransportError as exc:
        why = type(exc.__cause__ or exc).__name__
        return Sample(began, time.monotonic() - began, server, False, why)


async def send_push(load: Load, phone: Phone, body: Body) -> Reply:
    """The push, with the first pull page (`then_pull`). As `SyncClient` does, a push
    whose connection failed is sent again, the same ops (the server answers
    `duplicate` for those it had): a phone keeps its outbox until the server
    acknowledged it."""
    target = f"/sync/push?then_pull=true&limit={PULL_LIMIT}{phone.cursor_param()}"
    for _ in range(SEND_ATTEMPTS - 1):
        try:
            return await load.http.request("POST", target, phone.push_head, body.data)
        except TransportError:
            load.resent += 1
    return await load.http.request("POST", target, phone.push_head, body.data)


def push_answer(reply: Reply, sent: int) -> tuple[dict[str, Any] | None, str]:
    """The push's answer if every op sent was answered and none rejected; else why not."""
    if reply.status != 200:
        return None, f"push {reply.status}"
    answer = orjson.loads(reply.body)
    results = answer["results"]
    refused = [r.get("reason") or "" for r in results if r["outcome"] == "rejected"]
    if len(results) != sent or refused:
        return None, f"push not applied: {refused[0][:80] if refused else 'answers missing'}"
    return answer, ""


async def follow_pages(
    load: Load, phone: Phone, page: dict[str, Any] | None, server: list[float]
) -> bool:
    """Pull pages after the one the push brought, while the server has more; whether
    the phone ended up to date."""
    while page is not None:
        phone.cursor = page["cursor"]
        if not page["has_more"]:
            return True
        target = f"/sync/pull?limit={PULL_LIMIT}{phone.cursor_param()}"
        reply = await load.http.request("GET", target, phone.head)
        server.append(_server_s(reply))
        page = orjson.loads(reply.body) if reply.status == 200 else None
    return False


def _server_s(reply: Reply) -> float:
    _, _, dur = reply.headers.get("server-timing", "").partition(";dur=")
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


def bodies_per_phone(args: argparse.Namespace, phones: int) -> int:
    """Enough bodies that a phone hardly ever runs out: the syncs a phone makes on
    average over the steps and the sustained run (at the highest rate), plus four
    standard deviations (the phone of each sync is drawn at random: about Poisson)."""
    mean = (sum(args.rates) * args.step_s + max(args.rates) * args.sustain_s) / phones
    return math.ceil(mean + 4 * math.sqrt(mean) + 2)


async def run_load(
    args: argparse.Namespace, phones: list[Phone], server: Proc, url: str
) -> dict[str, Any]:
    """Prepare the bodies, run the steps (and the sustained rate), check the ledger."""
    began, count = time.monotonic(), bodies_per_phone(args, len(phones))
    for phone in phones:
        phone.prepare(count)
    prepared_s = time.monotonic() - began
    print(f"{count * len(phones)} bodies prepared in {prepared_s:.1f} s", flush=True)
    http = Http1Pool.for_url(server.url)
    load = Load(
        phones, http, server.popen.pid, url.rsplit("/", 1)[1] if args.db == "postgres" else None
    )
    try:
        figures = await drive(args, load)
    finally:
        await http.close()
    figures |= {
        "no_phone_free": load.no_phone_free,
        "pushes_resent": load.resent,
        "bodies_prepared_per_phone": count,
        "bodies_prepared_s": prepared_s,
        "bodies_built_during_steps": load.built_late,
        "connections_opened": http.opened,
        "ledger": verify(url, load),
    }
    return figures


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """The run `args` describe (see `parser`); the figures."""
    if args.phones_cpu:
        os.sched_setaffinity(0, cores(args.phones_cpu))
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(workdir()))
        sdb = stack.enter_context(server_db(args.db, tmp))
        teams = make_mediators(sdb, args.cites, [5] * args.cites)
        phones = []
        for team in teams:
            partner = add_partner(sdb, team[0].cite_id)
            phones += [Phone(who, partner, HlcClock(who.device_id)) for who in team]
        # Given back their cores when the stack unwinds, however the run ends.
        pinned_db = (
            stack.enter_context(pinned(postgres_pids, cores(args.db_cpu))) if args.db_cpu else {}
        )
        server = start_server(sdb.url, tmp / "logs", env={"RELAIS_SERVER_TIMING": "1"})
        try:
            if args.server_cpu:
                pin(server.popen.pid, args.server_cpu)
            figures = asyncio.run(run_load(args, phones, server, sdb.url))
        finally:
            server.stop()
    return figures | {
        "db": args.db,
        "phones": len(phones),
        "ops_per_sync": OPS_PER_SYNC,
        "server_cpu": args.server_cpu,
        "phones_cpu": args.phones_cpu,
        "db_cpu": args.db_cpu,
        "postgres_processes_pinned": len(pinned_db),
        "target_server_p99_s": TARGET_P99_S,
    }


def parser() -> argparse.ArgumentParser:
    out = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    out.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    out.add_argument("--rates", type=float, nargs="+", default=[20, 40, 60, 80, 100])
    out.add_argument("--step-s", type=float, default=60)
    out.add_argument("--sustain-s", type=float, default=300)
    out.add_argument("--cites", type=int, default=100, help="cités of 5 phones each")
    out.add_argument("--server-cpu", default="0", help="cores of the server ('': not pinned)")
    out.add_argument("--phones-cpu", default="1", help="cores of the phones ('': not pinned)")
    out.add_argument(
        "--db-cpu",
        default="",
        metavar="CPUS",
        help="cores of PostgreSQL's processes for the run (default: not pinned)",
    )
    out.add_argument("--out")
    return out


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.db_cpu and args.db != "postgres":
        parser().error("--db-cpu pins PostgreSQL: it goes with --db postgres")
    emit("capacity", measure(args), args.out or None)


if __name__ == "__main__":
    main()
