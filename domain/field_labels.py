"""French names of synced fields and readable renderings of their values.

Supervisors read conflicts and a contact's history in plain language: "Canal :
Téléphone", not `channel: "phone"`. Enum values take their `.label`, read off the
field models of `domain.entities`, so a new closed list needs no change here.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Any

from domain.entities import FIELD_MODELS, FieldsError
from domain.vocabulary import Labelled

FIELD_LABELS: dict[str, str] = {
    "deleted": "Supprimé",
    "type": "Type",
    "starts_at": "Début",
    "place": "Lieu",
    "qpv_code": "QPV",
    "axis": "Axe",
    "partner_ids": "Partenaires présents",
    "mediator_ids": "Médiateurs présents",
    "first_name": "Prénom",
    "last_name": "Nom d'usage",
    "birth_name": "Nom de naissance",
    "birth_date": "Date de naissance",
    "declared_age": "Âge déclaré",
    "phone": "Téléphone",
    "email": "E-mail",
    "commune": "Commune",
    "gender": "Genre",
    "ft_registration": "Inscrit à France Travail",
    "mission_locale": "Suivi Mission Locale",
    "family_situation": "Situation familiale",
    "info_notice_given": "Notice d'information remise",
    "info_notice_at": "Notice remise le",
    "freins": "Freins",
    "need": "Besoin exprimé",
    "status": "Statut",
    "exit_type": "Type de sortie",
    "exit_date": "Date de sortie",
    "merged_into": "Fusionné dans",
    "event_id": "Action de terrain",
    "person_id": "Personne",
    "mediator_id": "Médiateur",
    "occurred_at": "Date du contact",
    "channel": "Canal",
    "age_band": "Tranche d'âge",
    "qpv_resident": "Résident QPV",
    "note": "Note",
    "review_state": "État de revue",
    "review_comment": "Commentaire de revue",
    "partner_id": "Structure partenaire",
    "theme": "Thématique",
    "reason": "Motif",
    "date": "Date",
    "feedback_date": "Date du retour partenaire",
    "appointment_date": "Date du rendez-vous",
    "decline_reason": "Motif du refus",
    "outcome": "Suite donnée",
    "due_date": "Échéance",
    "what": "Objet",
    "done": "Faite",
    "ends_at": "Fin",
    "referent_id": "Référent·e",
}


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field)


def field_noun(field: str) -> str:
    """The field's name inside a sentence or as a key of a document: « nom d'usage »,
    « inscrit à France Travail », « QPV » (an acronym keeps its capitals)."""
    label = field_label(field)
    first_word = label.split(" ", 1)[0]
    return label if first_word.isupper() else label[:1].lower() + label[1:]


ENTITY_LABELS = {
    "person": "Personne",
    "contact": "Contact",
    "event": "Action de terrain",
    "orientation": "Orientation",
    "followup": "Relance",
}


def entity_label(entity: str) -> str:
    return ENTITY_LABELS.get(entity, entity)


def _enum_of(entity: str, field: str) -> type[Labelled] | None:
    model = FIELD_MODELS.get(entity)
    info = model.model_fields.get(field) if model else None
    if info is None:
        return None
    pending: list[Any] = [info.annotation]
    while pending:  # unwrap Optional[...] and list[...]
        kind = pending.pop()
        if isinstance(kind, type) and issubclass(kind, Labelled):
            return kind
        if isinstance(kind, types.UnionType) or typing.get_origin(kind) in (typing.Union, list):
            pending.extend(typing.get_args(kind))
    return None


def _one(enum: type[Labelled] | None, value: Any) -> str:
    if value is None or value == "":
        return "(vide)"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if enum is not None:
        return enum.label_of(value) or str(value)
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return f"{moment:%d/%m/%Y}" if len(value) == 10 else f"{moment:%d/%m/%Y %H:%M}"
    return str(value)


def value_label(entity: str, field: str, value: Any, names: dict[str, str] | None = None) -> str:
    """A stored value as a person reads it; `names` maps ids (users, partners...) to names."""
    enum = _enum_of(entity, field)
    names = names or {}
    if isinstance(value, list):
        return ", ".join(names.get(v, _one(enum, v)) for v in value) or "(vide)"
    if isinstance(value, str) and value in names:
        return names[value]
    return _one(enum, value)


def field_choices(entity: str, field: str) -> tuple[list[tuple[Any, str]], bool] | None:
    """The values a closed field may take, with their labels, and whether it holds
    several (a list); None for a free field (text, date, number)."""
    model = FIELD_MODELS.get(entity)
    info = model.model_fields.get(field) if model else None
    if info is None:
        return None
    args = typing.get_args(info.annotation) or (info.annotation,)
    if bool in args:
        return [(True, "oui"), (False, "non")], False
    enum = _enum_of(entity, field)
    if enum is None:
        return None
    several = any(typing.get_origin(a) is list for a in args)
    return [(m.value, m.label) for m in enum], several


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def french_error(entity: str, error: FieldsError) -> str:
    """An invalid value as a person reads it: « maybe » n'est pas une valeur possible
    pour « Inscrit à France Travail » (Oui, Non, Ne sait pas). `entity` is empty for
    a request's own fields (the field is then named by its path)."""
    name = f"« {field_label(error.field)} »" if error.field else "la fiche"
    kind, ctx, shown = error.kind, error.context, _shown(error.value)
    if kind in _WHOLE_SENTENCES:
        return _WHOLE_SENTENCES[kind].format(name=name, field=error.field, value=shown)
    if kind in ("enum", "literal_error"):
        choices = field_choices(entity, error.field)
        allowed = (
            ", ".join(label for _, label in choices[0])
            if choices
            else str(ctx.get("expected", "")).replace(" or ", " ou ")
        )
        return f"« {shown} » n'est pas une valeur possible pour {name} ({allowed})."
    if kind in ("value_error", "assertion_error"):  # our own validators: already French
        return f"{name[0].upper()}{name[1:]} : {ctx.get('error', 'valeur impossible')}."
    if kind == "string_too_long":
        return f"{name} : {ctx.get('max_length')} caractères au plus."
    if kind in _BOUNDS:
        word, key = _BOUNDS[kind]
        return f"{name} : {word} {ctx.get(key)}."
    for prefixes, expected in _EXPECTED_BY_FAMILY:
        if kind.startswith(prefixes):
            return f"{name} attend {expected} (reçu « {shown} »)."
    return f"Valeur impossible pour {name}."


# By pydantic's error type: sentences that need only the field's name and the value.
_WHOLE_SENTENCES = {
    "extra_forbidden": "Champ inconnu : {field}.",
    "missing": "{name} est obligatoire.",
    "json_invalid": "Le corps de la requête n'est pas du JSON lisible.",
    "string_pattern_mismatch": "« {value} » n'a pas le format attendu pour {name}.",
    "string_too_short": "{name} ne peut pas être vide.",
    "list_type": "{name} attend une liste de valeurs.",
    "string_type": "{name} attend du texte.",
    "dict_type": "{name} attend un objet JSON.",
    "model_type": "{name} attend un objet JSON.",
}
_BOUNDS = {
    "greater_than_equal": ("au moins", "ge"),
    "greater_than": ("plus de", "gt"),
    "less_than_equal": ("au plus", "le"),
    "less_than": ("moins de", "lt"),
}
# By the start of the error type, in this order ("datetime" before "date").
_EXPECTED_BY_FAMILY = (
    (("bool",), "oui ou non"),
    (("datetime",), "une date et une heure"),
    (("date",), "une date"),
    (("int",), "un nombre entier"),
    (("float", "decimal"), "un nombre"),
    (("uuid",), "un identifiant"),
)
