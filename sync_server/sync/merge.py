"""The merge rule as both push paths apply it: last writer wins per field, then the
review loop (docs/architecture.md §3.4, §3.5)."""

from __future__ import annotations

from typing import Any

from domain.merge import MergeResult, StoredRow, merge_op
from domain.review_loop import review_loop
from domain.sync import Op


def merge_reviewed(
    op: Op, stored: StoredRow | None, *, values: dict[str, Any], hlc: str, own: set[int]
) -> tuple[MergeResult, dict[str, Any], dict[str, str]]:
    """`op`'s validated `values` stamped `hlc` merged into `stored` (None: a new row),
    `own` the versions of the row the pushing device produced; the merge's result and
    the changes and stamps to write once the review loop had its say."""
    merged = merge_op(
        stored, values=values, hlc=hlc, base_version=op.base_version, own_versions=own
    )
    changes, hlcs = review_loop(
        op.entity,
        stored,
        values=values,
        changes=merged.changes,
        hlcs=merged.field_hlc,
        base_version=op.base_version,
        hlc=hlc,
    )
    return merged, changes, hlcs
