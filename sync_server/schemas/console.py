"""API models, defined once in `domain.api.console` (the console reads them too)."""

from __future__ import annotations

from domain.api.console import (
    ConsoleConflict,
    ConsoleContact,
    ContactFilters,
    EventBrief,
    Page,
    PersonBrief,
)

__all__ = [
    "ConsoleConflict",
    "ConsoleContact",
    "ContactFilters",
    "EventBrief",
    "Page",
    "PersonBrief",
]
