"""Incremental sync against a big server: 10 new contacts, 1,000,000 already stored.

    uv run python -m benchmarks.incremental --existing 1000000

The server database (SQLite) is generated once with bulk SQL (a recursive CTE,
about a minute for 1M rows on 2 cores) and cached under var/bench/; each run then
pushes 10 contacts from a phone whose pull cursor is already at the end, and
pulls them back: `SyncClient.sync()` end to end through a real uvicorn process.
Target: ≤ 100 ms — the push reads only the batch's rows by primary key and the
pull seeks the (cite_id, version) index, so neither scans the million rows.
Baseline: the same sync against an empty server, and the floor over 10 rows.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from app.sync.client import SyncClient
from benchmarks.common import (
    BENCH_VAR,
    ServerDb,
    _prepare,
    contact_values,
    emit,
    floor_median,
    median,
    workdir,
)
from benchmarks.sync_throughput import enrolled_phone
from scripts.processes import start_server
from sync_server.sync.pull import Position, encode_cursor

NEW_CONTACTS = 10


def generate(path: Path, existing: int) -> ServerDb:
    """A server database holding `existing` contacts, written with bulk SQL."""
    sdb = _prepare(f"sqlite:///{path}")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
        " INSERT INTO record (id, entity, cite_id, person_id, data, field_hlc, field_version,"
        " version, txid, deleted, created_by, device_id, updated_hlc, created_at, updated_at)"
        " SELECT printf('00000000-0000-7000-8000-%012d', i), 'contact', ?, NULL,"
        " json_object('mediator_id', ?, 'occurred_at', '2024-06-01T10:00:00+02:00',"
        "   'channel', 'drop_in', 'note', 'Contact généré n°' || i, 'review_state', 'received'),"
        " '{}', '{}', i, NULL, 0, ?, 'generated', '0000000000001-0000-generated',"
        " '2024-06-01 08:00:00.000000', '2024-06-01 08:00:00.000000' FROM n",
        (existing, sdb.cite_id, sdb.user_id, sdb.user_id),
    )
    conn.execute("UPDATE sync_state SET version_counter = ? WHERE id = 1", (existing,))
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return sdb


def end_cursor(path: Path) -> str:
    conn = sqlite3.connect(path)
    top = conn.execute("SELECT version_counter FROM sync_state WHERE id = 1").fetchone()[0]
    conn.close()
    return encode_cursor(Position(0, int(top)))


def sync_runs(sdb: ServerDb, db_path: Path, work: Path, runs: int) -> list[float]:
    server = start_server(sdb.url, work / "logs")
    out = []
    try:
        for k in range(runs):
            store = enrolled_phone(sdb, server.url, work / f"phone-{k}.sqlite3", f"incr-{k}")
            store.set_cursor(end_cursor(db_path))
            for i in range(NEW_CONTACTS):
                store.create("contact", contact_values(sdb.user_id, i))
            with SyncClient(store, server.url) as client:
                start = time.perf_counter()
                report = client.sync()
                out.append(time.perf_counter() - start)
            assert report.acked == NEW_CONTACTS and report.pulled >= NEW_CONTACTS, report
            store.close()
    finally:
        server.stop()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--existing", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="regenerate the cached database")
    parser.add_argument("--out", help="JSON output file")
    args = parser.parse_args(argv)

    cached = BENCH_VAR / f"server-{args.existing}.sqlite3"
    meta = cached.with_suffix(".json")
    generate_s = None
    if args.rebuild or not meta.exists():
        for p in BENCH_VAR.glob(f"server-{args.existing}.sqlite3*"):
            p.unlink()
        BENCH_VAR.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        sdb = generate(cached, args.existing)
        generate_s = time.perf_counter() - start
        meta.write_text(json.dumps(sdb.__dict__))
    sdb = ServerDb(**json.loads(meta.read_text()))

    with workdir() as tmp:
        work = Path(tmp)
        big = sync_runs(sdb, cached, work, args.runs)
        empty_path = work / "empty.sqlite3"
        empty = generate(empty_path, 0)
        small = sync_runs(empty, empty_path, work, args.runs)
        floor = floor_median([contact_values(sdb.user_id, i) for i in range(NEW_CONTACTS)], work)
    figures: dict[str, Any] = {
        "existing_rows": args.existing,
        "new_contacts": NEW_CONTACTS,
        "runs": args.runs,
        "generate_s": generate_s,
        "sync_s": median(big),
        "sync_runs_s": big,
        "baseline_empty_server_sync_s": median(small),
        "big_vs_empty": median(big) / median(small),
        "floor_s_10_rows": floor,
        "target_s": 0.1,
    }
    emit("incremental", figures, args.out)


if __name__ == "__main__":
    main()
