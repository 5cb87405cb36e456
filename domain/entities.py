"""The synced entities and the fields an op may set on each.

Ops carry changed fields only, so every field here is optional; `REQUIRED_ON_CREATE`
says what a new row must carry. Values travel in their JSON form (dates as ISO
strings) so that the merge rule compares like with like on both sides.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from domain.periods import as_utc
from domain.vocabulary import (
    AgeBand,
    Axis,
    Channel,
    DeclineReason,
    EventType,
    ExitType,
    FamilySituation,
    Frein,
    Gender,
    OrientationOutcome,
    OrientationStatus,
    PathwayStatus,
    ReviewState,
    TriState,
)

EntityName = Literal["event", "contact", "person", "orientation", "followup"]
ENTITY_NAMES: tuple[EntityName, ...] = ("event", "person", "contact", "orientation", "followup")

_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
RowId = Annotated[str, StringConstraints(pattern=_UUID)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=280)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 .]{6,20}$")]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120, pattern=_EMAIL)]
QpvCode = Annotated[str, StringConstraints(pattern=r"^QN\d{7}$")]


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    deleted: bool | None = None


class EventFields(_Fields):
    type: EventType | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    """When the action ended (« Terminer l'action », or the real end of one logged
    after the fact); none while it runs."""
    place: ShortText | None = None
    qpv_code: QpvCode | None = None
    axis: Axis | None = None
    partner_ids: list[RowId] | None = None
    mediator_ids: list[RowId] | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> EventFields:
        # A time typed without its zone is UTC, as everywhere (a naive and an aware
        # time cannot be compared).
        if self.starts_at and self.ends_at and as_utc(self.ends_at) < as_utc(self.starts_at):
            raise ValueError("la fin de l'action est avant son début")
        return self


class PersonFields(_Fields):
    first_name: Name | None = None
    last_name: Name | None = None
    birth_name: Name | None = None
    birth_date: dt.date | None = None
    declared_age: Annotated[int, Field(ge=14, le=100)] | None = None
    phone: Phone | None = None
    email: Email | None = None
    commune: ShortText | None = None
    qpv_code: QpvCode | None = None
    qpv_resident: TriState | None = None
    """What the person answered to "habitez-vous un QPV ?" (which one, when known, is
    `qpv_code`): "no" is an answer, not a missing value (indicators count it)."""
    gender: Gender | None = None
    ft_registration: TriState | None = None
    mission_locale: TriState | None = None
    family_situation: FamilySituation | None = None
    info_notice_given: bool | None = None
    info_notice_at: dt.datetime | None = None
    freins: list[Frein] | None = None
    need: ShortText | None = None
    status: PathwayStatus | None = None
    exit_type: ExitType | None = None
    exit_date: dt.date | None = None
    merged_into: RowId | None = None
    referent_id: RowId | None = None
    """The mediator who is the person's référent (chosen: a mediator becomes it, or a
    supervisor names one); none: the pathway's latest contact tells who follows her."""


class ContactFields(_Fields):
    event_id: RowId | None = None
    person_id: RowId | None = None
    mediator_id: RowId | None = None
    occurred_at: dt.datetime | None = None
    channel: Channel | None = None
    age_band: AgeBand | None = None
    gender: Gender | None = None
    qpv_resident: TriState | None = None
    freins: list[Frein] | None = None
    need: ShortText | None = None
    note: Note | None = None
    info_notice_given: bool | None = None
    # Written by supervisors (review loop); a mediator's op may not set them.
    review_state: ReviewState | None = None
    review_comment: ShortText | None = None


class OrientationFields(_Fields):
    person_id: RowId | None = None
    partner_id: RowId | None = None
    theme: ShortText | None = None
    reason: ShortText | None = None
    date: dt.date | None = None
    status: OrientationStatus | None = None
    feedback_date: dt.date | None = None
    """The day the partner structure last answered (accepted, declined, a date, an outcome)."""
    appointment_date: dt.date | None = None
    """The person's appointment with the partner."""
    decline_reason: DeclineReason | None = None
    outcome: OrientationOutcome | None = None
    """What came of it (`feedback_date`: when it was reported)."""


class FollowupFields(_Fields):
    person_id: RowId | None = None
    mediator_id: RowId | None = None
    """The mediator who is to make the relance (its author, unless handed over)."""
    due_date: dt.date | None = None
    what: ShortText | None = None
    done: bool | None = None


