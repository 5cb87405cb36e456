"""Request and response models of the partner structures' endpoints (/partner)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, model_validator

from domain.api.base import ReadVersion, Request, examples
from domain.vocabulary import DeclineReason, OrientationOutcome


class PartnerPersonOut(BaseModel):
    """The minimum a conseiller needs to receive the person: who, how to reach them,
    what they need. Nothing else of the pathway."""

    first_name: str | None
    last_name: str | None
    phone: str | None
    email: str | None
    need: str | None
    freins: list[str]
    freins_labels: list[str]


class PartnerOrientationOut(BaseModel):
    id: str
    version: int
    date: dt.date
    theme: str | None
    reason: str | None
    status: str
    status_label: str
    appointment_date: dt.date | None
    decline_reason: str | None
    decline_reason_label: str | None
    outcome: str | None
    outcome_label: str | None
    feedback_date: dt.date | None
    mediator_name: str
    person: PartnerPersonOut


class PartnerOrientationsOut(BaseModel):
    partner_id: str
    partner_name: str
    items: list[PartnerOrientationOut]


class PartnerAnswer(Request):
    """One answer of the partner structure: accept, decline (with a reason), set the
    appointment date, or report what came of it."""

    model_config = examples(
        {"action": "accept"},
        {"action": "decline", "decline_reason": "unreachable"},
        {"action": "appointment", "appointment_date": "2026-12-14"},
        {"action": "outcome", "outcome": "attended"},
    )

    action: Literal["accept", "decline", "appointment", "outcome"]
    decline_reason: DeclineReason | None = None
    appointment_date: dt.date | None = None
    outcome: OrientationOutcome | None = None
    version: ReadVersion = None

    @model_validator(mode="after")
    def _what_each_action_needs(self) -> PartnerAnswer:
        needed = {
            "decline": ("decline_reason", "choisissez le motif du refus"),
            "appointment": ("appointment_date", "indiquez la date du rendez-vous"),
            "outcome": ("outcome", "choisissez la suite donnée"),
        }.get(self.action)
        if needed is not None and getattr(self, needed[0]) is None:
            raise ValueError(needed[1])
        return self
