"""Statistical disclosure control for aggregate exports (docs/architecture.md §5).

Primary suppression: every count under `THRESHOLD` (0 included) is shown as "<5".
Secondary suppression: in a table shown with its total, a single hidden cell could be
recomputed as total − the other cells; so when exactly one cell is hidden, the smallest
other cell is hidden too. A total under the threshold is itself hidden (all its cells
are then hidden already). Tables without a total (freins: one person may have several)
only need the primary rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 5
SUPPRESSED = "<5"

Cell = int | float | str


@dataclass(frozen=True)
class ProtectedTable:
    cells: list[Cell]
    total: Cell | None


def protect_count(value: int) -> Cell:
    return SUPPRESSED if value < THRESHOLD else value


def protect_table(values: Sequence[int], *, with_total: bool) -> ProtectedTable:
    hidden = {i for i, v in enumerate(values) if v < THRESHOLD}
    total = sum(values)
    if with_total and len(hidden) == 1 and len(values) > 1:
        visible = [i for i in range(len(values)) if i not in hidden]
        hidden.add(min(visible, key=lambda i: (values[i], i)))
    cells: list[Cell] = [SUPPRESSED if i in hidden else v for i, v in enumerate(values)]
    shown_total: Cell | None = protect_count(total) if with_total else None
    return ProtectedTable(cells=cells, total=shown_total)
