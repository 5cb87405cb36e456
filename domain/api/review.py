"""Request and response models of the console's review, conflict, duplicate and
pathway endpoints (documented in OpenAPI with examples)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from domain.api.base import ReadVersion, Request, examples
from domain.api.console import ConsoleConflict
from domain.entities import RowId
from domain.vocabulary import ReviewState

_PERSON_ID = "0196a1b2-0000-7000-8000-00000000a001"


class ReviewRequest(Request):
    model_config = examples({"state": "to_fix", "comment": "Préciser le besoin exprimé."})

    state: Literal["validated", "rejected", "to_fix"]
    comment: str | None = Field(default=None, max_length=280)
    version: ReadVersion = None

    @model_validator(mode="after")
    def _comment_for_to_fix(self) -> ReviewRequest:
        self.comment = (self.comment or "").strip() or None
        if self.state == "to_fix" and self.comment is None:
            raise ValueError("un commentaire est obligatoire pour « À corriger »")
        return self


class ReviewOut(BaseModel):
    model_config = examples(
        {
            "id": "0196a1b2-0000-7000-8000-00000000c001",
            "review_state": "to_fix",
            "review_state_label": "À corriger",
            "review_comment": "Préciser le besoin exprimé.",
            "version": 118,
        }
    )

    id: str
    review_state: str | None
    review_state_label: str | None
    review_comment: str | None
    version: int
    warning: str | None = Field(
        default=None, description="Sensitive-data warning on the comment written (DESIGN §4)"
    )


class FieldChange(BaseModel):
    field: str
    label: str
    """French name of the field."""
    value: Any
    value_label: str
    """The value as a person reads it (enum labels, names instead of ids)."""


class HistoryEntry(BaseModel):
    op_id: str
    at: dt.datetime
    author_id: str
    author_name: str
    device_name: str | None
    outcome: str
    outcome_label: str
    reason: str | None
    changes: list[FieldChange]


class ContactHistory(BaseModel):
    model_config = examples(
        {
            "contact_id": "0196a1b2-0000-7000-8000-00000000c001",
            "entries": [
                {
                    "op_id": "0196a1b2-0000-7000-8000-0000000000f1",
                    "at": "2025-03-14T10:31:02Z",
                    "author_id": "0196a1b2-0000-7000-8000-0000000000u1",
                    "author_name": "Amina Diallo",
                    "device_name": "téléphone",
                    "outcome": "applied",
                    "outcome_label": "Appliquée",
                    "reason": None,
                    "changes": [
                        {
                            "field": "channel",
                            "label": "Canal",
                            "value": "phone",
                            "value_label": "Téléphone",
                        }
                    ],
                }
            ],
        }
    )

    contact_id: str
    entries: list[HistoryEntry]


class ConflictSide(BaseModel):
    value: Any
    value_label: str
    hlc: str | None
    author_name: str | None
    at: dt.datetime | None


class BulkValidateRequest(Request):
    """Validate several contacts at once: the ones ticked, or every contact of one
    action de terrain; only those still « Reçu » are validated."""

    model_config = examples(
        {"contact_ids": ["0196a1b2-0000-7000-8000-00000000c001"]},
        {"event_id": "0196a1b2-0000-7000-8000-00000000e001"},
    )

    contact_ids: list[str] = Field(default_factory=list, max_length=500)
    event_id: str | None = Field(default=None, max_length=36)

    @model_validator(mode="after")
    def _one_way(self) -> BulkValidateRequest:
        if bool(self.contact_ids) == bool(self.event_id):
            raise ValueError(
                "cochez des contacts, ou choisissez une action de terrain (pas les deux)"
            )
        return self


class UndoEntry(BaseModel):
    """A contact as it was before a bulk validation, and its version right after it:
    the undo restores it only if nobody touched it since."""

    id: str = Field(max_length=36)
    version: int
    review_state: ReviewState | None = None
    review_comment: str | None = Field(default=None, max_length=280)


class BulkValidateOut(BaseModel):
    validated: int
    skipped: int = Field(description="Contacts left as they were (not « Reçu »)")
    undo: list[UndoEntry]


class BulkUndoRequest(Request):
    undo: list[UndoEntry] = Field(min_length=1, max_length=500)


class BulkUndoOut(BaseModel):
    restored: int
    skipped: int = Field(description="Contacts changed since the validation: left as they are")


class CorrectRequest(Request):
    """A supervisor's correction of a person, a contact or an orientation: the fields
    to change (an orientation's status among them)."""

    model_config = examples(
        {"values": {"phone": "06 12 34 56 78"}, "version": 42},
        {"values": {"status": "attended"}},
    )

    values: dict[str, Any] = Field(min_length=1, max_length=30)
    version: ReadVersion = None


class CorrectOut(BaseModel):
    id: str
    entity: str
    version: int
    changed: list[str]
    warnings: list[str] = Field(
        default_factory=list,
        description="Sensitive-data warnings on the free text written (DESIGN §4)",
    )


class ChoiceOut(BaseModel):
    value: Any
    label: str


class ReadableConflict(ConsoleConflict):
    """A hard conflict in plain language: field label, both sides with who and when."""

    entity_label: str = ""
    field_label: str = ""
    choices: list[ChoiceOut] | None = Field(
        default=None,
        description="A closed field's possible values: the supervisor picks among them "
        "(None: a free field, typed)",
    )
    multiple: bool = Field(default=False, description="The field holds several of the choices")
    row_summary: str = ""
    """What the conflicting row is, e.g. "Contact du 14/03/2025 · Amina Diallo"."""
    server: ConflictSide | None = None
    incoming: ConflictSide | None = None
    resolved_at: dt.datetime | None = None
    resolved_by_name: str | None = None
    resolution: Any = None


class ResolveRequest(Request):
    model_config = examples(
        {"choice": "server"},
        {"choice": "custom", "value": "Trouver une formation de cariste"},
    )

    choice: Literal["server", "incoming", "custom"]
    value: Any = None
    """Only for `custom`: the value to keep, in the field's JSON form."""


class PersonSummary(BaseModel):
    model_config = examples(
        {
            "id": _PERSON_ID,
            "display_name": "Mohamed BENYAHIA",
            "birth_year": 1987,
            "age": 38,
            "phone_masked": "•• •• •• •• 21",
            "qpv_code": "QN0600102",
            "qpv_name": "Les Hauts de Creil",
            "contact_count": 3,
            "status": "in_contact",
            "status_label": "En contact",
            "merged_into": None,
        }
    )

    id: str
    display_name: str
    birth_year: int | None
    age: int | None
    phone_masked: str | None
    """Every digit hidden except the last two."""
    qpv_code: str | None
    qpv_name: str | None
    contact_count: int
    status: str | None
    status_label: str | None
    merged_into: str | None


class DuplicatePair(BaseModel):
    a: PersonSummary
    b: PersonSummary
    score: int
    reasons: list[str]
    """French evidence, e.g. ["même téléphone", "même année de naissance"]."""


class DismissRequest(Request):
    person_a: str
    person_b: str


class MergeRequest(Request):
    """Merge the path's person (« a ») and `into` (« b »): `survivor` is the record
    kept (« b » unless said), `choices` the side each differing field is taken from
    (a field not named keeps the survivor's value)."""

    model_config = examples(
        {"into": _PERSON_ID},
        {"into": _PERSON_ID, "survivor": "a", "choices": {"phone": "b"}},
    )

    into: str
    # Plain strings: a wrong side or field gets the merge's own French reason (422).
    survivor: str = "b"
    choices: dict[str, str] = Field(default_factory=dict, max_length=50)
    # The versions the choices were made on (from …/compare): a record changed since
    # (a phone synced meanwhile) is refused with 409 rather than merged blind.
    a_version: int | None = None
    b_version: int | None = None


class FieldDifferenceOut(BaseModel):
    field: str
    label: str
    a: Any = None
    a_label: str
    b: Any = None
    b_label: str


class MergeCompareOut(BaseModel):
    """Two persons to merge and the fields where their records differ."""

    a: PersonSummary
    b: PersonSummary
    a_version: int
    b_version: int
    differences: list[FieldDifferenceOut]


class ReferentRequest(Request):
    model_config = examples({"mediator_id": _PERSON_ID})

    mediator_id: RowId


class MergeOut(BaseModel):
    person: PersonSummary
    into: PersonSummary | None
    merged_at: dt.datetime | None = None
    merged_by_name: str | None = None


class TimelineEntryOut(BaseModel):
    kind: str
    kind_label: str
    row_id: str
    when: str
    title: str
    detail: str
    author_name: str | None
    person_id: str | None = None
    """The person row the entry was logged on (differs for persons merged in)."""


class ReferentPeriodOut(BaseModel):
    name: str
    since: str
    until: str | None


class PathwayOut(BaseModel):
    person: PersonSummary
    merged_persons: list[PersonSummary]
    status: str
    status_label: str
    first_contact: str | None
    last_contact: str | None
    contact_count: int
    orientation_count: int
    referents: list[str]
    """Mediators' display names, most recent first."""
    referent_periods: list[ReferentPeriodOut] = []
    """The same mediators with their period: first and last contact (`until` None for
    the current référent)."""
    referent_id: str | None = None
    """The référent: chosen (`referent_chosen`), else the latest contact's mediator."""
    referent_name: str | None = None
    referent_chosen: bool = False
    exit_label: str | None
    exit_date: str | None
    timeline: list[TimelineEntryOut]
    open_followups: list[TimelineEntryOut]


class HeldChange(BaseModel):
    field: str
    current: Any = None
    proposed: Any = None


class HeldOpOut(BaseModel):
    """A revoked device's op waiting for a supervisor, with what it would change."""

    op_id: str
    entity: str
    row_id: str
    author: str
    device_name: str
    hlc: str
    received_at: dt.datetime
    row_exists: bool
    changes: list[HeldChange]


class HeldDecisionOut(BaseModel):
    op_id: str
    decision: Literal["accepted", "discarded"]
    outcome: str | None = Field(
        default=None, description="The merge's answer when accepted (applied, superseded...)."
    )
    reason: str | None = None
