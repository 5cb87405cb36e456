"""The phone-side sync client (docs/architecture.md §3)."""

from app.sync.client import SyncClient, SyncProgress, SyncReport
from app.sync.errors import AuthError, ServerError, ServerUnreachable, SyncError, UpgradeRequired

__all__ = [
    "AuthError",
    "ServerError",
    "ServerUnreachable",
    "SyncClient",
    "SyncError",
    "SyncProgress",
    "SyncReport",
    "UpgradeRequired",
]
