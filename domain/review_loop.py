"""The contact review loop on the server side (docs/architecture.md §3.5), as a pure function.

A contact enters the supervisor's queue as "reçu" when it is created. When a
supervisor sends it back "à corriger" and the mediator's correction arrives, it
must go back to "reçu" so that it reappears in the queue, whatever the phone sent:
the rule holds on the server, for every push path, regardless of the app version.

A correction is an op that
- does not set `review_state` itself (a review op decides on its own),
- was made by a device that had seen the "à corriger" (its `base_version` is at
  least the version that wrote `review_state`: concurrency by version, not clocks),
- and actually changes the contact (a superseded op or a deletion is no answer).
"""

from __future__ import annotations

from typing import Any

from domain.hlc import MAX_COUNTER, Hlc
from domain.merge import StoredRow
from domain.vocabulary import ReviewState

REVIEW_FIELD = "review_state"
# Read once: an enum member's `.value` is a property call, and this runs per pushed op.
_RECEIVED = ReviewState.RECEIVED.value
_TO_FIX = ReviewState.TO_FIX.value


def review_loop(
    entity: str,
    stored: StoredRow | None,
    *,
    values: dict[str, Any],
    changes: dict[str, Any],
    hlcs: dict[str, str],
    base_version: int | None,
    hlc: str,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The merged `changes` and `hlcs` of one op, with the review state it implies.

    `values` are the op's normalised fields, `changes`/`hlcs` what the merge rule
    decided, `hlc` the op's effective stamp. Returns new dicts; inputs are untouched.
    """
    if stored is None:
        if review_state_on_create(entity, values) is None:
            return changes, hlcs
        return _with_received(changes, hlcs, hlc)
    if entity != "contact" or REVIEW_FIELD in values:
        return changes, hlcs
    if stored.values.get(REVIEW_FIELD) != _TO_FIX:
        return changes, hlcs
    if (base_version or 0) < stored.field_version.get(REVIEW_FIELD, 0):
        return changes, hlcs  # made before the device saw the "à corriger"
    if not changes or changes.get("deleted"):
        return changes, hlcs
    return _with_received(changes, hlcs, _stamp_after(hlc, stored.field_hlc.get(REVIEW_FIELD)))


def review_state_on_create(entity: str, values: dict[str, Any]) -> str | None:
    """The review state a new row is filed with, if the op does not set one: every
    new contact enters the supervisor's review queue."""
    if entity != "contact" or REVIEW_FIELD in values:
        return None
    return _RECEIVED


def _stamp_after(hlc: str, review_hlc: str | None) -> str:
    """The op's stamp, or just past the "à corriger" when the phone's clock is behind:
    the stored value of a field is always the one with the greatest HLC."""
    if review_hlc is None or hlc > review_hlc:
        return hlc
    review = Hlc.parse(review_hlc)
    node = Hlc.parse(hlc).node
    if review.counter < MAX_COUNTER:
        return Hlc(review.ms, review.counter + 1, node).encode()
    return Hlc(review.ms + 1, 0, node).encode()


def _with_received(
    changes: dict[str, Any], hlcs: dict[str, str], hlc: str
) -> tuple[dict[str, Any], dict[str, str]]:
    return (
        {**changes, REVIEW_FIELD: _RECEIVED},
        {**hlcs, REVIEW_FIELD: hlc},
    )
