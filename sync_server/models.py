"""Database tables (SQLModel) and the API models derived from them.

Synced entities (events, persons, contacts, orientations, follow-ups) share one
generic `record` table: the field values live in `data` as canonical JSON (see
`domain.entities.normalise_fields`) next to their per-field HLCs and versions, so
the merge rule of `domain.merge` applies to every entity alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from domain.field_stamps import compact_hlc, compact_version, expand_hlc, expand_version
from domain.ids import uuid7

JSONType = JSON().with_variant(JSONB(), "postgresql")
TZDateTime = DateTime(timezone=True)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- Referentials ---------------------------------------------------------------


class Cite(SQLModel, table=True):
    __tablename__ = "cite"

    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    name: str = Field(max_length=120)
    communes: list[str] = Field(default_factory=list, sa_type=JSONType)


class Qpv(SQLModel, table=True):
    __tablename__ = "qpv"

    code: str = Field(primary_key=True, max_length=16)
    name: str = Field(max_length=120)
    cite_id: str = Field(foreign_key="cite.id", index=True, max_length=36)


class Partner(SQLModel, table=True):
    __tablename__ = "partner"

    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    cite_id: str = Field(foreign_key="cite.id", index=True, max_length=36)
    name: str = Field(max_length=120)
    type: str = Field(max_length=32)  # domain.vocabulary.PartnerType value
    themes: list[str] = Field(default_factory=list, sa_type=JSONType)
    commune: str | None = Field(default=None, max_length=120)


# --- Users and devices ----------------------------------------------------------


class UserBase(SQLModel):
    username: str = Field(max_length=80)
    display_name: str = Field(max_length=120)
    role: str = Field(max_length=16)  # domain.vocabulary.Role value
    cite_id: str = Field(foreign_key="cite.id", index=True, max_length=36)
    active: bool = True
    # The structure employing the user (docs/architecture.md §2.2), e.g. « Association Rue & Cité ».
    structure: str | None = Field(default=None, max_length=120)
    # A partner account's structure (role `partner` only): what it may see and answer.
    partner_id: str | None = Field(default=None, foreign_key="partner.id", max_length=36)


class AppUser(UserBase, table=True):
    __tablename__ = "app_user"

    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    username: str = Field(max_length=80, unique=True)
    password_hash: str = Field(max_length=255)


class ProgrammeCite(SQLModel, table=True):
    """A cité whose aggregated indicators a `programme` account reads."""

    __tablename__ = "programme_cite"

    user_id: str = Field(foreign_key="app_user.id", primary_key=True, max_length=36)
    cite_id: str = Field(foreign_key="cite.id", primary_key=True, max_length=36)


class UserCreate(UserBase):
    password: str = Field(min_length=8, max_length=200)


class Device(SQLModel, table=True):
    __tablename__ = "device"

    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    user_id: str = Field(foreign_key="app_user.id", index=True, max_length=36)
    name: str = Field(max_length=80)
    # Only the SHA-256 of the bearer token is stored: a database leak reveals no token.
    token_hash: str = Field(max_length=64, unique=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TZDateTime)
    last_seen_at: dt.datetime | None = Field(default=None, sa_type=TZDateTime)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=TZDateTime)
    # Sliding session: the token stops working after this long without use
    # (browser consoles: hours; phones: weeks). See sync_server/core/sessions.py.
    idle_timeout_minutes: int = Field(default=30 * 24 * 60)


# --- Sync -------------------------------------------------------------------------


class Record(SQLModel, table=True):
    __tablename__ = "record"
    __table_args__ = (
        Index("ix_record_cite_version", "cite_id", "version"),
        Index("ix_record_cite_txid_version", "cite_id", "txid", "version"),
        Index("ix_record_cite_entity", "cite_id", "entity"),
    )

    id: str = Field(primary_key=True, max_length=36)
    entity: str = Field(max_length=16)
    # Stamped from the pushing user, never from the op: scope cannot be forged.
    cite_id: str = Field(foreign_key="cite.id", max_length=36)
    person_id: str | None = Field(default=None, index=True, max_length=36)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    # Stored compact: only the fields whose stamp is not the one most fields share,
    # that one implied or under a reserved key (domain.field_stamps). Read them whole
    # with `hlc_by_field()` / `version_by_field()`, write them with `store_stamps()`.
    field_hlc: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)
    field_version: dict[str, int] = Field(default_factory=dict, sa_type=JSONType)
    version: int = Field(sa_type=BigInteger)
    # PostgreSQL id of the writing transaction, for the pull cursor (None on SQLite).
    txid: int | None = Field(default=None, sa_type=BigInteger)
    deleted: bool = False
    created_by: str = Field(max_length=36)
    device_id: str = Field(max_length=36)
    updated_hlc: str = Field(max_length=80)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TZDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=TZDateTime)

    def hlc_by_field(self) -> dict[str, str]:
        return expand_hlc(self.data, self.field_hlc, self.updated_hlc)

    def version_by_field(self) -> dict[str, int]:
        return expand_version(self.data, self.field_version, self.version)

    def store_stamps(self, hlc_by_field: dict[str, str], version_by_field: dict[str, int]) -> None:
        """Keep full maps compact; call after `data`, `updated_hlc` and `version` are set."""
        self.field_hlc = compact_hlc(self.data, hlc_by_field, self.updated_hlc)
        self.field_version = compact_version(self.data, version_by_field, self.version)


class MergeUndo(SQLModel, table=True):
    """What a field-by-field merge replaced on the kept person, given back when the
    merge is undone. Personal values: scrubbed with the ledger (server_ops)."""

    __tablename__ = "merge_undo"

    absorbed_id: str = Field(primary_key=True, max_length=36)
    survivor_id: str = Field(index=True, max_length=36)
    cite_id: str = Field(foreign_key="cite.id", max_length=36)
    previous: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    written: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TZDateTime)


class SyncOp(SQLModel, table=True):
    """Append-only ledger of received ops; `op_id` makes pushes idempotent."""

    __tablename__ = "sync_op"

    op_id: str = Field(primary_key=True, max_length=36)
    device_id: str = Field(index=True, max_length=36)
    user_id: str = Field(max_length=36)
    entity: str = Field(max_length=16)
    row_id: str = Field(index=True, max_length=36)
    device_seq: int = Field(sa_type=BigInteger)
    hlc: str = Field(max_length=80)
    base_version: int | None = Field(default=None, sa_type=BigInteger)
    set_values: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column("set", JSONType, nullable=False)
    )
    outcome: str = Field(max_length=16)
    version: int | None = Field(default=None, sa_type=BigInteger)
    reason: str | None = Field(default=None, max_length=500)
    clock_flagged: bool = False
    received_at: dt.datetime = Field(default_factory=utcnow, sa_type=TZDateTime)


class Conflict(SQLModel, table=True):
    """Hard conflicts (both values kept for a supervisor) and a log of soft ones."""

    __tablename__ = "conflict"

    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    kind: str = Field(default="hard", max_length=8)  # 'hard' | 'soft'
    entity: str = Field(max_length=16)
    row_id: str = Field(index=True, max_length=36)
    cite_id: str = Field(foreign_key="cite.id", index=True, max_length=36)
    # A soft conflict names every field of the op: a person's, all of them, is 266.
    field: str | None = Field(default=None, max_length=1000)
    server_value: Any = Field(default=None, sa_type=JSONType, nullable=True)
    server_hlc: str | None = Field(default=None, max_length=80)
    incoming_value: Any = Field(default=None, sa_type=JSONType, nullable=True)
    incoming_hlc: str | None = Field(default=None, max_length=80)
    incoming_won: bool = False
    op_id: str = Field(max_length=36)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TZDateTime)
    resolved_at: dt.datetime | None = Field(default=None, sa_type=TZDateTime)
    resolved_by: str | None = Field(default=None, max_length=36)
    resolution: Any = Field(default=None, sa_type=JSONType, nullable=True)


class ErasedRow(SQLModel, table=True):
    """A row erased under RGPD art. 17: every later op on it, or naming it, is refused.

    Kept after the tombstone itself is purged, so a late phone can never bring the
    row back. Ids only: nothing here is personal data."""

    __tablename__ = "erased_row"

    row_id: str = Field(primary_key=True, max_length=36)
    cite_id: str = Field(foreign_key="cite.id", index=True, max_length=36)
    erased_at: dt.datetime = Field(default_factory=utcnow, sa_type=TZDateTime)


class HeldOp(SQLModel, table=True):
    """An op a revoked device sent after its revocation, dated before it: it never
    applies by itself, a supervisor accepts or discards it (`crud.held_ops`).

    Once decided, `set` keeps the field names only (the ledger has what applied)."""

    __tablename__ = "held_op"

    op_id: str = Field(primary_key=True, max_length=36)
    cite_id: str = Field(foreign_key="cite.id", index=True, max_length=36)
    device_id: str = Field(max_length=36)
    user_id: str = Field(max_length=36)
    entity: str = Field(max_length=16)
    row_id: str = Field(max_length=36)
    device_seq: int = Field(sa_type=BigInteger)
    hlc: str = Field(max_length=80)
    base_version: int | None = Field(default=None, sa_type=BigInteger)
    set_values: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column("set", JSONType, nullable=False)
    )
    received_at: dt.datetime = Field(default_factory=utcnow, sa_type=TZDateTime)
    decided_at: dt.datetime | None = Field(default=None, sa_type=TZDateTime)
    decided_by: str | None = Field(default=None, max_length=36)
    decision: str | None = Field(default=None, max_length=16)  # 'accepted' | 'discarded'
    outcome: str | None = Field(default=None, max_length=16)  # the merge's, once accepted


class SyncState(SQLModel, table=True):
    """One row: the SQLite change counter and the tombstone purge floor.

    A pull cursor positioned below the floor may have missed purged tombstones,
    so its client must restart from scratch (`reset_required`).
    """

    __tablename__ = "sync_state"

    id: int = Field(default=1, primary_key=True)
    version_counter: int = Field(default=0, sa_type=BigInteger)
    purge_floor_txid: int = Field(default=0, sa_type=BigInteger)
    purge_floor_version: int = Field(default=0, sa_type=BigInteger)
    # Which life of the database this is: drawn anew by `./relais restore`. Pull
    # cursors carry it, so a phone whose cursor comes from another life (it synced
    # after the backup that was restored) is told to push again what it holds.
    epoch: str = Field(default="initial", max_length=36)


# --- Security: login throttling and audit (docs/architecture.md §4.1, §4.8) ---------


class LoginFailure(SQLModel, table=True):
    """One failed login; counted per username and per client address over a window.

    Kept in the database so the limit holds across several server processes.
    """

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_key_at", "key", "at"),)

    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    # "user:<username>" or "ip:<address>"
    key: str = Field(max_length=200)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=TZDateTime)


class AuditEvent(SQLModel, table=True):
    """Append-only journal of supervisor/admin actions and person-record reads.

    `detail` never holds personal data (ids, counts, field names only). On
    PostgreSQL a trigger refuses UPDATE and DELETE.
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_at", "at"),)

    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=TZDateTime)
    actor_user_id: str | None = Field(default=None, index=True, max_length=36)
    actor_device_id: str | None = Field(default=None, max_length=36)
    cite_id: str | None = Field(default=None, index=True, max_length=36)
    action: str = Field(index=True, max_length=64)
    entity: str | None = Field(default=None, max_length=32)
    row_id: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    request_id: str | None = Field(default=None, max_length=64)


