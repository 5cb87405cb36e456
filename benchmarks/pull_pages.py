"""The pull's page size and reading mode, compared on one server in one run.

    uv run python -m benchmarks.pull_pages --db sqlite --configs page:1000 stream:1000 stream:500

One server process (real uvicorn on loopback) holds 5,000 contacts pushed once; fresh
phone stores then pull them all, each configuration in turn, round after round, so
that every configuration sees the same machine: `page:N` one request per page of N
rows (what a phone does against a server without `GET /sync/pull/stream`),
`stream:N` pages of N rows streamed, many per reply. Prints, per configuration, the
median and every run against the floor measured in the same run.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from app.sync.client import SyncClient, SyncReport
from benchmarks.common import contact_values, emit, floor_median, median, server_db, workdir
from benchmarks.sync_throughput import enrolled_phone, fill_outbox, start_server
from domain.runtime import settle_heap

ROWS = 5000


def measure(db: str, configs: list[str], rounds: int) -> dict[str, Any]:
    seconds: dict[str, list[float]] = {c: [] for c in configs}
    with workdir() as tmp:
        work = Path(tmp)
        with server_db(db, work) as sdb:
            server = start_server(sdb.url, work / "logs")
            try:
                pusher = enrolled_phone(sdb, server.url, work / "push.sqlite3", "pusher")
                fill_outbox(pusher, sdb.user_id, ROWS)
                with SyncClient(pusher, server.url, timeout=300, pull_with_push=False) as c:
                    c._push(SyncReport(), lambda _p: None)
                pusher.close()
                n = 0
                for _ in range(rounds):
                    for config in configs:
                        mode, limit = config.split(":")
                        n += 1
                        puller = enrolled_phone(
                            sdb, server.url, work / f"pull-{n}.sqlite3", f"puller-{n}"
                        )
                        with SyncClient(
                            puller, server.url, timeout=300, pull_limit=int(limit)
                        ) as client:
                            client._streams = mode == "stream"
                            report = SyncReport()
                            start = time.perf_counter()
                            client._pull(report, lambda _p: None)
                            seconds[config].append(time.perf_counter() - start)
                        assert report.pulled == ROWS, report
                        puller.close()
            finally:
                server.stop()
        floor = floor_median(
            [contact_values("01900000-0000-7000-8000-000000000001", i) for i in range(ROWS)], work
        )
    return {
        "rows": ROWS,
        "rounds": rounds,
        "floor_s": floor,
        "configs": {
            c: {
                "pull_s": median(runs),
                "pull_vs_floor": median(runs) / floor,
                "runs_s": runs,
            }
            for c, runs in seconds.items()
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--configs",
        nargs="+",
        default=["page:1000", "stream:1000", "stream:500"],
        help="MODE:ROWS, MODE page (one request a page) or stream",
    )
    parser.add_argument("--rounds", type=int, default=7, help="pulls per configuration")
    parser.add_argument("--out", help="JSON output file (default benchmarks/results/...)")
    args = parser.parse_args(argv)
    for config in args.configs:
        mode, _, limit = config.partition(":")
        if mode not in ("page", "stream") or not limit.isdigit():
            parser.error(f"configuration {config!r}: expected page:N or stream:N")
    settle_heap()  # this process is the phone: as the app does at startup (app/main.py)
    figures = {"db": args.db, **measure(args.db, args.configs, args.rounds)}
    emit(f"pull_pages-{args.db}", figures, args.out)


if __name__ == "__main__":
    main()
