"""N phones syncing at once against one server instance, or two sharing PostgreSQL.

    uv run python -m benchmarks.concurrency --db sqlite
    uv run python -m benchmarks.concurrency --db postgres --instances 1
    uv run python -m benchmarks.concurrency --db postgres --instances 2
    uv run python -m benchmarks.concurrency --scenario one-cite ...   # worst case

The target: 200 simulated phones syncing at once against one server instance, then
against two instances on PostgreSQL: zero lost or doubled ops, p50/p99 latency
reported; p99 ≤ 2 s.

Two scenarios:

- `cites` (default, the one the target is judged on): 200 phones in 40 cités of 5
  mediators, as cités de l'emploi are staffed. Pull is scoped to the caller's cité
  (docs/architecture.md §3.7), so a phone pulls what its 4 colleagues pushed, not the whole
  crowd's work.
- `one-cite`: the O(N²) fan-out worst case: all 200 phones in one cité, each pulling
  every row the 199 others pushed (~2,000 rows each, ~400,000 in all).

Each phone is a real `LocalStore` file with its own mediator and enrolled device,
already up to date with its cité before the burst (it holds its cité's shared
persons), then holding 10 new contacts and edits to persons its cité shares (so
pushes lock the same rows). The phones run in `--phone-procs` worker processes,
each running its share in threads, so the phones' own CPU work (encoding, SQLite,
parsing pulled pages) is not serialised by one GIL. Every worker signals it is
ready; then all phones start `SyncClient.sync()` (push, then pull until up to date)
at one common instant, against real uvicorn processes on loopback; with two
instances phones alternate between them. A refused or failed sync is counted and
retried after a short pause, as a mediator would tap "sync" again. Afterwards the
server database is checked: every op in the ledger exactly once, one contact record
per contact written and no duplicate record, every shared field holding its latest
edit (greatest HLC), every outbox empty, no 5xx seen and no unhandled server error.

Latency is split three ways: per phone (push, then pull), per request as the phone
saw it, and per request as the server saw it (its `Server-Timing` header: time in
the server process, queueing for a worker thread and a database connection
included). CPU is reported for the phones and for the server processes.

Baselines measured in the same run: the same payload synced by a phone alone
(before the crowd, and once after it, when its pull brings its cité's new rows),
and the floor (`benchmarks.common.floor_median`) over the crowd's contacts.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import queue
import resource
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func
from sqlmodel import Session, select

from app.store import DeviceSession, LocalStore
from app.sync.client import SyncClient, SyncProgress
from app.sync.errors import AuthError, ServerError, SyncError, UpgradeRequired
from app.sync.replies import PullPage, read_pull_page
from benchmarks.common import (
    ServerDb,
    contact_values,
    emit,
    floor_median,
    keep_written_ops,
    pin,
    server_db,
    workdir,
    written_ops,
)
from benchmarks.cpu import cores, cpu_seconds
from domain.ids import uuid7
from domain.vocabulary import Role
from scripts.processes import Proc, start_server
from sync_server.crud.users import enrol_device
from sync_server.models import AppUser, Cite, Record, SyncOp

TARGET_P99_S = 2.0
FIELDS = ("need", "commune")
# A phone's HTTP timeout: generous, a slow answer is a latency to measure, not an error.
HTTP_TIMEOUT_S = 120.0
# Time between "every phone is ready" and the common start: lets workers wake threads.
START_DELAY_S = 0.5


@dataclass(frozen=True)
class Scenario:
    per_cite: int
    """Phones (mediators) per cité; 0: every phone in one cité."""
    shared: int
    """Persons each cité's phones share."""
    edits: int
    """Shared persons each phone edits."""
    label: str


SCENARIOS = {
    "cites": Scenario(
        per_cite=5,
        shared=2,
        edits=1,
        label="realistic: cités of 5 mediators, each phone up to date, pull scoped to its cité",
    ),
    "one-cite": Scenario(
        per_cite=0,
        shared=5,
        edits=2,
        label="worst case: every phone in one cité, each pulls every other phone's rows (O(N²))",
    ),
}


@dataclass(frozen=True)
class Mediator:
    user_id: str
    cite_id: str
    device_id: str
    token: str