FIELD_MODELS: dict[str, type[_Fields]] = {
    "event": EventFields,
    "person": PersonFields,
    "contact": ContactFields,
    "orientation": OrientationFields,
    "followup": FollowupFields,
}

REQUIRED_ON_CREATE: dict[str, frozenset[str]] = {
    "event": frozenset({"type", "starts_at"}),
    "person": frozenset({"first_name"}),
    "contact": frozenset({"occurred_at", "channel", "mediator_id"}),
    "orientation": frozenset({"person_id", "partner_id", "date", "status"}),
    "followup": frozenset({"person_id", "due_date", "what"}),
}

SUPERVISOR_ONLY_FIELDS: dict[str, frozenset[str]] = {
    "contact": frozenset({"review_state", "review_comment"}),
    # A merge hides a person from every phone's search: the supervisor's, from the
    # console, where it is journaled and can be undone (docs/architecture.md §3.13).
    "person": frozenset({"merged_into"}),
}

# Fields that reference another row of the same cité; the server checks them.
REFERENCE_FIELDS: dict[str, dict[str, str]] = {
    "contact": {"event_id": "event", "person_id": "person"},
    "orientation": {"person_id": "person"},
    "followup": {"person_id": "person"},
    "person": {"merged_into": "person"},
}


# A mediator may name only themself (« Devenir référent·e ») in these fields; a
# supervisor names anyone of the cité.
SELF_ONLY_FIELDS: dict[str, frozenset[str]] = {"person": frozenset({"referent_id"})}


