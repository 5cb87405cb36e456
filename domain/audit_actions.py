"""The audit journal's vocabulary (docs/architecture.md §4.8): each action, its French
label and family.

Actions are dotted ASCII names stored in `audit_event.action`; what an administrator
reads is the label. Families group actions for the console's filter. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from domain.field_labels import field_label
from domain.vocabulary import DeclineReason, OrientationOutcome


@dataclass(frozen=True)
class Family:
    key: str
    label: str


FAMILIES: tuple[Family, ...] = (
    Family("read", "Consultations de fiches"),
    Family("export", "Exports et rapports"),
    Family("supervision", "Revue, conflits et doublons"),
    Family("partner", "Réponses des partenaires"),
    Family("rights", "Effacements et conservation"),
    Family("admin", "Comptes, appareils et référentiels"),
    Family("auth", "Connexions"),
    Family("audit", "Consultations du journal"),
)
OTHER = Family("other", "Autres")

# action → (French label, family key). A new journaled action belongs here.
ACTIONS: dict[str, tuple[str, str]] = {
    # Person-record reads: every console answer that shows names or a person's data.
    "person.read": ("Lecture d'une fiche personne", "read"),
    "persons.list": ("Liste ou recherche de personnes", "read"),
    "contacts.list": ("Liste des contacts", "read"),
    "contact.history": ("Historique d'un contact", "read"),
    "conflicts.list": ("Liste des conflits", "read"),
    "duplicates.list": ("Liste des doublons possibles", "read"),
    "merges.list": ("Liste des fusions récentes", "read"),
    "duplicate.compare": ("Comparaison de deux fiches avant fusion", "read"),
    "retention.upcoming": ("Liste des anonymisations à venir", "read"),
    "partner.orientations": ("Orientations reçues par un partenaire", "read"),
    "partner.orientation": ("Lecture d'une orientation par un partenaire", "read"),
    # Exports and report downloads.
    "person.export": ("Export des données d'une personne", "export"),
    "export.contacts_csv": ("Export CSV des contacts", "export"),
    "export.report_csv": ("Rapport trimestriel (CSV)", "export"),
    "export.report_xlsx": ("Rapport trimestriel (Excel)", "export"),
    "export.programme_xlsx": ("Rapport du programme (Excel)", "export"),
    "export.programme_pdf": ("Rapport du programme (PDF)", "export"),
    "indicators.read": ("Consultation des indicateurs", "export"),
    "programme.indicators": ("Consultation des indicateurs par un compte programme", "export"),
    "programme.export_xlsx": ("Tableau d'un compte programme (Excel)", "export"),
    "programme.report_xlsx": ("Rapport trimestriel d'un compte programme (Excel)", "export"),
    "programme.report_pdf": ("Rapport trimestriel d'un compte programme (PDF)", "export"),
    # Supervision: review, conflicts, duplicates.
    "review.validated": ("Validation d'un contact", "supervision"),
    "review.to_fix": ("Demande de correction d'un contact", "supervision"),
    "review.rejected": ("Refus d'un contact", "supervision"),
    "review.bulk_validated": ("Validation groupée de contacts", "supervision"),
    "review.bulk_undone": ("Annulation d'une validation groupée", "supervision"),
    "record.correct": ("Correction d'une fiche depuis la console", "supervision"),
    "conflict.resolve": ("Résolution d'un conflit", "supervision"),
    "duplicate.merge": ("Fusion de deux personnes", "supervision"),
    "duplicate.unmerge": ("Annulation d'une fusion", "supervision"),
    "duplicate.dismiss": ("Doublon écarté (personnes différentes)", "supervision"),
    # Partner structures' answers to orientations.
    "partner.answer": ("Réponse d'un partenaire à une orientation", "partner"),
    "held_ops.list": ("Liste des saisies d'appareils révoqués en attente", "read"),
    "held_op.accept": ("Saisie d'un appareil révoqué acceptée", "supervision"),
    "held_op.discard": ("Saisie d'un appareil révoqué écartée", "supervision"),
    "person.referent": ("Référent·e désigné·e pour une personne", "supervision"),
    # Rights and retention.
    "person.erase": ("Effacement d'une personne", "rights"),
    "retention.anonymise": ("Anonymisation (durée de conservation)", "rights"),
    "retention.run": ("Passage du traitement de conservation", "rights"),
    "settings.retention": ("Réglage de la durée de conservation", "rights"),
    # Administration.
    "users.list": ("Liste des comptes", "admin"),
    "devices.list": ("Appareils d'un compte", "admin"),
    "user.create": ("Création d'un compte", "admin"),
    "user.deactivate": ("Désactivation d'un compte", "admin"),
    "user.password_reset": ("Réinitialisation d'un mot de passe", "admin"),
    "device.revoke": ("Révocation d'un appareil", "admin"),
    "enrol.code_issued": ("Code d'enrôlement généré", "admin"),
    "enrol.redeemed": ("Téléphone enrôlé par code", "admin"),
    "qpv.save": ("Enregistrement d'un QPV", "admin"),
    "partner.create": ("Ajout d'un partenaire", "admin"),
    "partner.update": ("Modification d'un partenaire", "admin"),
    # Sessions.
    "auth.login": ("Connexion", "auth"),
    "auth.login_failed": ("Connexion refusée", "auth"),
    "auth.logout": ("Déconnexion", "auth"),
    # The journal itself.
    "audit.read": ("Consultation du journal d'audit", "audit"),
}

_FAMILY_BY_KEY = {f.key: f for f in FAMILIES}
assert all(fam in _FAMILY_BY_KEY for _, fam in ACTIONS.values()), "unknown family"

ENTITY_LABELS: dict[str, str] = {
    "person": "Personne",
    "contact": "Contact",
    "event": "Action de terrain",
    "orientation": "Orientation",
    "conflict": "Conflit",
    "user": "Compte",
    "device": "Appareil",
    "partner": "Partenaire",
    "qpv": "QPV",
    "cite": "Cité",
}

# Keys `detail` may carry, in display order, with how a person reads them ("{}" is the
# value). Any other key is not shown.
_DETAIL_FORMATS: dict[str, str] = {
    "period": "période {}",
    "qpv": "QPV {}",
    "page": "page {}",
    "count": "{} résultat(s)",
    "cites": "{} cité(s)",
    "rows": "{} ligne(s)",
    "into": "fusionnée dans {}",
    "with": "avec {}",
    "choice": "{}",
    "field": "champ {}",
    "role": "rôle {}",
    "user": "compte {}",
    "months": "{} mois",
    "anonymised": "{} anonymisée(s)",
    "search": "avec recherche",
    "filters": "filtres : {}",
    "fields": "champs : {}",
    "action": "{}",
    "value": "{}",
}
_CHOICES = {
    "server": "valeur enregistrée gardée",
    "incoming": "valeur reçue gardée",
    "custom": "valeur corrigée",
}
_FILTERS = {
    "mediator_id": "médiateur",
    "event_id": "action de terrain",
    "qpv": "QPV",
    "review_state": "état",
    "date_from": "date de début",
    "date_to": "date de fin",
    "actor": "qui",
    "action": "action",
    "family": "famille",
}
_ROLES = {
    "mediator": "médiateur",
    "supervisor": "superviseur",
    "admin": "administrateur",
    "partner": "partenaire",
    "programme": "programme",
}
_PARTNER_ACTIONS = {
    "accept": "acceptée",
    "decline": "refusée",
    "appointment": "date de rendez-vous",
    "outcome": "suite donnée",
}


def _answer_label(code: str) -> str:
    """A decline reason's or an outcome's French label (closed lists: no personal data)."""
    for enum in (DeclineReason, OrientationOutcome):
        if code in enum._value2member_map_:
            return str(enum(code).label)
    return code


def action_label(action: str) -> str:
    """The French label of `action`; an unknown action reads as itself."""
    known = ACTIONS.get(action)
    return known[0] if known else action


def family_of(action: str) -> Family:
    known = ACTIONS.get(action)
    return _FAMILY_BY_KEY[known[1]] if known else OTHER


def family_actions(key: str) -> list[str]:
    """Every action of family `key` (empty for an unknown key)."""
    return sorted(a for a, (_, fam) in ACTIONS.items() if fam == key)


def _short(row_id: str) -> str:
    return row_id if len(row_id) <= 12 else f"…{row_id[-8:]}"


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_QUARTER = re.compile(r"^(\d{4})-T([1-4])$")
_RANGE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})_(\d{4})-(\d{2})-(\d{2})$")


def period_text(slug: str) -> str:
    """A period slug (`2025-T1`, `2025-01-01_2025-02-15`) as a French reader writes it."""
    if m := _QUARTER.match(slug):
        return f"T{m[2]} {m[1]}"
    if m := _RANGE.match(slug):
        return f"du {m[3]}/{m[2]}/{m[1]} au {m[6]}/{m[5]}/{m[4]}"
    return slug


def _value(key: str, value: Any) -> str:
    if key == "period" and isinstance(value, str):
        return period_text(value)
    if key == "choice":
        return _CHOICES.get(str(value), str(value))
    if key == "role":
        return _ROLES.get(str(value), str(value))
    if key == "action":
        return _PARTNER_ACTIONS.get(str(value), str(value))
    if key == "value":
        return _answer_label(str(value))
    if key == "fields" and isinstance(value, list):
        return ", ".join(field_label(str(v)) for v in value)
    if key == "filters" and isinstance(value, list):
        return ", ".join(_FILTERS.get(str(v), str(v)) for v in value)
    if isinstance(value, dict):  # counts by entity
        return ", ".join(
            f"{ENTITY_LABELS.get(str(k), str(k)).lower()} {v}" for k, v in value.items()
        )
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and _UUID.match(value):
        return _short(value)
    return str(value)


def describe_object(entity: str | None, row_id: str | None, detail: dict[str, Any]) -> str:
    """What an event was about, in a short French line: "Personne …1a2b3c4d · page 2".

    Only ids and the whitelisted detail keys are shown; the journal holds no
    personal data, and this keeps it that way on screen.
    """
    parts: list[str] = []
    if entity or row_id:
        name = ENTITY_LABELS.get(entity or "", entity or "")
        parts.append(" ".join(p for p in (name, _short(row_id) if row_id else "") if p))
    for key, form in _DETAIL_FORMATS.items():
        value = detail.get(key)
        if value in (None, "", [], {}, False):
            continue
        if key == "rows" and isinstance(value, dict):
            form = "lignes : {}"
        parts.append(form.format(_value(key, value)))
    return " · ".join(parts) or "—"