@dataclass(frozen=True)
class PhoneSpec:
    """What a worker process needs to open a phone: its file, its server and its
    session (a store without a PIN keeps the session in memory only, so a worker
    that opens the file again is given it)."""

    name: str
    path: str
    url: str
    device_id: str
    session: DeviceSession


@dataclass
class Phone:
    spec: PhoneSpec
    store: LocalStore


@dataclass
class Request:
    path: str
    status: int | None
    client_s: float
    server_s: float | None


@dataclass
class Outcome:
    """One phone's sync: latency until a sync succeeded, retries and errors on the way."""

    name: str
    ok: bool = False
    latency_s: float = float("nan")
    push_s: float = float("nan")
    cpu_s: float = float("nan")
    """CPU time of the phone's own thread (encoding, SQLite, parsing pulled pages)."""
    attempts: int = 0
    errors: list[str] = field(default_factory=list)
    pushed: int = 0
    pulled: int = 0
    requests: list[Request] = field(default_factory=list)


class TimedTransport(httpx.HTTPTransport):
    """Records each request's time until the answer's headers, and the server's own."""

    def __init__(self, log: list[Request]) -> None:
        super().__init__()
        self.log = log

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        began = time.monotonic()
        try:
            response = super().handle_request(request)
        except Exception:
            self.log.append(Request(request.url.path, None, time.monotonic() - began, None))
            raise
        took = time.monotonic() - began
        server = response.headers.get("server-timing", "")
        _, _, dur = server.partition(";dur=")
        server_s = float(dur) / 1000 if dur else None
        self.log.append(Request(request.url.path, response.status_code, took, server_s))
        return response


# -- setup ------------------------------------------------------------------------------------


def make_mediators(sdb: ServerDb, cites: int, per_cite: list[int]) -> list[list[Mediator]]:
    """`cites` cités, `per_cite[c]` mediators in cité c, each with one enrolled device."""
    engine = create_engine(sdb.url)
    out: list[list[Mediator]] = []
    try:
        with Session(engine) as session:
            for c in range(cites):
                cite = Cite(name=f"Cité de mesure {c}", communes=["Creil"])
                session.add(cite)
                session.flush()
                members = []
                for m in range(per_cite[c]):
                    user = AppUser(
                        username=f"bench-{c}-{m}-{uuid7()[-6:]}",
                        display_name=f"Médiateur {c}.{m}",
                        role=Role.MEDIATOR.value,
                        cite_id=cite.id,
                        password_hash="not-a-login",
                    )
                    session.add(user)
                    session.flush()
                    device, token = enrol_device(session, user=user, name=f"phone {c}.{m}")
                    members.append(Mediator(user.id, cite.id, device.id, token))
                out.append(members)
            session.commit()
    finally:
        engine.dispose()
    return out


def open_phone(work: Path, name: str, url: str, who: Mediator) -> Phone:
    path = work / f"{name}.sqlite3"
    store = LocalStore(path)
    keep_written_ops(path)  # to check afterwards that every op reached the server once
    user = {
        "id": who.user_id,
        "username": name,
        "display_name": "Médiateur de mesure",
        "role": "mediator",
        "cite_id": who.cite_id,
    }
    session = DeviceSession(server_url=url, token=who.token, device_id=who.device_id, user=user)
    store.save_session(session)
    return Phone(PhoneSpec(name, str(path), url, who.device_id, session), store)


def write_payload(
    phone: Phone, index: int, mediator_id: str, persons: list[str], contacts: int, edits: int
) -> list[str]:
    """New contacts, then edits to shared persons (each phone starts at its own one)."""
    store = phone.store
    ids = []
    with store._tx():  # setup only: one transaction
        for i in range(contacts):
            ids.append(store.create("contact", contact_values(mediator_id, index * contacts + i)))
        for k in range(min(edits, len(persons))):
            person_id = persons[(index + k) % len(persons)]
            name = FIELDS[(index + k) % len(FIELDS)]
            store.update("person", person_id, {name: f"{phone.spec.name} édition {k}"})
    return ids


def wait_for_rows(phone: Phone, expected: set[str]) -> PullPage:
    """The cité's current rows from the start, once all of `expected` is served.

    On PostgreSQL a pull holds back rows while an older transaction anywhere on the
    cluster is still open (its rows could land behind the cursor): ask again.
    """
    with SyncClient(phone.store, phone.spec.url, timeout=HTTP_TIMEOUT_S) as client:
        deadline = time.monotonic() + 60
        while True:
            page = client._call("GET", "/sync/pull", read_pull_page, params={"limit": 1000})
            if expected <= {r.id for r in page.rows} or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    assert not page.has_more and expected <= {r.id for r in page.rows}
    return page


