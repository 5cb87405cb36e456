"""Statistical disclosure control for aggregate exports (docs/architecture.md §5).

Primary suppression: every count from 1 to `THRESHOLD` − 1 is shown as "<5". A true
zero stays 0: it describes nobody, and a funder must be able to tell "none" from "a
few". Secondary suppression: in a table shown with its total, a single hidden cell
could be recomputed as total − the other cells; so when exactly one cell is hidden, the
smallest other non-zero cell is hidden too (hiding a zero would protect nothing: the
hidden cell would still be total − the rest). A total under the threshold is itself
hidden. Tables without a total (freins: one person may have several) only need the
primary rule. A figure not known yet (a week or a quarter still to come) is `None`:
an empty cell, never "<5" nor 0.
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


def hidden(value: int) -> bool:
    return 0 < value < THRESHOLD


def protect_count(value: int) -> Cell:
    return SUPPRESSED if hidden(value) else value


def protect_table(values: Sequence[int], *, with_total: bool) -> ProtectedTable:
    masked = {i for i, v in enumerate(values) if hidden(v)}
    total = sum(values)
    if with_total and len(masked) == 1:
        others = [i for i, v in enumerate(values) if i not in masked and v > 0]
        if others:
            masked.add(min(others, key=lambda i: (values[i], i)))
    cells: list[Cell] = [SUPPRESSED if i in masked else v for i, v in enumerate(values)]
    shown_total: Cell | None = protect_count(total) if with_total else None
    return ProtectedTable(cells=cells, total=shown_total)
