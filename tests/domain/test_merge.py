"""The merge rule (docs/architecture.md §3.4) without a database, including convergence."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.hlc import Hlc
from domain.merge import StoredRow, merge_op, sees_every_change


def h(ms: int, node: str = "a", counter: int = 0) -> str:
    return Hlc(ms, counter, node).encode()


def stored(values: dict[str, Any], hlc: str, version: int = 1) -> StoredRow:
    return StoredRow(values, dict.fromkeys(values, hlc), dict.fromkeys(values, version), version)


def test_a_new_row_takes_every_field() -> None:
    result = merge_op(
        None, values={"first_name": "Aïcha", "declared_age": 30}, hlc=h(1), base_version=None
    )
    assert result.outcome == "applied"
    assert result.changes == {"first_name": "Aïcha", "declared_age": 30}


def test_same_field_edited_on_two_phones_is_a_hard_conflict_keeping_both_values() -> None:
    row = stored({"phone": "0612345678"}, h(10, "a"), version=5)  # phone A's edit, now version 5
    result = merge_op(row, values={"phone": "0799999999"}, hlc=h(9, "b"), base_version=4)
    assert result.outcome == "conflict"
    (conflict,) = result.conflicts
    assert (conflict.server_value, conflict.incoming_value) == ("0612345678", "0799999999")
    assert conflict.incoming_won is False
    assert result.changes == {}  # the HLC-later value stays stored


def test_conflict_where_the_incoming_edit_is_later_replaces_the_value_but_keeps_the_loser() -> None:
    row = stored({"phone": "0612345678"}, h(10, "a"), version=5)
    result = merge_op(row, values={"phone": "0799999999"}, hlc=h(11, "b"), base_version=4)
    assert result.outcome == "conflict"
    assert result.changes == {"phone": "0799999999"}
    assert result.conflicts[0].server_value == "0612345678"


def test_disjoint_fields_merge_softly() -> None:
    row = StoredRow(
        {"phone": "06", "need": "emploi"},
        {"phone": h(10), "need": h(5)},
        {"phone": 5, "need": 1},
        5,
    )
    result = merge_op(row, values={"need": "formation"}, hlc=h(8, "b"), base_version=1)
    assert result.outcome == "applied"
    assert result.soft_conflict
    assert result.changes == {"need": "formation"}


def test_a_devices_own_earlier_edit_in_the_same_push_is_no_conflict() -> None:
    # Created offline (version 7 in this push), corrected offline: the correction's
    # base_version is still None, but the device wrote version 7 itself.
    row = stored({"first_name": "Aicha", "last_name": "Diallo"}, h(10), version=7)
    result = merge_op(
        row, values={"first_name": "Aïcha"}, hlc=h(20), base_version=None, own_versions={7}
    )
    assert (result.outcome, result.conflicts, result.soft_conflict) == ("applied", [], False)
    assert result.changes == {"first_name": "Aïcha"}


def test_another_devices_change_is_a_conflict_even_after_the_devices_own() -> None:
    # Version 7 is the device's own (last name); version 8, the first name, is not.
    row = StoredRow(
        {"first_name": "Awa", "last_name": "Diallo"},
        {"first_name": h(15, "b"), "last_name": h(10)},
        {"first_name": 8, "last_name": 7},
        8,
    )
    same_field = merge_op(
        row, values={"first_name": "Aïcha"}, hlc=h(20), base_version=3, own_versions={7}
    )
    assert same_field.outcome == "conflict"
    assert [(c.server_value, c.incoming_value) for c in same_field.conflicts] == [("Awa", "Aïcha")]
    other_field = merge_op(
        row, values={"last_name": "Sow"}, hlc=h(20), base_version=3, own_versions={7}
    )
    assert (other_field.outcome, other_field.soft_conflict) == ("applied", True)


def test_an_op_has_seen_every_change_at_or_below_its_base_and_its_own() -> None:
    row = StoredRow(
        {"first_name": "Awa", "last_name": "Diallo"},
        {"first_name": h(15, "b"), "last_name": h(10)},
        {"first_name": 8, "last_name": 7},
        8,
    )
    assert sees_every_change(row, base_version=8)
    assert sees_every_change(row, base_version=3, own_versions={7, 8})
    assert sees_every_change(row, base_version=7, own_versions={8})
    assert not sees_every_change(row, base_version=3, own_versions={7})
    assert not sees_every_change(row, base_version=None)


def test_same_value_from_both_sides_is_no_conflict() -> None:
    row = stored({"status": "oriented"}, h(10, "a"), version=5)
    result = merge_op(row, values={"status": "oriented"}, hlc=h(9, "b"), base_version=4)
    assert result.outcome == "superseded"
    assert result.conflicts == []


def test_an_older_op_arriving_late_does_not_overwrite_the_newer_value() -> None:
    row = stored({"need": "récent"}, h(20), version=3)
    # Made before its author saw version 3: a late arrival, not an answer to it.
    result = merge_op(row, values={"need": "ancien"}, hlc=h(10), base_version=2)
    assert result.changes == {}
    assert [c.incoming_won for c in result.conflicts] == [False]


def test_a_repeated_value_from_an_older_op_is_superseded() -> None:
    row = stored({"need": "récent"}, h(20), version=3)
    result = merge_op(row, values={"need": "récent"}, hlc=h(10), base_version=3)
    assert result.outcome == "superseded"
    assert result.changes == {}


def test_an_edit_made_after_seeing_the_value_wins_from_a_clock_behind() -> None:
    # A supervisor's correction stamped by the server at 20; the phone, 10 ms slow,
    # pulls it (version 3) and corrects it again: the phone's edit is the later one.
    row = stored({"phone": "0611111111"}, h(20, "server"), version=3)
    result = merge_op(row, values={"phone": "0622222222"}, hlc=h(10, "phone"), base_version=3)
    assert result.outcome == "applied"
    assert result.changes == {"phone": "0622222222"}
    stamp = Hlc.parse(result.field_hlc["phone"])
    assert stamp > Hlc.parse(h(20, "server"))
    assert stamp.node == "phone"
    # Whatever comes after the correction still wins by its own stamp.
    later = StoredRow(
        {"phone": "0622222222"}, {"phone": result.field_hlc["phone"]}, {"phone": 4}, 4
    )
    again = merge_op(later, values={"phone": "0633333333"}, hlc=h(21, "x"), base_version=4)
    assert again.changes == {"phone": "0633333333"}


# --- convergence: any order, duplication and reordering gives the same state -----------


@dataclass(frozen=True)
class FakeOp:
    op_id: int
    row: str
    values: tuple[tuple[str, Any], ...]
    hlc: str
    base_version: int | None


class Replica:
    """Applies ops with the merge rule and an op_id ledger, like the server."""

    def __init__(self) -> None:
        self.rows: dict[str, StoredRow] = {}
        self.ledger: set[int] = set()
        self.version = 0

    def apply(self, op: FakeOp) -> None:
        if op.op_id in self.ledger:
            return
        self.ledger.add(op.op_id)
        row = self.rows.get(op.row)
        result = merge_op(row, values=dict(op.values), hlc=op.hlc, base_version=op.base_version)
        if not result.field_hlc:
            return
        self.version += 1
        old = row or StoredRow({}, {}, {}, 0)
        self.rows[op.row] = StoredRow(
            {**old.values, **result.changes},
            {**old.field_hlc, **result.field_hlc},
            {**old.field_version, **dict.fromkeys(result.changes, self.version)},
            self.version,
        )

    def state(self) -> dict[str, dict[str, Any]]:
        return {rid: dict(r.values) for rid, r in self.rows.items()}


fields = st.sampled_from(["first_name", "phone", "need", "deleted"])
values = st.one_of(st.text(max_size=3), st.booleans(), st.none())


@st.composite
def device_ops(draw: st.DrawFn) -> list[FakeOp]:
    ops: list[FakeOp] = []
    for device in ("a", "b", "c"):
        ms = draw(st.integers(0, 5))
        for _ in range(draw(st.integers(0, 6))):
            ms += draw(st.integers(0, 3))  # same ms happens: the counter/node break ties
            chosen = draw(st.dictionaries(fields, values, min_size=1, max_size=3))
            ops.append(
                FakeOp(
                    op_id=len(ops),
                    row=draw(st.sampled_from(["p1", "p2"])),
                    values=tuple(sorted(chosen.items(), key=lambda kv: kv[0])),
                    hlc=h(ms, device, counter=len(ops)),
                    # Concurrent ops, none having seen another's result: only those
                    # can arrive in any order (an op that saw a version comes after it,
                    # and wins by causality whatever its clock, tested above).
                    base_version=None,
                )
            )
    return ops


@settings(max_examples=150, deadline=None)
@given(ops=device_ops(), data=st.data())
def test_any_interleaving_duplication_and_reordering_converges(
    ops: list[FakeOp], data: st.DataObject
) -> None:
    reference = Replica()
    for op in ops:
        reference.apply(op)
    for _ in range(3):
        shuffled = data.draw(st.permutations(ops))
        duplicated = (
            shuffled + data.draw(st.lists(st.sampled_from(ops), max_size=5)) if ops else shuffled
        )
        replay = data.draw(st.permutations(duplicated))
        replica = Replica()
        for op in replay:
            replica.apply(op)
        assert replica.state() == reference.state()


def test_every_field_ends_with_the_value_of_its_greatest_hlc() -> None:
    ops = [
        FakeOp(0, "p", (("need", "x"),), h(3, "a"), None),
        FakeOp(1, "p", (("need", "y"),), h(3, "b"), None),
        FakeOp(2, "p", (("need", "z"),), h(2, "c"), None),
    ]
    for order in itertools.permutations(ops):
        replica = Replica()
        for op in order:
            replica.apply(op)
        assert replica.state() == {"p": {"need": "y"}}


def _deleted_at(version: int, hlc: str) -> StoredRow:
    """A person created at version 1 (stamp 1), deleted at `version` (stamp `hlc`)."""
    return StoredRow(
        {"first_name": "Aïcha", "deleted": True},
        {"first_name": h(1), "deleted": hlc},
        {"first_name": 1, "deleted": version},
        version,
    )


def test_an_edit_reaching_a_row_deleted_since_it_was_seen_is_a_conflict_on_deleted() -> None:
    result = merge_op(
        _deleted_at(5, h(20, "a")), values={"phone": "0612345678"}, hlc=h(30, "b"), base_version=1
    )
    assert result.outcome == "conflict"
    [conflict] = result.conflicts
    assert (conflict.field, conflict.server_value, conflict.incoming_value) == (
        "deleted",
        True,
        False,
    )
    assert conflict.incoming_won is False
    assert result.changes == {"phone": "0612345678"}  # kept in the tombstone, for a restore


def test_a_delete_that_did_not_see_a_colleague_s_edit_is_a_conflict_it_wins() -> None:
    row = StoredRow(
        {"first_name": "Aïcha", "phone": "0612345678"},
        {"first_name": h(1), "phone": h(10, "b")},
        {"first_name": 1, "phone": 4},
        4,
    )
    result = merge_op(row, values={"deleted": True}, hlc=h(20, "a"), base_version=1)
    assert result.outcome == "conflict"
    [conflict] = result.conflicts
    assert (conflict.field, conflict.server_value, conflict.incoming_value) == (
        "deleted",
        False,
        True,
    )
    assert conflict.server_hlc == h(10, "b")  # the edit's stamp: the console names its author
    assert conflict.incoming_won is True and result.changes == {"deleted": True}


def test_a_delete_or_an_edit_that_had_seen_the_other_is_no_conflict() -> None:
    deleted = _deleted_at(5, h(20, "a"))
    own = merge_op(
        deleted, values={"phone": "0612345678"}, hlc=h(30, "a"), base_version=1, own_versions={5}
    )
    assert own.conflicts == [] and own.outcome == "applied"
    row = stored({"first_name": "Aïcha"}, h(1), version=4)
    seen = merge_op(row, values={"deleted": True}, hlc=h(20, "a"), base_version=4)
    assert seen.conflicts == [] and seen.outcome == "applied"