# -- one phone's sync -------------------------------------------------------------------------


def make_client(phone: Phone, out: Outcome) -> SyncClient:
    """The phone's sync client, made before the clock starts: the app keeps one for its
    whole life (`app/field/state/field_state.py`), and making one costs ~20 ms of CPU
    (a TLS context)."""
    transport = TimedTransport(out.requests)
    return SyncClient(phone.store, phone.spec.url, timeout=HTTP_TIMEOUT_S, transport=transport)


def sync_with_retries(client: SyncClient, start: float, max_attempts: int, out: Outcome) -> None:
    """Sync until it succeeds, as a mediator tapping "sync" again after an error."""
    pushed_at: list[float] = []

    def progress(p: SyncProgress) -> None:
        if p.phase == "push":
            pushed_at.append(time.monotonic())

    cpu_start = time.thread_time()
    with client:
        while out.attempts < max_attempts:
            out.attempts += 1
            pushed_at.clear()
            try:
                report = client.sync(progress)
            except (AuthError, UpgradeRequired) as exc:
                out.errors.append(error_kind(exc))
                break  # retrying cannot help
            except SyncError as exc:
                out.errors.append(error_kind(exc))
                time.sleep(min(0.25 * 2**out.attempts, 4.0))
                continue
            except Exception as exc:  # a bug on the phone side: record, don't hang
                out.errors.append(f"exception {type(exc).__name__}: {exc}")
                break
            end = time.monotonic()
            out.ok = True
            out.latency_s = end - start
            out.cpu_s = time.thread_time() - cpu_start
            out.push_s = (pushed_at[-1] if pushed_at else end) - start
            out.pushed, out.pulled = report.pushed, report.pulled
            return


def error_kind(exc: SyncError) -> str:
    if isinstance(exc, ServerError):
        return f"http {exc.status}" if exc.status else f"server: {exc.detail}"
    cause = exc.__cause__
    # ServerUnreachable wraps the transport error: ConnectError, ReadTimeout, ...
    return f"{type(exc).__name__} ({type(cause).__name__})" if cause else type(exc).__name__


def lone_sync(phone: Phone, max_attempts: int) -> float:
    out = Outcome(phone.spec.name)
    client = make_client(phone, out)
    sync_with_retries(client, time.monotonic(), max_attempts, out)
    if not out.ok:
        raise RuntimeError(f"lone phone {phone.spec.name} failed: {out.errors}")
    return out.latency_s


# -- the burst: worker processes of phone threads ---------------------------------------------


