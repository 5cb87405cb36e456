"""API models, defined once in `domain.api.partner` (the console reads them too)."""

from __future__ import annotations

from domain.api.partner import (
    PartnerAnswer,
    PartnerOrientationOut,
    PartnerOrientationsOut,
    PartnerPersonOut,
)

__all__ = [
    "PartnerAnswer",
    "PartnerOrientationOut",
    "PartnerOrientationsOut",
    "PartnerPersonOut",
]
