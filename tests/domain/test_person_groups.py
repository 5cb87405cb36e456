"""Merge groups (domain.person_groups): who is the same human being."""

from __future__ import annotations

from domain.person_groups import group_of, groups, root_of


def test_a_person_never_merged_is_a_group_of_one() -> None:
    merged = {"a": None, "b": None}
    assert root_of(merged, "a") == "a"
    assert group_of(merged, "a") == {"a"}
    assert groups(merged) == {"a": {"a"}, "b": {"b"}}


def test_a_duplicate_and_the_person_kept_share_a_group_from_either_side() -> None:
    merged = {"kept": None, "dup": "kept", "other": None}
    assert root_of(merged, "dup") == "kept"
    assert group_of(merged, "dup") == group_of(merged, "kept") == {"kept", "dup"}
    assert groups(merged) == {"kept": {"kept", "dup"}, "other": {"other"}}


def test_chained_merges_end_at_the_last_person_kept() -> None:
    merged = {"a": "b", "b": "c", "c": None, "d": "c"}
    assert {root_of(merged, p) for p in merged} == {"c"}
    assert group_of(merged, "a") == {"a", "b", "c", "d"}


def test_a_merge_into_a_person_this_server_does_not_hold_stops_at_the_duplicate() -> None:
    merged = {"dup": "elsewhere"}
    assert root_of(merged, "dup") == "dup"
    assert group_of(merged, "dup") == {"dup"}


def test_a_cycle_is_one_group_under_its_smallest_id() -> None:
    merged = {"b": "a", "a": "c", "c": "b", "x": "c"}
    assert {root_of(merged, p) for p in merged} == {"a"}
    assert groups(merged) == {"a": {"a", "b", "c", "x"}}