def phone_worker(
    specs: list[PhoneSpec],
    max_attempts: int,
    ready: Any,
    go: Any,
    start_at: Any,
    results: Any,
) -> None:
    """One worker process: opens its phones, waits for the common start, syncs them all.

    Runs in a spawned process (module level, picklable arguments). Puts one tuple on
    `results`: (outcomes as dicts, process CPU seconds during the burst).
    """
    phones = [Phone(s, LocalStore(s.path)) for s in specs]
    for phone in phones:
        phone.store.save_session(phone.spec.session)
    outcomes = [Outcome(s.name) for s in specs]
    clients = [make_client(p, o) for p, o in zip(phones, outcomes, strict=True)]
    released = threading.Event()
    start: list[float] = []

    def run(client: SyncClient, out: Outcome) -> None:
        released.wait()
        time.sleep(max(0.0, start[0] - time.monotonic()))
        sync_with_retries(client, start[0], max_attempts, out)

    threads = [
        threading.Thread(target=run, args=(c, o), name=o.name, daemon=True)
        for c, o in zip(clients, outcomes, strict=True)
    ]
    for t in threads:
        t.start()
    ready.wait()
    go.wait()
    start.append(start_at.value)
    cpu0 = _process_cpu()
    released.set()
    for t in threads:
        t.join()
    cpu = _process_cpu() - cpu0
    for p in phones:
        p.store.close()
    results.put(([asdict(o) for o in outcomes], cpu))


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_crowd(
    specs: list[PhoneSpec], procs: int, max_attempts: int
) -> tuple[list[Outcome], float, list[float]]:
    """Every phone syncs at once from `procs` processes; returns outcomes, wall time and
    each process's CPU seconds."""
    ctx = mp.get_context("spawn")
    procs = max(1, min(procs, len(specs)))
    shares = [specs[i::procs] for i in range(procs)]
    ready = ctx.Barrier(procs + 1)
    go = ctx.Event()
    start_at = ctx.Value("d", 0.0)
    results = ctx.Queue()
    workers = [
        ctx.Process(
            target=phone_worker,
            args=(share, max_attempts, ready, go, start_at, results),
            name=f"phones-{n}",
            daemon=True,
        )
        for n, share in enumerate(shares)
    ]
    for w in workers:
        w.start()
    try:
        ready.wait(timeout=300)
        start_at.value = time.monotonic() + START_DELAY_S
        go.set()
        collected = []
        for _ in workers:
            collected.append(results.get(timeout=HTTP_TIMEOUT_S * (max_attempts + 1)))
        collected_at = time.monotonic()
    except (threading.BrokenBarrierError, queue.Empty):
        raise RuntimeError("a phone worker process died or hung") from None
    finally:
        for w in workers:
            w.join(timeout=30)
            if w.is_alive():
                w.kill()
    outcomes = [
        Outcome(**{**o, "requests": [Request(**r) for r in o["requests"]]})
        for batch, _cpu in collected
        for o in batch
    ]
    # Until the last phone was done (results reach this process a little later).
    done = [o.latency_s for o in outcomes if o.ok]
    wall = max(done) if len(done) == len(outcomes) else collected_at - start_at.value
    return outcomes, wall, [cpu for _batch, cpu in collected]


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children, alive ones."""
    total = 0.0
    try:
        total += cpu_seconds(pid)
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += tree_cpu(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


# -- checks -----------------------------------------------------------------------------------


def _server_side(db_url: str, devices: set[str]) -> dict[str, Any]:
    """What the server holds of the phones' ops, and its records."""
    engine = create_engine(db_url)
    try:
        with Session(engine) as session:
            of_phones = SyncOp.device_id.in_(devices)  # type: ignore[attr-defined]
            return {
                "ledger": Counter(session.exec(select(SyncOp.op_id).where(of_phones))),
                "outcomes": Counter(session.exec(select(SyncOp.outcome).where(of_phones))),
                "contact_ids": Counter(
                    session.exec(select(Record.id).where(Record.entity == "contact"))
                ),
                "record_count": session.exec(select(func.count()).select_from(Record)).one(),
                "record_ids": session.exec(select(func.count(func.distinct(Record.id)))).one(),
                "persons": {
                    r.id: r.data
                    for r in session.exec(select(Record).where(Record.entity == "person"))
                },
            }
    finally:
        engine.dispose()


def _stale_shared_fields(
    written: dict[str, list[dict[str, Any]]], persons: dict[str, dict[str, Any]]
) -> tuple[int, list[str]]:
    """The shared fields checked, and those whose kept value is not the latest edit's
    (greatest HLC)."""
    latest: dict[tuple[str, str], tuple[str, Any]] = {}
    for ops in written.values():
        for op in ops:
            if op["entity"] != "person":
                continue
            for name, value in op["set"].items():
                key = (op["row_id"], name)
                if key not in latest or op["hlc"] > latest[key][0]:
                    latest[key] = (op["hlc"], value)
    stale = sorted(
        f"{row_id}.{name}"
        for (row_id, name), (_hlc, value) in latest.items()
        if persons.get(row_id, {}).get(name) != value
    )
    return len(latest), stale


def _phones_status(phones: list[PhoneSpec]) -> tuple[int, int]:
    """Ops still pending and ops rejected, over every phone."""
    pending = rejected = 0
    for p in phones:
        store = LocalStore(p.path)
        try:
            status = store.sync_status()
        finally:
            store.close()
        pending += status.pending
        rejected += len(status.rejected)
    return pending, rejected


