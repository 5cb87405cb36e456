"""Where the push and pull time goes, phase by phase, without HTTP.

    uv run python -m benchmarks.sync_phases --rows 5000 --db sqlite [--profile push|pull]

Runs the same steps as `benchmarks.sync_throughput` in one process, calling the
phone store, the schemas and the server's push/pull code directly, and times
each step: reading the outbox, encoding, compressing, the server's parsing,
merge and commit, the reply, and the phone's acknowledgement (or, for the pull,
the server query, the reply, the phone's parsing and writes). `--profile` prints
the cProfile top functions of one direction. The difference between the sum of
these phases and `sync_throughput`'s figure is HTTP, uvicorn and FastAPI.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import zstandard
from sqlmodel import Session

from app.store import LocalStore
from app.sync.client import DEFAULT_PULL_PAGE, DEFAULT_PUSH_BATCH
from app.sync.replies import read_pull_page, read_push_reply
from benchmarks.common import contact_values, emit, floor_median, server_db, workdir
from benchmarks.server_writes import Recorder, replay_figures
from benchmarks.sync_throughput import enrolled_phone, fill_outbox, phone
from domain.hlc import HlcClock
from domain.runtime import settle_heap
from domain.sync import PushResponse
from sync_server.api.body import decode_push_body
from sync_server.api.routes.sync import encode_reply
from sync_server.core.db import make_engine, sqlite_file
from sync_server.core.settings import Settings
from sync_server.core.wal_checkpoint import WalCheckpointer
from sync_server.models import AppUser, Device
from sync_server.sync.pull import pull_page
from sync_server.sync.push import push_ops

T = TypeVar("T")


class Phases:
    """Wall time per phase, and this process's CPU time per phase: on a machine other
    work keeps busy, the CPU time is the steadier figure (it leaves out waiting for a
    core, for the disk, and PostgreSQL's own processes)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)

    def __call__(self, name: str, fn: Callable[[], T]) -> T:
        start, cpu = time.perf_counter(), time.process_time()
        out = fn()
        self.seconds[name] += time.perf_counter() - start
        self.cpu[name] += time.process_time() - cpu
        return out


def push_all(
    store: LocalStore,
    session: Session,
    user: AppUser,
    device: Device,
    t: Phases,
    recorder: Recorder,
) -> None:
    clock = HlcClock(node="server")
    while True:
        # Read and encoded in one step (`pending_batch` splices the stored JSON).
        batch = t("phone: read outbox + encode", lambda: store.pending_batch(DEFAULT_PUSH_BATCH))
        if not batch.op_ids:
            break
        body = t("phone: compress", lambda: zstandard.ZstdCompressor().compress(batch.body))  # noqa: B023
        decoded = t("server: decompress+parse", lambda: decode_push_body(body, "zstd", 1 << 30))  # noqa: B023
        results = t(
            "server: merge+write",
            lambda: push_ops(
                session,
                user=user,
                device=device,
                ops=decoded.request.ops,  # noqa: B023
                clock=clock,
                normalised=decoded.normalised,  # noqa: B023
            ),
        )
        t("server: commit", session.commit)
        recorder.commit()
        reply = PushResponse(results=results, server_hlc=clock.now().encode())
        out = t("server: encode reply", lambda: encode_reply(reply))  # noqa: B023
        parsed = t("phone: parse reply", lambda: read_push_reply(out).response)  # noqa: B023
        t("phone: acknowledge", lambda: store.apply_push_results(parsed.results))  # noqa: B023
        t("phone: acknowledge", lambda: store.observe_hlc(parsed.server_hlc))  # noqa: B023


def pull_all(store: LocalStore, session: Session, cite_id: str, t: Phases) -> None:
    cursor: str | None = None
    while True:
        page = t(
            "server: query",
            lambda: pull_page(session, cite_id=cite_id, cursor=cursor, limit=DEFAULT_PULL_PAGE),  # noqa: B023
        )
        session.commit()
        out = t("server: encode reply", page.to_json)
        parsed = t("phone: parse reply", lambda: read_pull_page(out))  # noqa: B023
        t("phone: apply page", lambda: store.apply_pull_page(parsed.rows, parsed.cursor))  # noqa: B023
        if not parsed.has_more:
            return
        cursor = parsed.cursor


def run(db: str, rows: int, profile: str | None) -> dict[str, Any]:
    with workdir() as tmp:
        work = Path(tmp)
        with server_db(db, work) as sdb:
            engine = make_engine(Settings(database_url=sdb.url))
            # As the server process does (sync_server/main.py): checkpoints off the path.
            path = sqlite_file(engine)
            checkpointer = WalCheckpointer(path).start() if path is not None else None
            device_id, token = sdb.device_token("pusher")
            pusher = phone(
                work / "push.sqlite3", "http://x", sdb.user_id, sdb.cite_id, (device_id, token)
            )
            fill_outbox(pusher, sdb.user_id, rows)
            prof = cProfile.Profile()
            with Session(engine, expire_on_commit=False) as session:
                user = session.get(AppUser, sdb.user_id)
                device = session.get(Device, device_id)
                assert user is not None and device is not None
                session.commit()
                push_t = Phases()
                if profile == "push":
                    prof.enable()
                recorder = Recorder()
                with recorder.on(engine):
                    start = time.perf_counter()
                    push_all(pusher, session, user, device, push_t, recorder)
                    push_total = time.perf_counter() - start
                prof.disable()
                assert pusher.sync_status().pending == 0
                puller = enrolled_phone(sdb, "http://x", work / "pull.sqlite3", "puller")
                pull_t = Phases()
                if profile == "pull":
                    prof.enable()
                start = time.perf_counter()
                pull_all(puller, session, sdb.cite_id, pull_t)
                pull_total = time.perf_counter() - start
                prof.disable()
                assert len(puller.rows("contact")) == rows
            pusher.close()
            puller.close()
            if checkpointer is not None:
                checkpointer.stop()
            engine.dispose()
        floor = floor_median([contact_values("x", i) for i in range(rows)], work)
        writes = replay_figures(recorder.transactions, work, db)
    if profile:
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(25)
        print(buf.getvalue())
    return {
        "floor_s": round(floor, 4),
        **_phase_figures("push", push_total, push_t),
        # The push's own bulk statements sent again into a fresh server database.
        "server_writes_replayed_s": {k: round(v, 4) for k, v in writes.items()},
        **_phase_figures("pull", pull_total, pull_t),
    }


def _phase_figures(direction: str, total: float, t: Phases) -> dict[str, Any]:
    out: dict[str, Any] = {
        f"{direction}_s": round(total, 4),
        f"{direction}_phases_s": {k: round(v, 4) for k, v in t.seconds.items()},
    }
    if direction == "push":
        # The server's part alone: parse, merge and write, commit, encode the reply.
        server = sum(v for k, v in t.seconds.items() if k.startswith("server:"))
        out["server_push_s"] = round(server, 4)
        out["push_cpu_phases_s"] = {k: round(v, 4) for k, v in t.cpu.items()}
        out["server_push_cpu_s"] = round(
            sum(v for k, v in t.cpu.items() if k.startswith("server:")), 4
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--profile", choices=["push", "pull"])
    parser.add_argument("--runs", type=int, default=3, help="runs; each figure is the minimum")
    parser.add_argument("--out", help="JSON file (default: benchmarks/results/sync_phases-DB.json)")
    args = parser.parse_args(argv)
    settle_heap()  # as the server and the app do at startup
    runs = [run(args.db, args.rows, args.profile) for _ in range(args.runs)]
    figures = {"db": args.db, "rows": args.rows, "runs": args.runs, **best(runs)}
    figures["ratios"] = ratios(figures)
    emit(f"sync_phases-{args.db}", figures, args.out)


def ratios(figures: dict[str, Any]) -> dict[str, float]:
    """Each figure against the issue's floor, and the push against its own writes."""
    floor = figures["floor_s"]
    out = {"push_vs_floor": figures["push_s"] / floor, "pull_vs_floor": figures["pull_s"] / floor}
    writes = figures["server_writes_replayed_s"]
    for name, seconds in writes.items():
        out[f"server_writes_{name}_vs_floor"] = seconds / floor
    if writes:
        out["push_vs_server_writes"] = figures["push_s"] / writes["as_stored"]
        out["server_push_vs_server_writes"] = figures["server_push_s"] / writes["as_stored"]
        # Without the parse and the phone's part: what the merge adds to the writes.
        phases = figures["push_phases_s"]
        merge = phases["server: merge+write"] + phases["server: commit"]
        out["server_merge_write_vs_server_writes"] = merge / writes["as_stored"]
    return {k: round(v, 2) for k, v in out.items()}


def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The minimum of each figure over the runs (the least disturbed by other load)."""
    out: dict[str, Any] = {}
    for key, value in runs[0].items():
        if isinstance(value, dict):
            out[key] = {k: min(r[key].get(k, 0.0) for r in runs) for k in value}
        else:
            out[key] = min(r[key] for r in runs)
    return out


if __name__ == "__main__":
    main()
