"""A merge chosen field by field: which record survives, and for each field where
the two persons differ, which value is kept (server: POST …/merge with `survivor`
and `choices`, after GET …/compare). Held by the duplicates section's state
(`DuplicatesState.choice`), which replaces it on every change."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from domain.api.review import MergeCompareOut


@dataclass(frozen=True)
class MergeChoice:
    a_id: str
    b_id: str
    comparison: MergeCompareOut | None = None
    survivor: str = "a"
    chosen: dict[str, str] = field(default_factory=dict)
    """Fields the supervisor set explicitly; the others follow the survivor."""
    error: str | None = None
    """Why the last merge was refused, shown under the pair it was chosen for."""

    def is_for(self, a_id: str, b_id: str) -> bool:
        return (self.a_id, self.b_id) == (a_id, b_id)

    def side_of(self, field_name: str) -> str:
        return self.chosen.get(field_name, self.survivor)

    def keep(self, survivor: str) -> MergeChoice:
        return replace(self, survivor=survivor)

    def choose(self, field_name: str, side: str) -> MergeChoice:
        return replace(self, chosen={**self.chosen, field_name: side})

    def choices(self) -> dict[str, str]:
        """Every differing field with the side it is taken from."""
        differences = self.comparison.differences if self.comparison else []
        return {d.field: self.side_of(d.field) for d in differences}
