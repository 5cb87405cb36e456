"""API models, defined once in `domain.api.console` (the console reads them too)."""

from __future__ import annotations

from domain.api.console import (
    ConsoleConflict,
    ConsoleContact,
    EventBrief,
    Page,
    PersonBrief,
)

__all__ = [
    "ConsoleConflict",
    "ConsoleContact",
    "EventBrief",
    "Page",
    "PersonBrief",
]
