"""What screens read while the store is locked: nothing.

Flet re-renders each subscribed component on its own when the state changes, so a
screen may re-render once more between the automatic lock and its replacement by
the unlock screen. The locked store refuses every read (by design); screens read
through `FieldState.view`, which is the store when it can be read and this empty
view otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.entities import person_display_name

if TYPE_CHECKING:
    from app.store import LocalStore


class LockedView:
    def get(self, entity: str, row_id: str) -> None:
        return None

    def rows(self, entity: str, **_: Any) -> list[Any]:
        return []

    def search_persons(self, text: str, limit: int = 30) -> list[Any]:
        return []

    def person_candidates(self, values: dict[str, Any], limit: int = 5, **_: Any) -> list[Any]:
        return []

    def draft(self, key: str) -> None:
        return None

    def pathway(self, person_id: str, **_: Any) -> None:
        return None

    def latest_contact_dates(self) -> dict[str, str]:
        return {}


LOCKED_VIEW = LockedView()


def person_name(view: LocalStore | LockedView, person_id: str | None) -> str | None:
    """The display name of a person the phone holds (None: unknown or not given)."""
    if not person_id:
        return None
    row = view.get("person", person_id)
    if row is None:
        return None
    return person_display_name(row.data)
