"""The phone's local store at field scale: search, a person's pathway, cold start.

    uv run python -m benchmarks.phone --persons 20000 --contacts 100000

The store is filled through `LocalStore.apply_pulled` (as a sync would) and cached
under var/bench/ between runs. Baseline: the floor (benchmarks.common) over
5,000 contacts, measured in the same run. Cold start reopens a copy of the cached
file (the OS page cache stays warm: a real phone after reboot is slower) and runs
what the app's first screens ask: session, referentials, sync status, the last 20
events and the last 200 contacts.
"""

from __future__ import annotations

import argparse
import shutil
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from app.store import LocalStore
from benchmarks.common import (
    BENCH_VAR,
    contact_values,
    emit,
    floor_median,
    median,
    peak_rss_mb,
    workdir,
)
from domain.ids import uuid7
from domain.pathway import Row, assemble
from domain.sync import RowOut

FIRST = ["Aïcha", "Karim", "Julie", "Samir", "Inès", "Moussa", "Léa", "Yanis", "Fatou", "Hugo"]
LAST = ["Benali", "Martin", "Dupont", "Cherif", "Bouazza", "Traoré", "Nguyen", "Lefèvre"]
PATHWAY_EVENTS = 200
PIN = "482913"
MEDIATOR = "01900000-0000-7000-8000-000000000001"


def _person(i: int) -> dict[str, Any]:
    return {
        "first_name": FIRST[i % len(FIRST)],
        "last_name": f"{LAST[(i // 10) % len(LAST)]}{'' if i % 7 else '-' + str(i)}",
        "phone": f"06{i:08d}",
        "gender": ("f", "m")[i % 2],
        "commune": "Creil",
    }


def build(path: Path, persons: int, contacts: int) -> str:
    """Fill a store; returns the id of the person with a 200-event pathway."""
    store = LocalStore(path)
    person_ids = [uuid7() for _ in range(persons)]
    version = 0

    def page(entity: str, values: list[dict[str, Any]], ids: list[str]) -> list[RowOut]:
        nonlocal version
        out = []
        for v, i in zip(values, ids, strict=True):
            version += 1
            out.append(
                RowOut.model_construct(entity=entity, id=i, version=version, deleted=False, data=v)
            )
        return out

    for start in range(0, persons, 5000):
        ids = person_ids[start : start + 5000]
        store.apply_pulled(page("person", [_person(start + k) for k in range(len(ids))], ids))
    star = person_ids[0]
    for start in range(0, contacts, 5000):
        n = min(5000, contacts - start)
        values = []
        for k in range(n):
            i = start + k
            owner = star if i < PATHWAY_EVENTS else person_ids[i % persons]
            values.append({**contact_values(MEDIATOR, i), "person_id": owner})
        store.apply_pulled(page("contact", values, [uuid7() for _ in range(n)]))
    store.close()
    return star


def runs(fn: Callable[[], Any], n: int) -> float:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return median(out)


def pathway(store: LocalStore, person_id: str) -> Any:
    if hasattr(store, "pathway"):
        return store.pathway(person_id)
    person = store.get("person", person_id)
    assert person is not None
    mine = {"person_id": person_id}
    rows = {e: [Row(r.id, r.data, r.deleted) for r in store.rows(e, equals=mine)]
            for e in ("contact", "orientation", "followup")}  # fmt: skip
    return assemble(Row(person.id, person.data), rows["contact"], rows["orientation"],
                    rows["followup"])  # fmt: skip


def first_screens(path: Path, pin: str | None = None) -> None:
    store = LocalStore(path)
    if pin is not None:
        store.unlock(pin)  # Argon2id at the phone's cost, then the index from decrypted rows
    store.session()
    store.referentials()
    store.sync_status()
    store.rows("event", order_by="starts_at", descending=True, limit=20)
    store.rows("contact", order_by="occurred_at", descending=True, limit=200)
    store.close()


def cached_store(persons: int, contacts: int, rebuild: bool) -> tuple[Path, str, float | None]:
    """The phone file of that size (built once, then cached), its star person, and the
    seconds building it took (None: it was cached)."""
    cached = BENCH_VAR / f"phone-{persons}-{contacts}.sqlite3"
    star_file = cached.with_suffix(".star")
    build_s = None
    if rebuild or not cached.exists():
        for p in (cached, star_file):
            p.unlink(missing_ok=True)
        BENCH_VAR.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        star_file.write_text(build(cached, persons, contacts))
        build_s = time.perf_counter() - start
    # A file cached by an older version is upgraded here, once: the cold starts below
    # time opening the store, not its one-off schema migration.
    LocalStore(cached).close()
    return cached, star_file.read_text(), build_s


def cold_starts(work: Path, source: Path, runs_: int, name: str, pin: str | None) -> list[float]:
    """Seconds to the first screens from a fresh copy of `source`, `runs_` times."""
    out = []
    for k in range(runs_):
        copy = work / f"{name}-{k}.sqlite3"
        shutil.copy(source, copy)
        start = time.perf_counter()
        first_screens(copy, pin)
        out.append(time.perf_counter() - start)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7, help="repetitions per figure (median)")
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached store file")
    parser.add_argument("--out", help="JSON output file")
    args = parser.parse_args(argv)
    cached, star, build_s = cached_store(args.persons, args.contacts, args.rebuild)
    with workdir() as tmp:
        work = Path(tmp)
        floor = floor_median([contact_values(MEDIATOR, i) for i in range(5000)], work)
        cold = cold_starts(work, cached, args.runs, "cold", None)
        # The same file encrypted under a PIN, as on a real phone (made once per run).
        sealed = work / "sealed.sqlite3"
        shutil.copy(cached, sealed)
        setup = LocalStore(sealed)
        setup.setup_pin(PIN)
        setup.close()
        cold_pin = cold_starts(work, sealed, args.runs, "cold-pin", PIN)
        store = LocalStore(sealed)
        store.unlock(PIN)
        queries = ["ben", "aicha martin", "06000123", "Traoré", "zzz"]
        search = {q: runs(partial(store.search_persons, q), args.runs) for q in queries}
        found = pathway(store, star)
        path_s = runs(lambda: pathway(store, star), args.runs)
        store.close()
    figures = {
        "persons": args.persons,
        "contacts": args.contacts,
        "runs": args.runs,
        "floor_s_5000": floor,
        "build_s": build_s,
        "search_s": search,
        "search_worst_s": max(search.values()),
        "pathway_events": getattr(found, "contact_count", None),
        "pathway_s": path_s,
        "pathway_via": "LocalStore.pathway"
        if hasattr(LocalStore, "pathway")
        else "LocalStore.get + rows(equals=person_id) + domain.pathway.assemble",
        "cold_start_s": median(cold),
        "cold_start_runs_s": cold,
        "cold_start_with_pin_s": median(cold_pin),
        "cold_start_with_pin_runs_s": cold_pin,
        "phone_peak_rss_mb": peak_rss_mb(),
        "targets_s": {"search": 0.05, "pathway": 0.1, "cold_start": 1.0},
    }
    emit("phone", figures, args.out)


if __name__ == "__main__":
    main()