class FieldsError(ValueError):
    """An op's fields do not fit its entity.

    `field`, `kind` (pydantic's error type), `value` and `context` say what was wrong,
    for the sentence a person reads (`domain.field_labels.french_error`); the message
    itself is the short reason after the field's path."""

    def __init__(
        self,
        message: str,
        *,
        field: str = "",
        kind: str = "",
        value: Any = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.field, self.kind, self.value = field, kind, value
        self.context = context or {}

    @classmethod
    def of(cls, error: Mapping[str, Any], *, where: str, field: str) -> FieldsError:
        """One of pydantic's errors, found at `where` (a path, for the message)."""
        return cls(
            f"{where}: {_reason(error)}",
            field=field,
            kind=error["type"],
            value=error.get("input"),
            context=dict(error.get("ctx") or {}),
        )


# NUL cannot be stored by PostgreSQL (text nor JSONB) and a lone UTF-16 surrogate
# cannot be encoded in UTF-8: both are refused up front, on every database alike.
_FORBIDDEN_CHARS = re.compile("[\x00\ud800-\udfff]")


def text_problem(values: Any, where: str = "") -> str | None:
    """Why some text in `values` (keys and strings, at any depth) cannot be stored,
    as "where: reason" in French; None when all of it can."""
    if isinstance(values, str):
        bad = _FORBIDDEN_CHARS.search(values)
        if bad is None:
            return None
        char = bad.group()
        what = "caractère nul (U+0000)" if char == "\x00" else "demi-caractère UTF-16 isolé"
        return f"{where or 'texte'}: {what} interdit"
    if isinstance(values, dict):
        for key, value in values.items():
            problem = text_problem(key, where) or text_problem(value, f"{where}.{key}".strip("."))
            if problem:
                return problem
    elif isinstance(values, list):
        for value in values:
            problem = text_problem(value, where)
            if problem:
                return problem
    return None


_FIXED_REASONS = {
    "extra_forbidden": "champ inconnu",
    "string_too_short": "ne peut pas être vide",
    "string_pattern_mismatch": "format invalide",
    "missing": "champ obligatoire manquant",
    "json_invalid": "JSON illisible",
}
# By the start of pydantic's error type, in this order (`string_too_long` and the other
# exact types above are looked up first).
_REASONS_BY_FAMILY = (
    (("date", "datetime"), "date invalide (format AAAA-MM-JJ, heure ISO 8601)"),
    (("int", "float"), "nombre entier attendu"),
    (("bool",), "oui/non attendu (true ou false)"),
    (("string",), "texte attendu"),
    (("list",), "liste attendue"),
    (("uuid",), "identifiant invalide"),
    (("dict", "model"), "objet JSON attendu"),
)


def _reason(error: Mapping[str, Any]) -> str:
    """Why a pydantic error refused a value, in a few French words."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):  # our own validators: already French
        return str(error["msg"]).split(", ", 1)[-1]
    if kind in _FIXED_REASONS:
        return _FIXED_REASONS[kind]
    if kind == "string_too_long":
        return f"trop long ({ctx.get('max_length')} caractères au plus)"
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "?")).replace(" or ", " ou ")
        return f"valeur inconnue (attendu : {expected})"
    if kind in ("greater_than_equal", "greater_than"):
        return f"trop petit (au moins {ctx.get('ge', ctx.get('gt'))})"
    if kind in ("less_than_equal", "less_than"):
        return f"trop grand (au plus {ctx.get('le', ctx.get('lt'))})"
    for prefixes, reason in _REASONS_BY_FAMILY:
        if kind.startswith(prefixes):
            return reason
    return "valeur invalide"


def normalise_fields(entity: str, values: dict[str, Any]) -> dict[str, Any]:
    """Validate an op's `set` and return it in canonical JSON form.

    Raises FieldsError with a readable reason (unknown field, bad value).
    """
    model = FIELD_MODELS.get(entity)
    if model is None:
        raise FieldsError(f"type de fiche inconnu : {entity!r}")
    problem = text_problem(values)
    if problem is not None:
        raise FieldsError(f"{entity}.{problem}")
    try:
        parsed = model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or entity
        field = str(first["loc"][0]) if first["loc"] else ""
        raise FieldsError.of(first, where=f"{entity}.{where}", field=field) from None
    # The fields the op set (extra fields are refused above), in JSON form: the same
    # as `model_dump(mode="json", include=set(values))`, without its per-call setup.
    out: dict[str, Any] = model.__pydantic_serializer__.to_python(
        parsed, mode="json", exclude_unset=True
    )
    return out


def record_person_id(entity: str, row_id: str, data: dict[str, Any]) -> str | None:
    """The person a record belongs to (the server's `person_id` column): a person's
    own id, or the `person_id` field of a contact, orientation or follow-up."""
    return row_id if entity == "person" else data.get("person_id")


def person_display_name(data: dict[str, Any]) -> str:
    parts = [data.get("first_name") or "", (data.get("last_name") or "").upper()]
    return " ".join(p for p in parts if p) or "(sans nom)"


# The programme (Cités de l'emploi) began in 2019: no record of it is older.
PROGRAMME_START = dt.date(2019, 1, 1)
_PLANNED_AHEAD = dt.timedelta(days=2 * 366)
_PAST_ONLY: dict[str, frozenset[str]] = {
    "contact": frozenset({"occurred_at"}),
    "orientation": frozenset({"date", "feedback_date"}),
    "person": frozenset({"exit_date", "info_notice_at"}),
}
_PLANNED: dict[str, frozenset[str]] = {
    "event": frozenset({"starts_at"}),
    "followup": frozenset({"due_date"}),
}


def date_problem(entity: str, values: dict[str, Any], today: dt.date) -> str | None:
    """Why a date of normalised `values` is not plausible, as "entity.field: reason";
    None when all are. What happened is dated between the programme's start and
    tomorrow (a day of margin for time zones); what is planned (an action, a
    relance), up to two years ahead; a birth date, from 1900 to today. A date far
    in the future would, among other things, keep a person from anonymisation."""
    checks: list[tuple[str, dt.date, dt.date]] = []
    tomorrow = today + dt.timedelta(days=1)
    for name in _PAST_ONLY.get(entity, frozenset()):
        checks.append((name, PROGRAMME_START, tomorrow))
    for name in _PLANNED.get(entity, frozenset()):
        checks.append((name, PROGRAMME_START, today + _PLANNED_AHEAD))
    if entity == "person":
        checks.append(("birth_date", dt.date(1900, 1, 1), today))
    for name, first, last in checks:
        value = values.get(name)
        if not isinstance(value, str):
            continue
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            return f"{entity}.{name}: date invalide"
        if not first <= day <= last:
            return (
                f"{entity}.{name}: date invraisemblable ({day.strftime('%d/%m/%Y')}),"
                f" attendue entre le {first.strftime('%d/%m/%Y')} et le {last.strftime('%d/%m/%Y')}"
            )
    return None
