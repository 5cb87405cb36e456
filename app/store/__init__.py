"""The phone-side local store (SQLite): rows, outbox, meta."""

from app.store.local_store import LocalStore
from app.store.models import (
    DeviceSession,
    InvalidValues,
    LocalRow,
    RowNotFound,
    StoreError,
    StoreLocked,
    SyncStatus,
)

__all__ = [
    "DeviceSession",
    "InvalidValues",
    "LocalRow",
    "LocalStore",
    "RowNotFound",
    "StoreError",
    "StoreLocked",
    "SyncStatus",
]
