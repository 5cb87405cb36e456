"""What a stored record costs in bytes beside its data: its per-field stamp maps.

    uv run python -m benchmarks.record_size --rows 5000

N contacts are pushed (the server's `push_ops`, in process, SQLite), then one field
of each is edited by a later op, as a review or a correction does. After each step:
the mean bytes per record of the stamp maps (`field_hlc` + `field_version`, as
stored) against the mean bytes of the record's data in the same run — the baseline,
since the maps exist only to merge that data.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path
from typing import Any

from sqlmodel import Session

from benchmarks.common import contact_values, emit, server_db, workdir
from domain.hlc import Hlc, HlcClock, wall_ms
from domain.ids import uuid7
from domain.sync import MAX_PUSH_OPS, Op
from sync_server.core.db import make_engine
from sync_server.core.settings import Settings
from sync_server.models import AppUser, Device
from sync_server.sync.push import push_ops


def _sizes(path: str) -> dict[str, float]:
    conn = sqlite3.connect(path)
    try:
        maps, data = conn.execute(
            "SELECT avg(length(field_hlc) + length(field_version)), avg(length(data)) FROM record"
        ).fetchone()
    finally:
        conn.close()
    return {"stamp_maps_bytes": maps, "data_bytes": data, "maps_vs_data": maps / data}


def measure(rows: int) -> dict[str, Any]:
    with workdir() as tmp, server_db("sqlite", Path(tmp)) as sdb:
        engine = make_engine(Settings(database_url=sdb.url))
        device_id, _token = sdb.device_token("sizes")
        ids = [uuid7() for _ in range(rows)]
        versions: dict[str, int | None] = {}
        clock = HlcClock(node="server")
        start_ms = wall_ms() - 3_600_000  # an hour ago: no stamp is ahead of the server
        steps = {
            "created": lambda i: contact_values(sdb.user_id, i),
            "one_field_edited": lambda i: {"note": f"Rappelée, rendez-vous n°{i}"},
        }
        out: dict[str, Any] = {}
        with Session(engine, expire_on_commit=False) as session:
            user, device = session.get(AppUser, sdb.user_id), session.get(Device, device_id)
            assert user is not None and device is not None
            for step, (name, values) in enumerate(steps.items()):
                stamp = Hlc(start_ms + 1000 * step, 0, "phone").encode()
                for at in range(0, rows, MAX_PUSH_OPS):
                    batch = ids[at : at + MAX_PUSH_OPS]
                    ops = [
                        Op(
                            op_id=uuid7(),
                            device_seq=step * rows + at + i + 1,
                            entity="contact",
                            row_id=row_id,
                            hlc=stamp,
                            base_version=versions.get(row_id),
                            set=values(at + i),
                        )
                        for i, row_id in enumerate(batch)
                    ]
                    results = push_ops(session, user=user, device=device, ops=ops, clock=clock)
                    session.commit()
                    assert {r.outcome for r in results} == {"applied"}, results[0]
                    for row_id, result in zip(batch, results, strict=True):
                        versions[row_id] = result.version
                out[name] = _sizes(sdb.url.removeprefix("sqlite:///"))
        engine.dispose()
    return {"rows": rows, **out}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--out", help="JSON output file (default benchmarks/results/...)")
    args = parser.parse_args(argv)
    emit("record_size", measure(args.rows), args.out)


if __name__ == "__main__":
    main()
