"""Which versions of a row the pushing device produced itself, read from the ledger.

A phone offline for weeks may send a person's creation and a later correction in two
pushes (its outbox goes out in batches): the correction still carries the
`base_version` of before the creation. Within one push the batch knows the versions
its own ops produced; across pushes the ledger does. A version counts as the device's
own only if every ledger entry holding it is the device's: an op that changed
nothing is recorded with the row's version of the time, produced by someone else, and
that device had not seen it. Read only when an op has not seen every change, which
an up-to-date phone's op has.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from sync_server.models import SyncOp

LEDGER = SyncOp.__table__  # type: ignore[attr-defined]

_VERSIONS_OF_ROW = select(LEDGER.c.version, LEDGER.c.device_id).where(
    LEDGER.c.row_id == bindparam("row_id"), LEDGER.c.version.is_not(None)
)


def own_versions_in_ledger(conn: Connection, *, row_id: str, device_id: str) -> set[int]:
    """Versions of `row_id` that only `device_id`'s ops hold in the ledger."""
    only_ours: dict[int, bool] = {}
    for version, device in conn.execute(_VERSIONS_OF_ROW, {"row_id": row_id}):
        only_ours[version] = only_ours.get(version, True) and device == device_id
    return {version for version, ours in only_ours.items() if ours}
