"""API models, defined once in `domain.api.programme` (the console reads them too)."""

from __future__ import annotations

from domain.api.programme import (
    ProgrammeCiteOut,
    ProgrammeOut,
    ProgrammeRowOut,
    ProgrammeTableOut,
)

__all__ = ["ProgrammeCiteOut", "ProgrammeOut", "ProgrammeRowOut", "ProgrammeTableOut"]
