"""The review loop rule: a correction of a contact "à corriger" puts it back to "reçu"."""

from __future__ import annotations

from typing import Any

from domain.hlc import Hlc
from domain.merge import StoredRow, merge_op
from domain.review_loop import review_loop

T_CREATED = Hlc(1_700_000_000_000, 0, "dev-a").encode()
T_REVIEW = Hlc(1_700_000_100_000, 3, "server").encode()
T_FIX = Hlc(1_700_000_200_000, 0, "dev-a").encode()


def _to_fix(**extra: Any) -> StoredRow:
    values = {
        "need": "Un travail",
        "review_state": "to_fix",
        "review_comment": "Préciser.",
        **extra,
    }
    return StoredRow(
        values=values,
        field_hlc={"need": T_CREATED, "review_state": T_REVIEW, "review_comment": T_REVIEW},
        field_version={"need": 3, "review_state": 7, "review_comment": 7},
        version=7,
    )


def _apply(
    stored: StoredRow | None,
    values: dict[str, Any],
    *,
    base_version: int | None = 7,
    hlc: str = T_FIX,
    entity: str = "contact",
) -> tuple[dict[str, Any], dict[str, str]]:
    merged = merge_op(stored, values=values, hlc=hlc, base_version=base_version)
    return review_loop(
        entity,
        stored,
        values=values,
        changes=merged.changes,
        hlcs=merged.field_hlc,
        base_version=base_version,
        hlc=hlc,
    )


def test_a_new_contact_enters_the_queue() -> None:
    changes, hlcs = _apply(None, {"need": "Un travail"}, base_version=None)
    assert changes == {"need": "Un travail", "review_state": "received"}
    assert hlcs["review_state"] == T_FIX


def test_a_correction_puts_the_contact_back_to_received() -> None:
    changes, hlcs = _apply(_to_fix(), {"need": "Cariste en intérim"})
    assert changes == {"need": "Cariste en intérim", "review_state": "received"}
    assert hlcs == {"need": T_FIX, "review_state": T_FIX}


def test_the_comment_stays_for_the_supervisor() -> None:
    changes, _ = _apply(_to_fix(), {"need": "Cariste"})
    assert "review_comment" not in changes


def test_an_op_setting_the_review_state_decides_alone() -> None:
    changes, _ = _apply(_to_fix(), {"review_state": "validated", "review_comment": None})
    assert changes["review_state"] == "validated"
    new_contact, _ = _apply(None, {"need": "x", "review_state": "to_fix"}, base_version=None)
    assert new_contact["review_state"] == "to_fix"


def test_an_edit_made_before_the_review_was_seen_is_no_correction() -> None:
    # base_version 3: the phone had not pulled the "à corriger" (version 7) yet.
    changes, _ = _apply(_to_fix(), {"need": "Cariste"}, base_version=3)
    assert changes == {"need": "Cariste"}


def test_an_op_that_changes_nothing_is_no_correction() -> None:
    assert _apply(_to_fix(), {"need": "Un travail"}) == ({}, {"need": T_FIX})
    # The same value stamped before the stored one: superseded, nothing changes.
    old = Hlc(1_600_000_000_000, 0, "dev-a").encode()
    assert _apply(_to_fix(), {"need": "Un travail"}, hlc=old) == ({}, {})


def test_a_correction_from_a_clock_behind_is_still_the_correction() -> None:
    # Made after the phone saw « à corriger » (base 7), on a clock behind every stamp:
    # causality wins (domain/merge.py), and the review state is stamped after the review.
    behind = Hlc(1_600_000_000_000, 0, "dev-a").encode()
    changes, hlcs = _apply(_to_fix(), {"need": "Autre"}, hlc=behind)
    assert changes == {"need": "Autre", "review_state": "received"}
    assert hlcs["need"] > T_CREATED and hlcs["review_state"] > T_REVIEW


def test_deleting_a_contact_is_no_correction() -> None:
    changes, _ = _apply(_to_fix(), {"deleted": True})
    assert changes == {"deleted": True}


def test_other_states_and_entities_are_left_alone() -> None:
    validated = _to_fix(review_state="validated")
    assert _apply(validated, {"need": "Cariste"})[0] == {"need": "Cariste"}
    person = StoredRow({"first_name": "Aïcha"}, {"first_name": T_CREATED}, {"first_name": 1}, 1)
    assert _apply(person, {"first_name": "Aicha"}, entity="person")[0] == {"first_name": "Aicha"}


def test_a_phone_clock_behind_never_stamps_below_the_review() -> None:
    behind = Hlc(1_700_000_050_000, 0, "dev-a").encode()  # between the need and the review
    changes, hlcs = _apply(_to_fix(), {"need": "Cariste"}, hlc=behind)
    assert changes["review_state"] == "received"
    assert hlcs["review_state"] == Hlc(1_700_000_100_000, 4, "dev-a").encode()
    assert hlcs["review_state"] > T_REVIEW
