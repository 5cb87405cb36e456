"""N phones syncing at once against one server instance, or two sharing PostgreSQL.

    uv run python -m benchmarks.concurrency --db sqlite
    uv run python -m benchmarks.concurrency --db postgres --instances 1
    uv run python -m benchmarks.concurrency --db postgres --instances 2

Issue #7: "200 simulated phones syncing at once against one server instance, then
against two instances on PostgreSQL: zero lost or doubled ops, p50/p99 latency
reported; p99 ≤ 2 s."

Each phone is a real `LocalStore` file with its own enrolled device token, holding
a few new contacts and edits to a small set of persons every phone shares (so two
pushes often lock the same rows). All phones wait on a barrier, then each runs
`SyncClient.sync()` (push, then pull until up to date) from its own thread against
real uvicorn processes on loopback; with two instances phones alternate between
them. A refused or failed sync is counted and retried after a short pause, as a
mediator would tap "sync" again. Afterwards the server database is checked: every
op in the ledger exactly once, one contact record per contact written, every
outbox empty, every shared field holding its latest edit (greatest HLC).

Baselines measured in the same run: the same payload synced by a phone alone
(before the crowd, and once after it, when its pull brings every row), and the
floor (`benchmarks.common.floor_median`) over the crowd's contacts. The phones run
in this one Python process: their own CPU work (encoding, SQLite, parsing pulled
pages) is part of the latency, as it would be on a phone, but here it competes
for the same cores as the server.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func
from sqlmodel import Session, select

from app.store import DeviceSession, LocalStore
from app.sync.client import SyncClient, SyncProgress, SyncReport
from app.sync.errors import AuthError, ServerError, SyncError, UpgradeRequired
from benchmarks.common import ServerDb, contact_values, emit, floor_median, server_db, workdir
from domain.sync import PullResponse
from scripts.processes import Proc, start_server
from sync_server.crud.users import enrol_device
from sync_server.models import AppUser, Record, SyncOp

TARGET_P99_S = 2.0
FIELDS = ("need", "commune")
# A phone's HTTP timeout: generous, a slow answer is a latency to measure, not an error.
HTTP_TIMEOUT_S = 120.0


@dataclass
class Phone:
    name: str
    path: Path
    url: str
    store: LocalStore
    device_id: str


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
    report: SyncReport | None = None


def enrol_many(sdb: ServerDb, names: list[str]) -> list[tuple[str, str]]:
    """Enrol one device per name for the bench mediator, in one session."""
    engine = create_engine(sdb.url)
    try:
        with Session(engine) as session:
            user = session.get(AppUser, sdb.user_id)
            assert user is not None
            out = []
            for name in names:
                device, token = enrol_device(session, user=user, name=name)
                out.append((device.id, token))
            session.commit()
    finally:
        engine.dispose()
    return out


def open_phone(work: Path, name: str, url: str, sdb: ServerDb, device: tuple[str, str]) -> Phone:
    path = work / f"{name}.sqlite3"
    store = LocalStore(path)
    user = {
        "id": sdb.user_id,
        "username": "bench",
        "display_name": "Médiateur de mesure",
        "role": "mediator",
        "cite_id": sdb.cite_id,
    }
    store.save_session(
        DeviceSession(server_url=url, token=device[1], device_id=device[0], user=user)
    )
    return Phone(name, path, url, store, device[0])


def write_payload(
    phone: Phone, index: int, mediator_id: str, persons: list[str], contacts: int, edits: int
) -> None:
    """New contacts, then edits to shared persons (each phone starts at its own one)."""
    store = phone.store
    with store._tx():  # setup only: one transaction
        for i in range(contacts):
            store.create("contact", contact_values(mediator_id, index * contacts + i))
        for k in range(min(edits, len(persons))):
            person_id = persons[(index + k) % len(persons)]
            name = FIELDS[(index + k) % len(FIELDS)]
            store.update("person", person_id, {name: f"{phone.name} édition {k}"})


def sync_with_retries(phone: Phone, start: float, max_attempts: int, out: Outcome) -> None:
    """Sync until it succeeds, as a mediator tapping "sync" again after an error."""
    pushed_at: list[float] = []

    def progress(p: SyncProgress) -> None:
        if p.phase == "push":
            pushed_at.append(time.perf_counter())

    cpu_start = time.thread_time()
    with SyncClient(phone.store, phone.url, timeout=HTTP_TIMEOUT_S) as client:
        while out.attempts < max_attempts:
            out.attempts += 1
            pushed_at.clear()
            try:
                out.report = client.sync(progress)
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
            end = time.perf_counter()
            out.ok = True
            out.latency_s = end - start
            out.cpu_s = time.thread_time() - cpu_start
            out.push_s = (pushed_at[-1] if pushed_at else end) - start
            return


def error_kind(exc: SyncError) -> str:
    if isinstance(exc, ServerError):
        return f"http {exc.status}" if exc.status else f"server: {exc.detail}"
    cause = exc.__cause__
    # ServerUnreachable wraps the transport error: ConnectError, ReadTimeout, ...
    return f"{type(exc).__name__} ({type(cause).__name__})" if cause else type(exc).__name__


def run_crowd(phones: list[Phone], max_attempts: int) -> tuple[list[Outcome], float]:
    """Every phone syncs at once (threads released by one barrier); returns wall time."""
    outcomes = [Outcome(p.name) for p in phones]
    barrier = threading.Barrier(len(phones) + 1)
    released: list[float] = []

    def go(phone: Phone, out: Outcome) -> None:
        barrier.wait()
        sync_with_retries(phone, released[0], max_attempts, out)

    threads = [
        threading.Thread(target=go, args=(p, o), name=p.name, daemon=True)
        for p, o in zip(phones, outcomes, strict=True)
    ]
    for t in threads:
        t.start()
    released.append(time.perf_counter())
    barrier.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - released[0]
    return outcomes, wall


def lone_sync(phone: Phone, max_attempts: int) -> float:
    out = Outcome(phone.name)
    sync_with_retries(phone, time.perf_counter(), max_attempts, out)
    if not out.ok:
        raise RuntimeError(f"lone phone {phone.name} failed: {out.errors}")
    return out.latency_s


def outbox_ops(path: Path) -> list[dict[str, Any]]:
    """Every op a phone wrote, read from its file as a second reader would."""
    conn = sqlite3.connect(path)
    try:
        cur = conn.execute(
            'SELECT op_id, entity, row_id, hlc, "set", state FROM outbox ORDER BY device_seq'
        )
        return [
            {
                "op_id": r[0],
                "entity": r[1],
                "row_id": r[2],
                "hlc": r[3],
                "set": json.loads(r[4]),
                "state": r[5],
            }
            for r in cur
        ]
    finally:
        conn.close()


def verify(db_url: str, phones: list[Phone], crowd_names: set[str]) -> dict[str, Any]:
    """What a careful operator would check after the crowd: nothing lost, nothing twice."""
    written = {p.name: outbox_ops(p.path) for p in phones}
    devices = {p.device_id for p in phones}
    expected = Counter(op["op_id"] for ops in written.values() for op in ops)
    engine = create_engine(db_url)
    try:
        with Session(engine) as session:
            ledger = Counter(
                session.exec(select(SyncOp.op_id).where(SyncOp.device_id.in_(devices)))  # type: ignore[attr-defined]
            )
            outcomes = Counter(
                session.exec(
                    select(SyncOp.outcome).where(SyncOp.device_id.in_(devices))  # type: ignore[attr-defined]
                )
            )
            contact_ids = Counter(session.exec(select(Record.id).where(Record.entity == "contact")))
            record_count = session.exec(select(func.count()).select_from(Record)).one()
            record_ids = session.exec(select(func.count(func.distinct(Record.id)))).one()
            persons = {
                r.id: r.data for r in session.exec(select(Record).where(Record.entity == "person"))
            }
    finally:
        engine.dispose()
    lost = sorted(set(expected) - set(ledger))
    doubled = sorted(
        [op for op, n in ledger.items() if n > 1] + [op for op, n in expected.items() if n > 1]
    )
    unexpected = sorted(set(ledger) - set(expected))
    written_contacts = {
        op["row_id"] for ops in written.values() for op in ops if op["entity"] == "contact"
    }
    crowd_contacts = {
        op["row_id"]
        for name, ops in written.items()
        if name in crowd_names
        for op in ops
        if op["entity"] == "contact"
    }
    # The latest edit (greatest HLC) of each shared field must be the value kept.
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
    not_acked = sum(op["state"] != "acked" for ops in written.values() for op in ops)
    pending = {p.name: p.store.sync_status().pending for p in phones}
    rejected = {p.name: p.store.sync_status().rejected for p in phones}
    return {
        "ops_written": sum(expected.values()),
        "ops_in_ledger": sum(ledger.values()),
        "ledger_outcomes": dict(outcomes),
        "lost": len(lost),
        "doubled": len(doubled),
        "unexpected_in_ledger": len(unexpected),
        "lost_op_ids": lost[:20],
        "doubled_op_ids": doubled[:20],
        "crowd_contacts_written": len(crowd_contacts),
        "crowd_contacts_on_server": len(crowd_contacts & set(contact_ids)),
        "contacts_written": len(written_contacts),
        "contact_records": sum(contact_ids.values()),
        "contact_records_match": set(contact_ids) == written_contacts
        and all(n == 1 for n in contact_ids.values()),
        "duplicate_records": int(record_count) - int(record_ids),
        "stale_shared_fields": len(stale),
        "ops_not_acked_on_phones": not_acked,
        "pending_on_phones": sum(pending.values()),
        "rejected_on_phones": sum(len(r) for r in rejected.values()),
    }


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile (p99 of 200 values is the 198th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * q // 1))
    return ordered[int(rank) - 1]


def measure(
    db: str,
    instances: int,
    phones: int,
    contacts: int,
    shared: int,
    edits: int,
    lone_runs: int = 3,
    max_attempts: int = 5,
) -> dict[str, Any]:
    with workdir() as tmp:
        work = Path(tmp)
        sample = [
            contact_values("01900000-0000-7000-8000-000000000001", i)
            for i in range(phones * contacts)
        ]
        with server_db(db, work) as sdb:
            servers: list[Proc] = []
            all_phones: list[Phone] = []
            try:
                for n in range(instances):
                    servers.append(start_server(sdb.url, work / "logs" / f"server-{n}"))
                figures = _run(
                    sdb, servers, work, all_phones, phones, contacts, shared, edits,
                    lone_runs, max_attempts,
                )  # fmt: skip
            finally:
                for server in servers:
                    server.stop()
                for phone in all_phones:
                    phone.store.close()
            # The server logs an unhandled error as "unhandled <type> on <route>" (no data).
            logged = Counter(
                line.split(" (request")[0][line.index("unhandled") :]
                for n in range(instances)
                for line in (work / "logs" / f"server-{n}" / "server.log").read_text().splitlines()
                if "unhandled" in line
            )
            figures["server_errors_logged"] = dict(logged)
        figures["floor_s"] = floor_median(sample, work)
    figures["p99_vs_floor"] = figures["latency_s"]["p99"] / figures["floor_s"]
    return figures


def _run(
    sdb: ServerDb,
    servers: list[Proc],
    work: Path,
    all_phones: list[Phone],
    phones: int,
    contacts: int,
    shared: int,
    edits: int,
    lone_runs: int,
    max_attempts: int,
) -> dict[str, Any]:
    crowd_names = [f"phone-{i:03d}" for i in range(phones)]
    lone_names = [f"alone-{i}" for i in range(lone_runs + 1)]
    setup_start = time.perf_counter()
    devices = enrol_many(sdb, ["author", *lone_names, *crowd_names])

    # The shared persons, created by one phone and synced before anything is timed.
    author = open_phone(work, "author", servers[0].url, sdb, devices[0])
    all_phones.append(author)
    persons = [
        author.store.create("person", {"first_name": f"Partagée {n}"}) for n in range(shared)
    ]
    with SyncClient(author.store, author.url, timeout=HTTP_TIMEOUT_S) as client:
        client.sync()
        # What every phone holds before the crowd: the shared persons, pulled once. On
        # PostgreSQL a pull holds back rows while an older transaction anywhere on the
        # cluster is still open (its rows could land behind the cursor): ask again.
        deadline = time.monotonic() + 60
        while True:
            page = client._call("GET", "/sync/pull", PullResponse, params={"limit": 1000})
            if set(persons) <= {r.id for r in page.rows} or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    assert not page.has_more and set(persons) <= {r.id for r in page.rows}

    def prepared(index: int, name: str, device: tuple[str, str]) -> Phone:
        phone = open_phone(work, name, servers[index % len(servers)].url, sdb, device)
        all_phones.append(phone)
        phone.store.apply_pull_page(page.rows, page.cursor)
        write_payload(phone, index, sdb.user_id, persons, contacts, edits)
        return phone

    lone_devices, crowd_devices = devices[1 : 1 + len(lone_names)], devices[1 + len(lone_names) :]
    lone = [
        prepared(i, n, d) for i, (n, d) in enumerate(zip(lone_names, lone_devices, strict=True))
    ]
    crowd = [
        prepared(i, n, d) for i, (n, d) in enumerate(zip(crowd_names, crowd_devices, strict=True))
    ]
    setup_s = time.perf_counter() - setup_start

    # Baseline, same run, same payload: one phone syncing with nobody else around.
    alone_runs = [lone_sync(p, max_attempts) for p in lone[:lone_runs]]
    outcomes, wall = run_crowd(crowd, max_attempts)
    # And once after the crowd, when its pull brings every row the crowd pushed.
    alone_after = lone_sync(lone[-1], max_attempts)

    checks = verify(sdb.url, [author, *lone, *crowd], set(crowd_names))
    latencies = [o.latency_s for o in outcomes if o.ok]
    push_latencies = [o.push_s for o in outcomes if o.ok]
    errors = Counter(e for o in outcomes for e in o.errors)
    alone = statistics.median(alone_runs)
    lat = {
        "p50": quantile(latencies, 0.50),
        "p95": quantile(latencies, 0.95),
        "p99": quantile(latencies, 0.99),
        "max": max(latencies, default=float("nan")),
        "mean": statistics.fmean(latencies) if latencies else float("nan"),
    }
    ops = sum((o.report.pushed if o.report else 0) for o in outcomes)
    return {
        "phones": phones,
        "contacts_per_phone": contacts,
        "shared_persons": shared,
        "edits_per_phone": edits,
        "setup_s": setup_s,
        "wall_s": wall,
        "latency_s": lat,
        "push_latency_s": {
            "p50": quantile(push_latencies, 0.50),
            "p99": quantile(push_latencies, 0.99),
        },
        # The phones share this one process (and its GIL) and the cores with the server.
        "phone_cpu_s": {
            "p50": quantile([o.cpu_s for o in outcomes if o.ok], 0.50),
            "total": sum(o.cpu_s for o in outcomes if o.ok),
        },
        "alone_s": alone,
        "alone_runs_s": alone_runs,
        "alone_after_crowd_s": alone_after,
        "p99_vs_alone": lat["p99"] / alone,
        "target_p99_s": TARGET_P99_S,
        "p99_within_target": lat["p99"] <= TARGET_P99_S,
        "syncs_per_s": len(latencies) / wall,
        "ops_pushed": ops,
        "ops_per_s": ops / wall,
        "rows_pulled": sum((o.report.pulled if o.report else 0) for o in outcomes),
        "phones_ok": len(latencies),
        "phones_failed": [o.name for o in outcomes if not o.ok],
        "phones_retried": sum(o.attempts > 1 for o in outcomes),
        "errors": dict(errors),
        "refused": sum(n for e, n in errors.items() if e in ("http 429", "http 503")),
        **checks,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--instances", type=int, choices=[1, 2], default=1, help="server processes (PostgreSQL)"
    )
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--contacts", type=int, default=10, help="new contacts per phone")
    parser.add_argument("--shared", type=int, default=5, help="persons every phone may edit")
    parser.add_argument("--edits", type=int, default=2, help="shared persons each phone edits")
    parser.add_argument("--attempts", type=int, default=5, help="syncs a phone tries")
    parser.add_argument("--out", help="JSON output file (default benchmarks/results/...)")
    args = parser.parse_args(argv)
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
            args.shared,
            args.edits,
            max_attempts=args.attempts,
        ),
    }
    emit(
        "concurrency",
        figures,
        args.out
        or str(Path(__file__).parent / "results" / f"concurrency-{args.db}-{args.instances}.json"),
    )
    if not intact(figures):
        print("FAILED: ops lost or doubled, or phones left with pending ops", file=sys.stderr)
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
        and not figures["phones_failed"]
    )


if __name__ == "__main__":
    main()
