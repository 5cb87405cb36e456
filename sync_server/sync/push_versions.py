"""Versions for the bulk push: placeholders while merging, real values in one statement."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from sync_server.core.db import VERSION_SEQUENCE

# Versions handed out while merging in memory are placeholders above any real
# version (so every "changed since base_version" test reads the same); they are
# swapped for real values of the global counter, fetched in one statement, before
# anything is written. Exactly one version per changing op, as op by op.
PLACEHOLDER = 1 << 62


_PG_VERSIONS = text(
    f"SELECT nextval('{VERSION_SEQUENCE}'), pg_current_xact_id()::text::bigint"
    " FROM generate_series(1, :n)"
)
# Stands for the transaction id on PostgreSQL until `VersionAllocator.resolve`.
TXID_PENDING = -1


class VersionAllocator:
    def __init__(self) -> None:
        self._count = 0
        self._values: list[int] = []
        self.txid: int | None = None
        """The writing transaction's id on PostgreSQL, read with the versions."""

    def next(self) -> int:
        self._count += 1
        return PLACEHOLDER + self._count - 1

    def resolve(self, session: Session, pg: bool) -> None:
        n = self._count
        if n == 0:
            return
        if pg:
            # One round trip for both: the versions and this transaction's id.
            found = session.execute(_PG_VERSIONS, {"n": n}).all()
            values = sorted(int(v) for v, _ in found)
            self.txid = int(found[0][1])
        else:
            top = int(
                session.execute(
                    text(
                        "UPDATE sync_state SET version_counter = version_counter + :n"
                        " WHERE id = 1 RETURNING version_counter"
                    ),
                    {"n": n},
                ).scalar_one()
            )
            values = list(range(top - n + 1, top + 1))
        self._values = values

    def real(self, version: int | None) -> int | None:
        """The real version of a placeholder; a real version or None as it is."""
        if version is None or version < PLACEHOLDER:
            return version
        return self._values[version - PLACEHOLDER]

    def real_all(self, versions: dict[str, int]) -> dict[str, int]:
        """`versions` with each placeholder replaced (a row's field versions)."""
        values = self._values
        return {k: v if v < PLACEHOLDER else values[v - PLACEHOLDER] for k, v in versions.items()}