def verify(db_url: str, phones: list[PhoneSpec], crowd_names: set[str]) -> dict[str, Any]:
    """What a careful operator would check after the crowd: nothing lost, nothing twice."""
    written = {p.name: written_ops(Path(p.path)) for p in phones}
    expected = Counter(op["op_id"] for ops in written.values() for op in ops)
    server = _server_side(db_url, {p.device_id for p in phones})
    ledger, contact_ids = server["ledger"], server["contact_ids"]
    lost = sorted(set(expected) - set(ledger))
    doubled = sorted(
        [op for op, n in ledger.items() if n > 1] + [op for op, n in expected.items() if n > 1]
    )
    contacts = {
        name: {op["row_id"] for op in ops if op["entity"] == "contact"}
        for name, ops in written.items()
    }
    written_contacts = set().union(*contacts.values())
    crowd_contacts = set().union(*(c for name, c in contacts.items() if name in crowd_names))
    checked, stale = _stale_shared_fields(written, server["persons"])
    pending, rejected = _phones_status(phones)
    return {
        "ops_written": sum(expected.values()),
        "ops_in_ledger": sum(ledger.values()),
        "ledger_outcomes": dict(server["outcomes"]),
        "lost": len(lost),
        "doubled": len(doubled),
        "unexpected_in_ledger": len(set(ledger) - set(expected)),
        "lost_op_ids": lost[:20],
        "doubled_op_ids": doubled[:20],
        "crowd_contacts_written": len(crowd_contacts),
        "crowd_contacts_on_server": len(crowd_contacts & set(contact_ids)),
        "contacts_written": len(written_contacts),
        "contact_records": sum(contact_ids.values()),
        "contact_records_match": set(contact_ids) == written_contacts
        and all(n == 1 for n in contact_ids.values()),
        "duplicate_records": int(server["record_count"]) - int(server["record_ids"]),
        "shared_fields_checked": checked,
        "stale_shared_fields": len(stale),
        "ops_not_acked_on_phones": sum(
            op["state"] != "acked" for ops in written.values() for op in ops
        ),
        "pending_on_phones": pending,
        "rejected_on_phones": rejected,
    }


# -- figures ----------------------------------------------------------------------------------


def quantile(values: Iterable[float], q: float) -> float:
    """Nearest-rank quantile (p99 of 200 values is the 198th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * q // 1))
    return ordered[int(rank) - 1]


def spread(values: list[float]) -> dict[str, float]:
    return {
        "p50": quantile(values, 0.50),
        "p95": quantile(values, 0.95),
        "p99": quantile(values, 0.99),
        "max": max(values, default=float("nan")),
    }


def request_figures(outcomes: list[Outcome]) -> dict[str, Any]:
    """Per-request times, as the phones saw them and as the servers did."""
    out: dict[str, Any] = {}
    every = [r for o in outcomes for r in o.requests]
    for route in ("/sync/push", "/sync/pull", "/sync/pull/stream"):
        reqs = [r for r in every if r.path == route and r.status is not None]
        out[route] = {
            "requests": len(reqs),
            "server_timed": sum(r.server_s is not None for r in reqs),
            "client_s": spread([r.client_s for r in reqs]),
            "server_s": spread([r.server_s for r in reqs if r.server_s is not None]),
        }
    statuses = Counter(str(r.status) for r in every)
    out["statuses"] = dict(statuses)
    out["http_5xx"] = sum(n for s, n in statuses.items() if s.startswith("5"))
    return out


def _scenario(
    scenario: str, phones: int, per_cite: int | None, shared: int | None, edits: int | None
) -> Scenario:
    """The named scenario with the sizes asked instead of its own."""
    base = SCENARIOS[scenario]
    size = per_cite if per_cite is not None else (base.per_cite or phones)
    return Scenario(
        per_cite=max(1, min(size, phones)),
        shared=base.shared if shared is None else shared,
        edits=base.edits if edits is None else edits,
        label=base.label,
    )


def _start_servers(
    sdb: ServerDb, work: Path, instances: int, server_args: list[str], server_cpu: str | None
) -> list[Proc]:
    servers: list[Proc] = []
    try:
        for n in range(instances):
            servers.append(
                start_server(
                    sdb.url,
                    work / "logs" / f"server-{n}",
                    extra_args=server_args,
                    env={"RELAIS_SERVER_TIMING": "1"},
                )
            )
            if server_cpu is not None:
                pin(servers[-1].popen.pid, server_cpu)
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers


def _logged_errors(work: Path, instances: int) -> dict[str, int]:
    """The servers' unhandled errors, as logged: "unhandled <type> on <route>" (no data)."""
    return dict(
        Counter(
            line.split(" (request")[0][line.index("unhandled") :]
            for n in range(instances)
            for line in (work / "logs" / f"server-{n}" / "server.log").read_text().splitlines()
            if "unhandled" in line
        )
    )


