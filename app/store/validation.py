"""Checks run on every edit before anything is written, with French messages.

Values are normalised by `domain.entities.normalise_fields` (the same rule the
server applies); this module only turns its verdicts into sentences for the UI.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.store.models import InvalidValues
from domain.entities import (
    FIELD_MODELS,
    REQUIRED_ON_CREATE,
    FieldsError,
    date_problem,
    normalise_fields,
)
from domain.field_labels import field_label

_EMPTY: tuple[Any, ...] = (None, "", [])


def _normalise(entity: str, values: dict[str, Any]) -> dict[str, Any]:
    if entity not in FIELD_MODELS:
        raise InvalidValues(f"Type de fiche inconnu : {entity}")
    try:
        normalised = normalise_fields(entity, values)
    except FieldsError as exc:
        # The domain message reads "entity.field: reason".
        where, _, reason = str(exc).partition(": ")
        name = where.split(".", 1)[-1]
        if reason == "champ inconnu":
            message = f"Champ inconnu : {name}."
        else:
            message = f"Valeur invalide pour « {field_label(name)} »."
        error = InvalidValues(message)
        error.detail = str(exc)
        raise error from None
    # The server refuses the same dates: caught here, before anything is written.
    problem = date_problem(entity, normalised, dt.date.today())
    if problem is not None:
        where, _, reason = problem.partition(": ")
        error = InvalidValues(f"« {field_label(where.split('.', 1)[-1])} » : {reason}.")
        error.detail = problem
        raise error
    return normalised


def checked_create(entity: str, values: dict[str, Any]) -> dict[str, Any]:
    """The `set` of a create op: normalised, empty fields dropped, required ones present."""
    given = {k: v for k, v in values.items() if k != "deleted"}
    normalised = {k: v for k, v in _normalise(entity, given).items() if v is not None}
    missing = [f for f in REQUIRED_ON_CREATE[entity] if normalised.get(f) in _EMPTY]
    if missing:
        names = ", ".join(sorted(field_label(f) for f in missing))
        raise InvalidValues(f"Champs obligatoires manquants : {names}.")
    return normalised


def checked_update(entity: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Normalised changes; a required field may not be emptied."""
    normalised = _normalise(entity, changes)
    cleared = [f for f in REQUIRED_ON_CREATE[entity] if f in normalised and normalised[f] in _EMPTY]
    if cleared:
        names = ", ".join(sorted(field_label(f) for f in cleared))
        raise InvalidValues(f"Champ obligatoire, ne peut pas être vidé : {names}.")
    return normalised
