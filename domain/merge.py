"""The merge rule of DESIGN.md §3, as a pure function.

Field-level last-writer-wins by HLC: the stored value of a field is always the
one with the greatest HLC, so any order of arrival converges. Concurrency is
detected by `base_version`, not clocks: a field changed on the server since the
version the device last saw, to a different value, is a hard conflict; the HLC
winner is stored and both values are kept in the conflict for a supervisor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

MergeOutcome = Literal["applied", "superseded", "conflict"]


@dataclass(frozen=True)
class StoredRow:
    values: dict[str, Any]
    field_hlc: dict[str, str]
    field_version: dict[str, int]
    version: int


@dataclass(frozen=True)
class FieldConflict:
    field: str
    server_value: Any
    server_hlc: str
    incoming_value: Any
    incoming_hlc: str
    incoming_won: bool


@dataclass(frozen=True)
class MergeResult:
    outcome: MergeOutcome
    changes: dict[str, Any]
    """Fields whose stored value changes, with their new value."""
    field_hlc: dict[str, str]
    """HLC to store for each changed field."""
    conflicts: list[FieldConflict] = field(default_factory=list)
    soft_conflict: bool = False
    """The row moved on since base_version, but on other fields: merged, logged."""


def merge_op(
    row: StoredRow | None, *, values: dict[str, Any], hlc: str, base_version: int | None
) -> MergeResult:
    """Merge one op's `values` (stamped `hlc`) into `row` (None: not stored yet)."""
    if row is None:
        return MergeResult("applied", dict(values), dict.fromkeys(values, hlc))

    base = base_version or 0
    changes: dict[str, Any] = {}
    hlcs: dict[str, str] = {}
    conflicts: list[FieldConflict] = []
    for name, incoming in values.items():
        current = row.values.get(name)
        current_hlc = row.field_hlc.get(name, "")
        wins = hlc > current_hlc
        concurrent = row.field_version.get(name, 0) > base
        if concurrent and current != incoming:
            conflicts.append(FieldConflict(name, current, current_hlc, incoming, hlc, wins))
        if wins:
            hlcs[name] = hlc
            if current != incoming or name not in row.values:
                changes[name] = incoming

    soft = row.version > base and not conflicts
    if conflicts:
        outcome: MergeOutcome = "conflict"
    elif hlcs:
        outcome = "applied"
    else:
        outcome = "superseded"
    return MergeResult(outcome, changes, hlcs, conflicts, soft)