def measure(
    db: str,
    instances: int,
    phones: int,
    contacts: int,
    scenario: str = "cites",
    *,
    per_cite: int | None = None,
    shared: int | None = None,
    edits: int | None = None,
    phone_procs: int = 4,
    server_workers: int = 1,
    keep_alive_s: int | None = None,
    lone_runs: int = 3,
    max_attempts: int = 5,
    server_cpu: str | None = None,
) -> dict[str, Any]:
    setup = _scenario(scenario, phones, per_cite, shared, edits)
    server_args = ["--workers", str(server_workers)] if server_workers > 1 else []
    if keep_alive_s is not None:
        server_args += ["--timeout-keep-alive", str(keep_alive_s)]
    with workdir() as tmp:
        work = Path(tmp)
        sample = [
            contact_values("01900000-0000-7000-8000-000000000001", i)
            for i in range(phones * contacts)
        ]
        with server_db(db, work) as sdb:
            servers = _start_servers(sdb, work, instances, server_args, server_cpu)
            open_phones: list[Phone] = []
            try:
                figures = _run(
                    sdb, servers, work, open_phones, phones, contacts, setup, phone_procs,
                    lone_runs, max_attempts,
                )  # fmt: skip
            finally:
                for server in servers:
                    server.stop()
                for phone in open_phones:
                    phone.store.close()
            figures["server_errors_logged"] = _logged_errors(work, instances)
        figures["floor_s"] = floor_median(sample, work)
    figures["p99_vs_floor"] = figures["latency_s"]["p99"] / figures["floor_s"]
    return {
        "scenario": scenario,
        "scenario_label": setup.label,
        "phone_procs": phone_procs,
        "server_workers_per_instance": server_workers,
        "server_keep_alive_s": keep_alive_s,
        **figures,
    }


@dataclass
class _Bench:
    """What one measurement set up: the server database and processes, its phones."""

    sdb: ServerDb
    servers: list[Proc]
    work: Path
    open_phones: list[Phone]

    def url(self, index: int) -> str:
        return self.servers[index % len(self.servers)].url

    def opened(self, name: str, index: int, who: Mediator) -> Phone:
        phone = open_phone(self.work, name, self.url(index), who)
        self.open_phones.append(phone)
        return phone


def _shared_persons(authors: list[Phone], shared: int) -> list[list[str]]:
    """The shared persons of each cité, created by its author and synced before timing."""
    persons: list[list[str]] = []
    for author in authors:
        persons.append(
            [author.store.create("person", {"first_name": f"Partagée {n}"}) for n in range(shared)]
        )
        with SyncClient(author.store, author.spec.url, timeout=HTTP_TIMEOUT_S) as client:
            client.sync()
    return persons


def _lone_phones(
    bench: _Bench,
    page: PullPage,
    who: list[Mediator],
    persons: list[str],
    count: int,
    contacts: int,
    edits: int,
) -> list[Phone]:
    """Phones of cité 0 up to date, each holding the crowd's payload, to sync alone."""
    lone = []
    for i in range(count):
        phone = bench.opened(f"alone-{i}", i, who[i])
        phone.store.apply_pull_page(page.rows, page.cursor)
        write_payload(phone, i, who[i].user_id, persons, contacts, edits)
        lone.append(phone)
    return lone


def _crowd_phones(
    bench: _Bench,
    authors: list[Phone],
    members: list[list[Mediator]],
    sizes: list[int],
    persons: list[list[str]],
    done_alone: set[str],
    contacts: int,
    edits: int,
) -> list[PhoneSpec]:
    """Every crowd phone up to date with its cité, then holding its payload (closed)."""
    crowd: list[PhoneSpec] = []
    index = 0
    for c, size in enumerate(sizes):
        expected = set(persons[c]) | (done_alone if c == 0 else set())
        page = wait_for_rows(authors[c], expected)
        for m in range(size):
            who = members[c][m]
            phone = open_phone(bench.work, f"phone-{index:03d}", bench.url(index), who)
            phone.store.apply_pull_page(page.rows, page.cursor)
            write_payload(phone, index, who.user_id, persons[c], contacts, edits)
            phone.store.close()
            crowd.append(phone.spec)
            index += 1
    return crowd


