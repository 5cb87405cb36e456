"""Shared pydantic schemas of sync protocol v1 (DESIGN.md §3).

Both sides import these; the server accepts any schema_version from
MIN_SCHEMA_VERSION up (changes are additive) and answers 426 below it.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from domain.entities import EntityName, RowId

PROTOCOL = 1
SCHEMA_VERSION = 1
MIN_SCHEMA_VERSION = 1
MAX_PUSH_OPS = 500
DEFAULT_PULL_LIMIT = 500
MAX_PULL_LIMIT = 2000
CLOCK_TOLERANCE_MS = 60_000

Outcome = Literal["applied", "duplicate", "superseded", "conflict", "rejected"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Versioned(BaseModel):
    # Additive evolution: newer peers may send fields we do not know yet.
    model_config = ConfigDict(extra="ignore")

    protocol: int = PROTOCOL
    schema_version: int = SCHEMA_VERSION


# Integers are stored as SQL BIGINT: larger values must be refused, not overflow.
MAX_BIGINT = 2**63 - 1


class Op(_Strict):
    op_id: RowId
    device_seq: int = Field(ge=0, le=MAX_BIGINT)
    entity: EntityName
    row_id: RowId
    hlc: str = Field(min_length=5, max_length=80)
    base_version: int | None = Field(default=None, ge=0, le=MAX_BIGINT)
    set: dict[str, Any] = Field(default_factory=dict)


class PushRequest(_Versioned):
    ops: list[Op] = Field(max_length=MAX_PUSH_OPS)


class OpResult(_Strict):
    op_id: str
    outcome: Outcome
    version: int | None = None
    reason: str | None = None
    clock_flagged: bool = False


class RowOut(_Strict):
    entity: EntityName
    id: str
    version: int
    deleted: bool = False
    data: dict[str, Any]


class PulledRow(NamedTuple):
    """A `RowOut` as the phone applies it: the same fields, read from a page the
    client has already checked (`app.sync.replies`), without a model per row."""

    entity: str
    id: str
    version: int
    deleted: bool
    data: dict[str, Any]


class PullResponse(_Versioned):
    rows: list[RowOut]
    cursor: str
    has_more: bool
    reset_required: bool = False


class PushResponse(_Versioned):
    results: list[OpResult]
    server_hlc: str
    device_revoked: bool = False
    """The device was revoked: its ops logged before revocation were taken, and it
    must now wipe its local data (DESIGN.md §4)."""
    pull: PullResponse | None = None
    """The first pull page, when the push asked for it (`then_pull`) and the server
    could serve it: the pull a sync does next, one request less (additive: an older
    server never sends it, an older client never asks)."""


class LoginRequest(_Strict):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)
    device_name: str = Field(default="navigateur", min_length=1, max_length=80)


class UserPublic(_Strict):
    id: str
    username: str
    display_name: str
    role: str
    cite_id: str


class LoginResponse(_Strict):
    token: str
    device_id: str
    user: UserPublic


class QpvOut(_Strict):
    code: str
    name: str


class PartnerOut(_Strict):
    id: str
    name: str
    type: str


class MemberOut(_Strict):
    id: str
    display_name: str
    role: str


class ReferentialsOut(_Versioned):
    cite_id: str
    cite_name: str
    qpvs: list[QpvOut]
    partners: list[PartnerOut]
    members: list[MemberOut]


class ErrorOut(BaseModel):
    detail: str
    min_schema_version: int | None = None
