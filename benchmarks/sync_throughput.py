"""Push N new contacts from a phone store to a real server over loopback, then pull them.

    uv run python -m benchmarks.sync_throughput --rows 5000 --db sqlite
    uv run python -m benchmarks.sync_throughput --rows 5000 50000 --db postgres --runs 1
    uv run python -m benchmarks.sync_throughput --rows 5000 --pin

End to end, as the app does it: the push reads the outbox, encodes, compresses,
sends, the server merges, commits and acknowledges, the phone marks its outbox;
the pull pages every row into a fresh phone store. Each run starts a fresh server
database and uvicorn process (`scripts.processes.start_server`). The baseline is
the floor (`benchmarks.common.floor_seconds`) over the same rows, same run.
`--pin`: both phone stores encrypted under a PIN, as phones run in the field
(every row and op sealed with AES-GCM); without it, the legacy plaintext store.
`--warm`: before the measured push, a phone of another cité syncs a few contacts,
as a server that has been up for a while has served many: the figures are then the
steady state, without the first request's one-off costs (statements compiled,
first pages of the files). Without it, the push meets a server that just started.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.store import DeviceSession, LocalStore
from app.sync.client import SyncClient, SyncReport
from benchmarks.common import (
    ServerDb,
    contact_values,
    emit,
    floor_median,
    median,
    peak_rss_mb,
    server_db,
    timed,
    workdir,
)
from benchmarks.concurrency import make_mediators
from benchmarks.pull_apply import QUICK_KDF
from domain.runtime import settle_heap
from scripts.processes import start_server

# Figures of CouchDB-style replication, 5,000 documents on loopback: the baseline.
PEER_PUSH_S = 1.4
PEER_PULL_S = 1.0


def phone(
    path: Path,
    url: str,
    db_user: str,
    cite_id: str,
    device: tuple[str, str],
    pin: bool = False,
) -> LocalStore:
    store = LocalStore(path)
    if pin:
        store.setup_pin("135790", QUICK_KDF)
    user = {
        "id": db_user,
        "username": "bench",
        "display_name": "Médiateur de mesure",
        "role": "mediator",
        "cite_id": cite_id,
    }
    store.save_session(
        DeviceSession(server_url=url, token=device[1], device_id=device[0], user=user)
    )
    return store


def enrolled_phone(sdb: ServerDb, url: str, path: Path, name: str, pin: bool = False) -> LocalStore:
    """A phone of the bench mediator, on a device newly enrolled as `name`."""
    return phone(path, url, sdb.user_id, sdb.cite_id, sdb.device_token(name), pin)


def fill_outbox(store: LocalStore, mediator_id: str, n: int) -> None:
    with store._tx():  # setup only: one transaction instead of n
        for i in range(n):
            store.create("contact", contact_values(mediator_id, i))


WARM_UP_CONTACTS = 20


def warm_up(sdb: ServerDb, url: str, work: Path) -> None:
    """One small sync (push, then pull) by a phone of a cité of its own."""
    [[who]] = make_mediators(sdb, 1, [1])
    store = phone(work / "warm.sqlite3", url, who.user_id, who.cite_id, (who.device_id, who.token))
    fill_outbox(store, who.user_id, WARM_UP_CONTACTS)
    with SyncClient(store, url, timeout=300) as client:
        report = client.sync()
    assert report.acked == WARM_UP_CONTACTS and report.pulled == WARM_UP_CONTACTS, report
    store.close()


def one_run(db: str, rows: int, work: Path, pin: bool, warm: bool = False) -> dict[str, Any]:
    with server_db(db, work) as sdb:
        server = start_server(sdb.url, work / "logs")
        try:
            if warm:
                warm_up(sdb, server.url, work)
            pusher = enrolled_phone(sdb, server.url, work / "push.sqlite3", "pusher", pin)
            fill_outbox(pusher, sdb.user_id, rows)
            rss_before = peak_rss_mb(server.popen.pid)
            # The push alone: no pull page asked with the last batch.
            with SyncClient(pusher, server.url, timeout=300, pull_with_push=False) as client:
                report = SyncReport()
                push_s = timed(lambda: client._push(report, lambda _p: None))
            rss_push = peak_rss_mb(server.popen.pid)
            assert report.acked == rows and report.rejected == 0, report
            assert pusher.sync_status().pending == 0
            pusher.close()

            puller = enrolled_phone(sdb, server.url, work / "pull.sqlite3", "puller", pin)
            with SyncClient(puller, server.url, timeout=300) as client:
                report = SyncReport()
                pull_s = timed(lambda: client._pull(report, lambda _p: None))
            assert report.pulled == rows, report
            assert len(puller.rows("contact")) == rows
            puller.close()
            rss_pull = peak_rss_mb(server.popen.pid)
        finally:
            server.stop()
        for name in ("push.sqlite3", "pull.sqlite3", "warm.sqlite3"):
            for suffix in ("", "-wal", "-shm"):
                (work / (name + suffix)).unlink(missing_ok=True)
    return {
        "push_s": push_s,
        "pull_s": pull_s,
        "server_rss_mb": {"idle": rss_before, "after_push": rss_push, "after_pull": rss_pull},
    }


def measure(db: str, rows: int, runs: int, pin: bool, warm: bool = False) -> dict[str, Any]:
    with workdir() as tmp:
        work = Path(tmp)
        sample = [contact_values("01900000-0000-7000-8000-000000000001", i) for i in range(rows)]
        results = [one_run(db, rows, work, pin, warm) for _ in range(runs)]
        floor = floor_median(sample, work)
    push_s = median([r["push_s"] for r in results])
    pull_s = median([r["pull_s"] for r in results])
    return {
        "rows": rows,
        "runs": runs,
        "floor_s": floor,
        "push_s": push_s,
        "pull_s": pull_s,
        "push_vs_floor": push_s / floor,
        "pull_vs_floor": pull_s / floor,
        "push_rows_per_s": rows / push_s,
        "pull_rows_per_s": rows / pull_s,
        "push_runs_s": [r["push_s"] for r in results],
        "pull_runs_s": [r["pull_s"] for r in results],
        "server_peak_rss_mb": max(r["server_rss_mb"]["after_pull"] for r in results),
        # This process is the phone (store, sync client); also holds the floor's rows.
        "phone_process_peak_rss_mb": peak_rss_mb(),
        "server_rss_mb_runs": [r["server_rss_mb"] for r in results],
        "peers_5000_docs": {"push_s": PEER_PUSH_S, "pull_s": PEER_PULL_S},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows",
        type=int,
        nargs="+",
        default=[5000],
        help="row counts to measure (two values: also the per-row cost ratio)",
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--runs", type=int, default=3, help="runs per row count (median)")
    parser.add_argument("--pin", action="store_true", help="phone stores encrypted under a PIN")
    parser.add_argument("--warm", action="store_true", help="a small sync first (steady state)")
    parser.add_argument("--out", help="JSON output file (default benchmarks/results/...)")
    args = parser.parse_args(argv)
    settle_heap()  # this process is the phone: as the app does at startup (app/main.py)
    sizes = {str(n): measure(args.db, n, args.runs, args.pin, args.warm) for n in args.rows}
    figures: dict[str, Any] = {
        "db": args.db,
        "phone_pin": args.pin,
        "warm_server": args.warm,
        "sizes": sizes,
    }
    if len(args.rows) > 1:
        small, big = sizes[str(min(args.rows))], sizes[str(max(args.rows))]
        figures["per_row_cost_ratio"] = {
            way: (big[f"{way}_s"] / big["rows"]) / (small[f"{way}_s"] / small["rows"])
            for way in ("push", "pull")
        }
    label = (
        "-".join(str(n) for n in args.rows)
        + ("-pin" if args.pin else "")
        + ("-warm" if args.warm else "")
    )
    emit(
        "sync_throughput",
        figures,
        args.out
        or str(Path(__file__).parent / "results" / f"sync_throughput-{args.db}-{label}.json"),
    )


if __name__ == "__main__":
    main()
