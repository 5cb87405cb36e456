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

from domain.entities import FIELD_MODELS
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
    "due_date": "Échéance",
    "what": "Objet",
    "done": "Faite",
    "ends_at": "Fin",
    "referent_id": "Référent·e",
    "appointment_date": "Date du rendez-vous",
    "outcome": "Résultat",
}


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field)


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
        try:
            return enum(value).label
        except ValueError:
            return str(value)
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
