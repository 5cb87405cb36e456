"""The phone's side of a pull alone: pages of pulled contacts applied to a fresh store.

    uv run python -m benchmarks.pull_apply --rows 5000 50000 [--pin] [--linked]

No server, no HTTP: the pages are prepared as the JSON a server sends, then each is
parsed and applied with `LocalStore.apply_pull_page`, 1,000 rows at a time as the sync
client does. Reported per row count: CPU time per row of the writes (CPU, not wall
time: steadier on a shared machine), the same for parsing, and the wall time. Two
row counts give the per-row cost ratio, which shows whether the writes slow down as
the file grows. `--pin` encrypts the store as a phone with a PIN does; `--linked`
gives every contact a `person_id` among rows/5 random persons (the benchmark of
`sync_throughput` has none, so its `row_link` index only appends). `--no-orjson` writes
rows with the standard library's JSON, as a phone build without orjson does
(`app.store.fast_json`; reading is the same either way).
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path
from typing import Any

import orjson

from app.store import LocalStore, fast_json
from app.store.crypto import KdfParams
from app.sync.client import DEFAULT_PULL_PAGE
from app.sync.replies import read_pull_page
from benchmarks.common import RESULTS, contact_values, emit, median, workdir
from domain.ids import uuid7
from domain.runtime import settle_heap
from domain.sync import PROTOCOL, SCHEMA_VERSION

# Only the time to open the store changes with the KDF cost: keep it short here.
QUICK_KDF = KdfParams(memory_kib=1024, time_cost=1)


def pages(rows: int, linked: bool, seed: int = 7) -> list[bytes]:
    """The pull replies for `rows` new contacts, in server-version order."""
    rng = random.Random(seed)
    mediator = uuid7()
    persons = [uuid7() for _ in range(max(1, rows // 5))]
    out: list[dict[str, Any]] = []
    for i in range(rows):
        data = contact_values(mediator, i)
        if linked:
            data["person_id"] = rng.choice(persons)
        out.append({"entity": "contact", "id": uuid7(), "version": i + 1, "data": data})
    return [
        orjson.dumps(
            {
                "protocol": PROTOCOL,
                "schema_version": SCHEMA_VERSION,
                "rows": out[start : start + DEFAULT_PULL_PAGE],
                "cursor": str(start + DEFAULT_PULL_PAGE),
                "has_more": start + DEFAULT_PULL_PAGE < rows,
            }
        )
        for start in range(0, rows, DEFAULT_PULL_PAGE)
    ]


def one_run(rows: int, pin: bool, linked: bool, work: Path) -> dict[str, float]:
    replies = pages(rows, linked)
    path = work / f"pull-{uuid7()}.sqlite3"
    store = LocalStore(path)
    if pin:
        store.setup_pin("135790", QUICK_KDF)
    parse_cpu = apply_cpu = 0.0
    wall = time.perf_counter()
    for body in replies:
        start = time.process_time()
        page = read_pull_page(body)
        parsed = time.process_time()
        store.apply_pull_page(page.rows, page.cursor)
        parse_cpu += parsed - start
        apply_cpu += time.process_time() - parsed
    wall = time.perf_counter() - wall
    size_mb = path.stat().st_size / 2**20
    store.wipe()
    return {
        "apply_cpu_us_per_row": apply_cpu / rows * 1e6,
        "parse_cpu_us_per_row": parse_cpu / rows * 1e6,
        "wall_s": wall,
        "file_mb": size_mb,
    }


def measure(rows: int, runs: int, pin: bool, linked: bool) -> dict[str, Any]:
    with workdir() as tmp:
        results = [one_run(rows, pin, linked, Path(tmp)) for _ in range(runs)]
    return {
        "rows": rows,
        "runs": runs,
        **{key: median([r[key] for r in results]) for key in results[0]},
        "apply_cpu_us_per_row_runs": [round(r["apply_cpu_us_per_row"], 2) for r in results],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--runs", type=int, default=3, help="runs per row count (median)")
    parser.add_argument("--pin", action="store_true", help="store encrypted under a PIN")
    parser.add_argument("--linked", action="store_true", help="contacts linked to persons")
    parser.add_argument("--no-orjson", action="store_true", help="stdlib JSON writes (a phone)")
    parser.add_argument("--out", help="JSON output file (default benchmarks/results/...)")
    args = parser.parse_args(argv)
    if args.no_orjson:
        fast_json.orjson = None
    settle_heap()  # as the app does at startup
    sizes = {str(n): measure(n, args.runs, args.pin, args.linked) for n in args.rows}
    figures: dict[str, Any] = {
        "pin": args.pin,
        "linked": args.linked,
        "orjson": fast_json.orjson is not None,
        "sizes": sizes,
    }
    if len(args.rows) > 1:
        small, big = sizes[str(min(args.rows))], sizes[str(max(args.rows))]
        figures["per_row_cost_ratio"] = {
            "apply_cpu": big["apply_cpu_us_per_row"] / small["apply_cpu_us_per_row"],
            "parse_cpu": big["parse_cpu_us_per_row"] / small["parse_cpu_us_per_row"],
        }
    label = "-".join(str(n) for n in args.rows)
    flags = ("-pin" if args.pin else "") + ("-linked" if args.linked else "")
    flags += "-no-orjson" if args.no_orjson else ""
    emit("pull_apply", figures, args.out or str(RESULTS / f"pull_apply-{label}{flags}.json"))


if __name__ == "__main__":
    main()
