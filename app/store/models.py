"""Plain values the local store hands to the UI and the sync client, and its errors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from domain.field_labels import entity_label, field_label


class StoreError(Exception):
    """A local store refusal whose message (French) can be shown as is."""


class InvalidValues(StoreError, ValueError):
    """Values rejected before anything was written; `detail` has the technical reason."""

    detail: str | None = None


class RowNotFound(StoreError, LookupError):
    pass


class StoreLocked(StoreError):
    """The app is locked: personal data needs the PIN first."""


@dataclass(frozen=True)
class DeviceSession:
    server_url: str
    token: str
    device_id: str
    user: dict[str, Any]
    """UserPublic fields: id, username, display_name, role, cite_id."""


@dataclass(frozen=True)
class LocalRow:
    entity: str
    id: str
    data: dict[str, Any]
    server_version: int | None
    deleted: bool
    pending: bool
    """At least one of this row's ops is not acknowledged yet."""
    error: str | None
    """Why the server last refused an op on this row, if it did."""


@dataclass(frozen=True)
class RejectedOp:
    op_id: str
    entity: str
    row_id: str
    fields: tuple[str, ...]
    reason: str

    @property
    def summary(self) -> str:
        names = ", ".join(field_label(f) for f in self.fields) or "aucun champ"
        return f"{entity_label(self.entity)} …{self.row_id[-8:]} ({names})"


@dataclass(frozen=True)
class SyncStatus:
    pending: int
    """Ops waiting in the outbox (an entry edited three times is three ops)."""
    rejected: list[tuple[str, str]] = field(default_factory=list)
    """(op summary, server reason), oldest first."""
    rejected_op_ids: list[str] = field(default_factory=list)
    """The same ops' ids, in the same order (for « Retirer »)."""
    last_sync_at: dt.datetime | None = None
    """Last successful sync."""
    last_error: str | None = None
    """Error of the last attempt, None when it succeeded."""
    pending_entries: dict[str, int] = field(default_factory=dict)
    """entity → entries (rows) with something waiting: what the mediator counts."""
