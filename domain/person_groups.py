"""Merge groups: a person and every record merged into it.

A supervisor merging a duplicate points it at the person kept (`merged_into`); the
duplicate's own contacts, orientations and follow-ups still name the duplicate. So
whatever concerns the human being — their pathway, their RGPD export, their erasure,
their retention date — concerns the whole group, whichever member it starts from.
Merges are reversible and may chain (A into B, then B into C); a cycle, which the
console refuses but two concurrent edits could still produce, is one group.
"""

from __future__ import annotations

from collections.abc import Mapping


def root_of(merged_into: Mapping[str, str | None], person_id: str) -> str:
    """The person the group of `person_id` is kept under: the end of its `merged_into`
    chain through persons that exist, or in a cycle the cycle's smallest id (so that
    every member of a cycle names the same root)."""
    path = [person_id]
    position = {person_id: 0}
    while (nxt := merged_into.get(path[-1])) and nxt in merged_into:
        if nxt in position:
            return min(path[position[nxt] :])
        position[nxt] = len(path)
        path.append(nxt)
    return path[-1]


def group_of(merged_into: Mapping[str, str | None], person_id: str) -> frozenset[str]:
    """Every person of `person_id`'s group, `person_id` and its root included."""
    root = root_of(merged_into, person_id)
    return frozenset(pid for pid in merged_into if root_of(merged_into, pid) == root) | {person_id}


def groups(merged_into: Mapping[str, str | None]) -> dict[str, frozenset[str]]:
    """Every group, by its root."""
    members: dict[str, set[str]] = {}
    for pid in merged_into:
        members.setdefault(root_of(merged_into, pid), set()).add(pid)
    return {root: frozenset(pids) for root, pids in members.items()}
