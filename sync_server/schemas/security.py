"""API models, defined once in `domain.api.security` (the console reads them too)."""

from __future__ import annotations

from domain.api.security import (
    AuditEventOut,
    EraseRequest,
    EraseResult,
    RetentionDue,
)

__all__ = [
    "AuditEventOut",
    "EraseRequest",
    "EraseResult",
    "RetentionDue",
]
