"""The merge rule (docs/architecture.md §3.4), as a pure function.

Field-level last-writer-wins by HLC: the stored value of a field is always the
one with the greatest HLC, so any order of arrival converges. Causality comes
before clocks: an edit made after its author saw the field's stored value wins even
when the author's clock runs behind that value's stamp (a phone a few minutes slow
editing what a supervisor or a faster phone just wrote); it is stored just after
that stamp, so the order stays total. Otherwise the edit would be answered
`superseded` and dropped while the phone went on showing it. Concurrency is
detected by `base_version`, not clocks: a field changed on the server since the
version the device last saw, to a different value, is a hard conflict; the HLC
winner is stored and both values are kept in the conflict for a supervisor.

A device has seen what it wrote itself. Offline, a mediator creates a person and
corrects the name an hour later: both ops carry the same `base_version` (none: the
server never answered), and the correction must not be a conflict with the creation.
So the versions the device's own earlier ops produced (`own_versions`: in the same
push, or found in the ledger when the ops came in several pushes) count as seen; a
change by anyone else since `base_version` still is a conflict.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Literal

from domain.hlc import Hlc, just_after

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


def sees_every_change(
    row: StoredRow, *, base_version: int | None, own_versions: Collection[int] = ()
) -> bool:
    """Whether an op based on `base_version` has seen every stored field's last change
    (its own included). When not, the server looks for more of the device's own
    versions before merging (see `sync_server.sync.own_versions`)."""
    base = base_version or 0
    return row.version <= base or all(
        v <= base or v in own_versions for v in row.field_version.values()
    )


DELETED = "deleted"


def delete_race(
    row: StoredRow,
    *,
    values: dict[str, Any],
    hlc: str,
    base_version: int | None,
    own_versions: Collection[int] = (),
) -> FieldConflict | None:
    """A delete and an edit that did not see each other, as a conflict on `deleted`.

    Field by field they never collide (the delete sets `deleted`, the edit other
    fields), so without this the edit would vanish into the tombstone, or the delete
    would hide an edit its author never saw. A mediator expects neither to be lost
    silently: the merge keeps what field-level LWW gives (the row stays deleted, the
    edit's values kept in the tombstone, or the delete applied when it is the later
    stamp), answers `conflict`, and a supervisor restores the row (`deleted` False,
    the edit's values with it) or confirms the deletion."""
    base = base_version or 0

    def unseen(name: str) -> bool:
        changed_at = row.field_version.get(name, 0)
        return changed_at > base and changed_at not in own_versions

    is_deleted = bool(row.values.get(DELETED))
    if DELETED not in values:
        # An edit reaching a row deleted since the edit's author last saw it.
        if not (is_deleted and unseen(DELETED)):
            return None
        return FieldConflict(DELETED, True, row.field_hlc.get(DELETED, ""), False, hlc, False)
    if values[DELETED] is not True or is_deleted:
        return None
    # A delete whose author had not seen someone else's later edit of the row.
    edited = [n for n in row.field_version if n != DELETED and unseen(n)]
    if not edited:
        return None
    edit_hlc = max(row.field_hlc.get(n, "") for n in edited)
    wins = hlc > row.field_hlc.get(DELETED, "")
    return FieldConflict(DELETED, False, edit_hlc, True, hlc, wins)


def merge_op(
    row: StoredRow | None,
    *,
    values: dict[str, Any],
    hlc: str,
    base_version: int | None,
    own_versions: Collection[int] = (),
) -> MergeResult:
    """Merge one op's `values` (stamped `hlc`) into `row` (None: not stored yet).

    `own_versions`: versions of the row that earlier ops of the same device produced,
    seen by this op whatever its `base_version`."""
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
        changed_at = row.field_version.get(name, 0)
        concurrent = changed_at > base and changed_at not in own_versions
        if concurrent and current != incoming:
            conflicts.append(FieldConflict(name, current, current_hlc, incoming, hlc, wins))
        if not wins and not concurrent and current != incoming and name in row.values:
            hlcs[name] = just_after(current_hlc, Hlc.parse(hlc).node)
            changes[name] = incoming
        elif wins:
            hlcs[name] = hlc
            if current != incoming or name not in row.values:
                changes[name] = incoming

    race = delete_race(row, values=values, hlc=hlc, base_version=base, own_versions=own_versions)
    if race is not None and all(c.field != DELETED for c in conflicts):
        conflicts.append(race)

    soft = not conflicts and (
        row.version > base
        if not own_versions
        else not sees_every_change(row, base_version=base_version, own_versions=own_versions)
    )
    if conflicts:
        outcome: MergeOutcome = "conflict"
    elif hlcs:
        outcome = "applied"
    else:
        outcome = "superseded"
    return MergeResult(outcome, changes, hlcs, conflicts, soft)
