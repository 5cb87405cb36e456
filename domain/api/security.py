"""Request and response models of the security and privacy endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from domain.api.base import Request


class AuditEventOut(BaseModel):
    id: str
    at: dt.datetime
    actor_user_id: str | None
    actor_name: str | None
    actor_device_id: str | None
    action: str
    action_label: str
    """The action in French, e.g. "Lecture d'une fiche personne"."""
    family: str
    """The action's family key (`domain.audit_actions.FAMILIES`), e.g. "read"."""
    object_label: str
    """What the event was about, in short French (ids and counts only)."""
    entity: str | None
    row_id: str | None
    detail: dict[str, Any]
    request_id: str | None


class EraseRequest(Request):
    reason: str = Field(
        min_length=3,
        max_length=200,
        description="Why the data is erased (e.g. « demande de la personne du 3 mars »): "
        "asked so that an erasure is a deliberate act, and not stored — free text may "
        "name the person erased. The audit log keeps who erased, when, and how many rows.",
    )


class EraseResult(BaseModel):
    person_id: str
    rows_erased: int
    detail: str


class RetentionDue(BaseModel):
    person_id: str
    display_name: str
    last_contact: dt.datetime
    anonymised_on: dt.date
