"""Merging two duplicate persons field by field: which record survives, and for each
field where the two differ, which value it keeps.

The two persons are « a » and « b ». The other record points at the survivor
(`merged_into`) and keeps its own values (an unmerge finds it as it was); the
survivor takes the values chosen from the other side. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.field_labels import field_label

SIDES = ("a", "b")

# What a supervisor chooses between. Left out: `merged_into` (the merge itself), the
# derived `status` (the pathway recomputes it), and nothing of the person's contacts
# or orientations (they stay with their record and count in the merge group).
CHOOSABLE_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "birth_name",
    "birth_date",
    "declared_age",
    "phone",
    "email",
    "commune",
    "qpv_code",
    "qpv_resident",
    "gender",
    "ft_registration",
    "mission_locale",
    "family_situation",
    "info_notice_given",
    "info_notice_at",
    "freins",
    "need",
    "exit_type",
    "exit_date",
    "referent_id",
)


class MergeChoiceError(ValueError):
    """A choice the merge cannot follow; `str()` is the French reason."""


@dataclass(frozen=True)
class MergePlan:
    survivor: str
    """« a » or « b »."""
    absorbed: str
    values: dict[str, Any]
    """What the survivor takes from the absorbed record (only where they differ)."""


def same_value(x: Any, y: Any) -> bool:
    """Equal as stored values (a list of closed-list codes in any order is one answer)."""
    if isinstance(x, list) and isinstance(y, list):
        return sorted(map(str, x)) == sorted(map(str, y))
    return bool(x == y)


def differing_fields(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """The choosable fields whose values differ (a missing value counts as one)."""
    return [f for f in CHOOSABLE_FIELDS if not same_value(a.get(f), b.get(f))]


def plan_merge(
    a: Mapping[str, Any], b: Mapping[str, Any], *, survivor: str, choices: Mapping[str, str]
) -> MergePlan:
    """The survivor and the values it takes, or a `MergeChoiceError` naming what is
    wrong (an unknown side or field). A field not chosen keeps the survivor's value."""
    if survivor not in SIDES:
        raise MergeChoiceError(
            f"Fiche conservée « {survivor} » inconnue : choisissez « a » ou « b »."
        )
    unknown = sorted(f for f in choices if f not in CHOOSABLE_FIELDS)
    if unknown:
        names = ", ".join(f"« {f} »" for f in unknown)
        raise MergeChoiceError(
            f"Champ inconnu ou qui ne se choisit pas lors d'une fusion : {names}."
        )
    bad = sorted(f for f, side in choices.items() if side not in SIDES)
    if bad:
        names = ", ".join(f"« {field_label(f)} »" for f in bad)
        raise MergeChoiceError(f"Choisissez « a » ou « b » pour : {names}.")
    absorbed = "b" if survivor == "a" else "a"
    rows = {"a": a, "b": b}
    kept, other = rows[survivor], rows[absorbed]
    values = {
        f: other.get(f)
        for f, side in choices.items()
        if side == absorbed and not same_value(kept.get(f), other.get(f))
    }
    return MergePlan(survivor=survivor, absorbed=absorbed, values=values)
