"""Statistical disclosure control for aggregate exports (docs/architecture.md §5).

Primary suppression: every count from 1 to `THRESHOLD` − 1 is shown as "<5". A true
zero stays 0: it describes nobody, and a funder must be able to tell "none" from "a
few". Secondary suppression: in a table shown with its total, a single hidden cell
could be recomputed as total − the other cells; so when exactly one cell is hidden, the
smallest other non-zero cell is hidden too (hiding a zero would protect nothing: the
hidden cell would still be total − the rest). A total under the threshold is itself
hidden. Tables without a total (freins: one person may have several) only need the
primary rule. A grid whose rows and columns both add up (cités side by side with their
« Ensemble », a breakdown with its « Total » row) repeats the secondary rule on every
line until no line has exactly one hidden cell (`protect_grid`). A figure not known
yet (a week or a quarter still to come) is `None`: an empty cell, never "<5" nor 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 5
SUPPRESSED = "<5"
DELAY_SUPPRESSED = "secret"
"""A delay hidden because it is computed on too few persons: « <5 » would read as
« under five days »."""
DELAY_NOTE = (
    f"Un délai calculé sur moins de {THRESHOLD} personnes est remplacé par « {DELAY_SUPPRESSED} »."
)

Cell = int | float | str


@dataclass(frozen=True)
class ProtectedTable:
    cells: list[Cell]
    total: Cell | None


def hidden(value: int) -> bool:
    return 0 < value < THRESHOLD


def protect_count(value: int) -> Cell:
    return SUPPRESSED if hidden(value) else value


def protect_delay(value: float | None, persons: int) -> Cell:
    """A delay in days, « — » when unknown; computed on fewer than THRESHOLD persons it
    describes individuals, so it is hidden."""
    if value is None:
        return "—"
    if persons < THRESHOLD:
        return DELAY_SUPPRESSED
    return round(value, 1)


def protect_grid(values: Sequence[Sequence[int]], *, with_total_row: bool) -> list[list[Cell]]:
    """`values`: rows × columns. Returns each row with its sum as a last cell, plus a
    last row of column sums when `with_total_row`, every cell protected: 1–4 hidden, a
    zero kept, and in every line that adds up (a row with its sum, a column with its
    total) holding exactly one hidden cell, the smallest other non-zero cell hidden too,
    repeated until no such line is left. The margin (a line's last cell) is hidden only
    when nothing else of its line can be."""
    grid = [[*row, sum(row)] for row in values]
    if with_total_row:
        width = len(grid[0]) if grid else 1
        grid.append([sum(row[c] for row in grid) for c in range(width)])
    masked = {(r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if hidden(v)}
    lines = [[(r, c) for c in range(len(row))] for r, row in enumerate(grid)]
    if with_total_row and grid:
        lines += [[(r, c) for r in range(len(grid))] for c in range(len(grid[0]))]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(cell in masked for cell in line) != 1:
                continue
            candidates = [
                cell for cell in line[:-1] if cell not in masked and grid[cell[0]][cell[1]]
            ]
            if not candidates and line[-1] not in masked:
                candidates = [line[-1]]
            if candidates:
                masked.add(min(candidates, key=lambda cell: (grid[cell[0]][cell[1]], cell)))
                changed = True
    return [
        [SUPPRESSED if (r, c) in masked else v for c, v in enumerate(row)]
        for r, row in enumerate(grid)
    ]


def protect_table(values: Sequence[int], *, with_total: bool) -> ProtectedTable:
    """One column of counts, with its total when `with_total` (a line that adds up)."""
    if not with_total:
        return ProtectedTable(cells=[protect_count(v) for v in values], total=None)
    [row] = protect_grid([values], with_total_row=False)
    return ProtectedTable(cells=row[:-1], total=row[-1])
