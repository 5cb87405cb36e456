"""Reading the server's sync replies: pull pages, and push answers that carry one.

A pull page holds up to a thousand rows. Validating it into a `PullResponse` builds a
pydantic model per row (~4 µs each, as long as writing the row to the phone's
store). Here the JSON is read by `app.store.fast_json` (pydantic-core's parser) and
each row is checked by type into a plain `PulledRow` (~1 µs). The check is stricter
than the model: whatever it does not accept as is (a missing or extra field, a
number written as text) is handed to the model, which either explains why the reply
is wrong (`ValidationError`) or accepts it, and its rows are then converted. Both
paths give the same rows: `tests/app/test_replies.py` compares them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.store import fast_json
from domain.entities import ENTITY_NAMES
from domain.sync import PulledRow, PullResponse, PushResponse

_ENTITIES = frozenset(ENTITY_NAMES)
_PAGE_FLAGS = ("has_more", "reset_required", "restored")


@dataclass(frozen=True)
class PullPage:
    rows: list[PulledRow]
    cursor: str
    has_more: bool
    reset_required: bool = False
    restored: bool = False

    @classmethod
    def of(cls, response: PullResponse) -> PullPage:
        return cls(
            rows=[PulledRow(r.entity, r.id, r.version, r.deleted, r.data) for r in response.rows],
            cursor=response.cursor,
            has_more=response.has_more,
            reset_required=response.reset_required,
            restored=response.restored,
        )


@dataclass(frozen=True)
class PushReply:
    response: PushResponse
    """The answer itself; its `pull` is left out (read into `page`)."""
    page: PullPage | None


def _rows_as_they_are(found: Any) -> list[PulledRow] | None:
    """The rows, if every one is exactly what `RowOut` accepts without conversion."""
    if type(found) is not list:
        return None
    out: list[PulledRow] = []
    append = out.append
    entities = _ENTITIES
    for row in found:
        if type(row) is not dict:
            return None
        entity = row.get("entity")
        row_id = row.get("id")
        version = row.get("version")
        deleted = row.get("deleted", False)
        data = row.get("data")
        if (
            type(entity) is not str
            or entity not in entities
            or type(row_id) is not str
            or type(version) is not int
            or type(deleted) is not bool
            or type(data) is not dict
            # The four fields above were there: with `deleted`, five keys mean no other.
            or len(row) != (5 if "deleted" in row else 4)
        ):
            return None
        append(PulledRow(entity, row_id, version, deleted, data))
    return out


def _page_as_it_is(found: Any) -> PullPage | None:
    if type(found) is not dict:
        return None
    cursor = found.get("cursor")
    flags = [found.get(name, False) for name in _PAGE_FLAGS]
    versions = [found.get(name, 1) for name in ("protocol", "schema_version")]
    if (
        type(cursor) is not str
        or "has_more" not in found
        or any(type(flag) is not bool for flag in flags)
        or any(type(v) is not int for v in versions)
    ):
        return None
    rows = _rows_as_they_are(found.get("rows"))
    if rows is None:
        return None
    return PullPage(rows, cursor, flags[0], flags[1], flags[2])


def _page_from(found: Any) -> PullPage:
    """A page from parsed JSON: checked here, or by the model when in doubt."""
    page = _page_as_it_is(found)
    return page if page is not None else PullPage.of(PullResponse.model_validate(found))


def read_pull_page(raw: bytes) -> PullPage:
    """A `GET /sync/pull` reply. Raises `ValueError` (or `ValidationError`, a
    subclass) for a reply the protocol does not allow."""
    try:
        found = fast_json.loads(raw)
    except ValueError:
        return PullPage.of(PullResponse.model_validate_json(raw))  # explains why
    return _page_from(found)


def read_push_reply(raw: bytes) -> PushReply:
    """A `POST /sync/push` reply and the pull page it may carry (`then_pull`)."""
    try:
        found = fast_json.loads(raw)
    except ValueError:
        response = PushResponse.model_validate_json(raw)  # explains why
        page = PullPage.of(response.pull) if response.pull is not None else None
        return PushReply(response.model_copy(update={"pull": None}), page)
    if type(found) is not dict:
        return PushReply(PushResponse.model_validate(found), None)  # raises: not an object
    pulled = found.pop("pull", None)
    response = PushResponse.model_validate(found)
    return PushReply(response, _page_from(pulled) if pulled is not None else None)