# --- Administration (enrolment codes, cité settings) -------------------------------


class EnrolCode(SQLModel, table=True):
    """A short-lived single-use code an admin gives a phone to enrol for a user."""

    __tablename__ = "enrol_code"

    id: str = Field(default_factory=uuid7, primary_key=True, max_length=36)
    # SHA-256 of the code only: whoever reads the table cannot enrol a phone.
    code_hash: str = Field(max_length=64, unique=True)
    user_id: str = Field(foreign_key="app_user.id", index=True, max_length=36)
    created_by: str = Field(max_length=36)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=TZDateTime)
    expires_at: dt.datetime = Field(sa_type=TZDateTime)
    used_at: dt.datetime | None = Field(default=None, sa_type=TZDateTime)
    device_id: str | None = Field(default=None, max_length=36)


class CiteSettings(SQLModel, table=True):
    __tablename__ = "cite_settings"

    cite_id: str = Field(foreign_key="cite.id", primary_key=True, max_length=36)
    retention_months: int = 24
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=TZDateTime)
    updated_by: str | None = Field(default=None, max_length=36)


# --- Review (supervisor console) ---------------------------------------------------


class DuplicateDismissal(SQLModel, table=True):
    """A pair of persons a supervisor said are not the same: never proposed again.

    The pair is stored ordered (`person_a` < `person_b`) so each pair has one row.
    """

    __tablename__ = "duplicate_dismissal"

    cite_id: str = Field(foreign_key="cite.id", index=True, max_length=36)
    person_a: str = Field(primary_key=True, max_length=36)
    person_b: str = Field(primary_key=True, max_length=36)
    dismissed_by: str = Field(max_length=36)
    dismissed_at: dt.datetime = Field(default_factory=utcnow, sa_type=TZDateTime)
