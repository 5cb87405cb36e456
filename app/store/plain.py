"""Clear columns kept beside the encrypted `data`: ids, a date, a review state.

Reading a pathway or the latest contacts must not decrypt 100,000 rows. These
columns let SQLite find them by index instead. They hold no name, phone, note or
free text: only random row ids (which person a contact belongs to, which person
one was merged into), the date rows are ordered by, and a contact's review state.
A thief without the PIN learns how many contacts a pseudonymous id had and when,
never who it is (see SECURITY.md).
"""

from __future__ import annotations

from typing import Any

# entity -> the data field copied into `link_id` (a row id) ...
LINK_FIELD = {
    "contact": "person_id",
    "orientation": "person_id",
    "followup": "person_id",
    "person": "merged_into",
}
# ... into `sort_key` (an ISO date or datetime, compared as text like the data) ...
SORT_FIELD = {
    "contact": "occurred_at",
    "event": "starts_at",
    "followup": "due_date",
    "orientation": "date",
}
# ... and into `state` (a vocabulary value).
STATE_FIELD = {"contact": "review_state"}

COLUMNS = ("link_id", "sort_key", "state")
# The `state` values an index serves (`row_to_fix`, schema v8): contacts sent back for
# a fix. Looking up another state reads the entity's rows.
INDEXED_STATES = frozenset({"to_fix"})


def column_of(entity: str, field_name: str) -> str | None:
    """The clear column holding `field_name` for `entity`, if any."""
    for column, fields in zip(COLUMNS, (LINK_FIELD, SORT_FIELD, STATE_FIELD), strict=True):
        if fields.get(entity) == field_name:
            return column
    return None


def _fields(entity: str) -> tuple[str | None, str | None, str | None]:
    return LINK_FIELD.get(entity), SORT_FIELD.get(entity), STATE_FIELD.get(entity)


# entity -> its (link, sort, state) data fields, looked up once per row written.
_FIELDS = {entity: _fields(entity) for entity in {*LINK_FIELD, *SORT_FIELD, *STATE_FIELD}}
_NONE: tuple[None, None, None] = (None, None, None)


def _text(data: dict[str, Any], name: str | None) -> str | None:
    if name is None:
        return None
    value = data.get(name)
    # Written for every pulled row: text, the usual case, is returned as is.
    return value if value is None or type(value) is str else str(value)


def values_of(entity: str, data: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(link_id, sort_key, state) for a row's decoded data."""
    link, sort, state = _FIELDS.get(entity, _NONE)
    return _text(data, link), _text(data, sort), _text(data, state)
