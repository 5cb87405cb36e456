"""Field-by-field merge choices, without a database."""

from __future__ import annotations

import pytest

from domain.merge_choice import MergeChoiceError, differing_fields, plan_merge

A = {"first_name": "Mohamed", "last_name": "Benyahia", "freins": ["mobility", "housing"]}
B = {"first_name": "Mohammed", "last_name": "Benyahia", "freins": ["housing", "mobility"]}


def test_only_fields_that_differ_are_offered() -> None:
    # Same freins in another order are the same answer; a missing value is a difference.
    assert differing_fields(A, B) == ["first_name"]
    assert differing_fields(A, {**A, "phone": "06 12 34 56 78"}) == ["phone"]


def test_the_survivor_takes_only_what_was_chosen_from_the_other_side() -> None:
    plan = plan_merge(A, B, survivor="a", choices={"first_name": "b", "last_name": "b"})
    assert (plan.survivor, plan.absorbed) == ("a", "b")
    assert plan.values == {"first_name": "Mohammed"}  # last_name: already the same
    assert plan_merge(A, B, survivor="b", choices={"first_name": "b"}).values == {}


@pytest.mark.parametrize(
    ("survivor", "choices", "named"),
    [
        ("c", {}, "« c »"),
        ("a", {"nir": "b"}, "« nir »"),
        ("a", {"status": "b"}, "« status »"),
        ("a", {"first_name": "les deux"}, "« Prénom »"),
    ],
)
def test_an_unknown_side_or_field_is_refused_in_french(
    survivor: str, choices: dict[str, str], named: str
) -> None:
    with pytest.raises(MergeChoiceError, match=named):
        plan_merge(A, B, survivor=survivor, choices=choices)