def _run(
    sdb: ServerDb,
    servers: list[Proc],
    work: Path,
    open_phones: list[Phone],
    phones: int,
    contacts: int,
    setup: Scenario,
    phone_procs: int,
    lone_runs: int,
    max_attempts: int,
) -> dict[str, Any]:
    bench = _Bench(sdb, servers, work, open_phones)
    setup_start = time.perf_counter()
    cites = -(-phones // setup.per_cite)
    sizes = [min(setup.per_cite, phones - c * setup.per_cite) for c in range(cites)]
    # Per cité: its crowd phones and an author (who creates the shared persons); cité 0
    # also has the lone phones of the baseline.
    extra = [1 + (lone_runs + 1 if c == 0 else 0) for c in range(cites)]
    members = make_mediators(sdb, cites, [s + e for s, e in zip(sizes, extra, strict=True)])
    authors = [bench.opened(f"author-{c}", 0, members[c][-1]) for c in range(cites)]
    persons = _shared_persons(authors, setup.shared)
    # Baseline, same run, same payload: a phone of cité 0 syncing with nobody around.
    page = wait_for_rows(authors[0], set(persons[0]))
    lone = _lone_phones(
        bench, page, members[0][sizes[0] :], persons[0], lone_runs + 1, contacts, setup.edits
    )
    alone_runs = [lone_sync(p, max_attempts) for p in lone[:lone_runs]]
    done_alone = {c for p in lone[:lone_runs] for c in _contacts_of(p)}
    crowd = _crowd_phones(
        bench, authors, members, sizes, persons, done_alone, contacts, setup.edits
    )
    setup_s = time.perf_counter() - setup_start

    server_cpu0 = sum(tree_cpu(s.popen.pid) for s in servers)
    load_before = os.getloadavg()[0]
    outcomes, wall, proc_cpu = run_crowd(crowd, phone_procs, max_attempts)
    server_cpu = sum(tree_cpu(s.popen.pid) for s in servers) - server_cpu0
    # And once after the crowd, when its pull brings what cité 0's crowd pushed.
    alone_after = lone_sync(lone[-1], max_attempts)

    specs = [a.spec for a in authors] + [p.spec for p in lone] + crowd
    return {
        "phones": phones,
        "cites": cites,
        "phones_per_cite": setup.per_cite,
        "contacts_per_phone": contacts,
        "shared_persons_per_cite": setup.shared,
        "edits_per_phone": setup.edits,
        "setup_s": setup_s,
        **_burst_figures(outcomes, wall, proc_cpu),
        "server_cpu_s": server_cpu,
        "loadavg_1m_before_burst": load_before,
        **_alone_figures(alone_runs, alone_after, outcomes),
        **verify(sdb.url, specs, {s.name for s in crowd}),
    }


def _alone_figures(
    alone_runs: list[float], alone_after: float, outcomes: list[Outcome]
) -> dict[str, Any]:
    alone = statistics.median(alone_runs)
    p99 = quantile([o.latency_s for o in outcomes if o.ok], 0.99)
    return {
        "alone_s": alone,
        "alone_runs_s": alone_runs,
        "alone_after_crowd_s": alone_after,
        "p99_vs_alone": p99 / alone,
        "target_p99_s": TARGET_P99_S,
        "p99_within_target": p99 <= TARGET_P99_S,
    }


def _burst_figures(outcomes: list[Outcome], wall: float, proc_cpu: list[float]) -> dict[str, Any]:
    ok = [o for o in outcomes if o.ok]
    latencies = [o.latency_s for o in ok]
    errors = Counter(e for o in outcomes for e in o.errors)
    ops = sum(o.pushed for o in outcomes)
    return {
        "wall_s": wall,
        "latency_s": {
            **spread(latencies),
            "mean": statistics.fmean(latencies) if latencies else float("nan"),
        },
        "push_latency_s": spread([o.push_s for o in ok]),
        "pull_latency_s": spread([o.latency_s - o.push_s for o in ok]),
        "requests": request_figures(outcomes),
        # Phones run in `phone_procs` processes; all share the cores with the servers.
        "phone_cpu_s": {
            "per_phone_p50": quantile([o.cpu_s for o in ok], 0.50),
            "per_phone_max": max((o.cpu_s for o in ok), default=float("nan")),
            "threads_total": sum(o.cpu_s for o in ok),
            "processes_total": sum(proc_cpu),
            "per_process": proc_cpu,
        },
        "syncs_per_s": len(latencies) / wall,
        "ops_pushed": ops,
        "ops_per_s": ops / wall,
        "rows_pulled": sum(o.pulled for o in outcomes),
        "rows_pulled_per_phone_p50": quantile([o.pulled for o in ok], 0.50),
        "phones_ok": len(latencies),
        "phones_failed": [o.name for o in outcomes if not o.ok],
        "phones_retried": sum(o.attempts > 1 for o in outcomes),
        "errors": dict(errors),
        "refused": sum(n for e, n in errors.items() if e in ("http 429", "http 503")),
    }


def _contacts_of(phone: Phone) -> set[str]:
    return {op["row_id"] for op in written_ops(Path(phone.spec.path)) if op["entity"] == "contact"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--instances", type=int, choices=[1, 2], default=1, help="server processes (PostgreSQL)"
    )
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="cites")
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--contacts", type=int, default=10, help="new contacts per phone")
    parser.add_argument("--per-cite", type=int, help="phones per cité (scenario's default)")
    parser.add_argument("--shared", type=int, help="persons each cité shares")
    parser.add_argument("--edits", type=int, help="shared persons each phone edits")
    parser.add_argument(
        "--phone-procs", type=int, default=4, help="worker processes running the phones"
    )
    parser.add_argument(
        "--server-workers", type=int, default=1, help="uvicorn worker processes per instance"
    )
    parser.add_argument("--keep-alive", type=int, help="uvicorn --timeout-keep-alive (s)")
    parser.add_argument("--attempts", type=int, default=5, help="syncs a phone tries")
    parser.add_argument("--server-cpu", help="pin the server process(es) to these cores")
    parser.add_argument("--phones-cpu", help="pin this process and the phones' to these cores")
    parser.add_argument("--out", help="JSON output file (default benchmarks/results/...)")
    args = parser.parse_args(argv)
    if args.phones_cpu is not None:  # the phones' worker processes inherit it
        os.sched_setaffinity(0, cores(args.phones_cpu))
    if args.db == "sqlite" and args.instances != 1:
        parser.error("two instances need a shared PostgreSQL database (--db postgres)")
    figures = {
        "db": args.db,
        "instances": args.instances,
        **measure(
            args.db,
            args.instances,
            args.phones,
            args.contacts,
            args.scenario,
            per_cite=args.per_cite,
            shared=args.shared,
            edits=args.edits,
            phone_procs=args.phone_procs,
            server_workers=args.server_workers,
            keep_alive_s=args.keep_alive,
            max_attempts=args.attempts,
            server_cpu=args.server_cpu,
        ),
        "server_cpu": args.server_cpu,
        "phones_cpu": args.phones_cpu,
    }
    name = f"concurrency-{args.scenario}-{args.db}-{args.instances}"
    if args.server_workers > 1:
        name += f"x{args.server_workers}"
    if args.server_cpu is not None:
        name += "-pinned"
    out = args.out or str(Path(__file__).parent / "results" / f"{name}.json")
    emit("concurrency", figures, out)
    if not intact(figures):
        print("FAILED: ops lost or doubled, 5xx, or phones left with pending ops", file=sys.stderr)
        sys.exit(1)


def intact(figures: dict[str, Any]) -> bool:
    return (
        figures["lost"] == 0
        and figures["doubled"] == 0
        and figures["unexpected_in_ledger"] == 0
        and figures["contact_records_match"]
        and figures["crowd_contacts_on_server"] == figures["phones"] * figures["contacts_per_phone"]
        and figures["duplicate_records"] == 0
        and figures["stale_shared_fields"] == 0
        and figures["ops_not_acked_on_phones"] == 0
        and figures["pending_on_phones"] == 0
        and figures["rejected_on_phones"] == 0
        and figures["requests"]["http_5xx"] == 0
        and not figures["server_errors_logged"]
        and not figures["phones_failed"]
    )


if __name__ == "__main__":
    main()
