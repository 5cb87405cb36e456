"""The domain model's vocabulary (docs/architecture.md §2.1): closed lists with their
French labels.

Enum values are ASCII slugs (stored, synced); `.label` is what a person reads.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class Labelled(StrEnum):
    """A closed list: each member is the slug that is stored and synced, declared
    together with the French label a person reads (`NAME = "slug", "Libellé"`)."""

    label: str

    # `label` defaults so that a lookup by value, `Role("admin")`, type-checks.
    def __new__(cls, value: str, label: str = "") -> Labelled:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]

    @classmethod
    def of(cls, value: object) -> Self | None:
        """The member of a stored value; None when it is empty or not (or no longer) in
        the list."""
        if not value:
            return None
        try:
            return cls(str(value))
        except ValueError:
            return None

    @classmethod
    def label_of(cls, value: object) -> str | None:
        """The label of a stored value; None when it is empty or not in the list."""
        member = cls.of(value)
        return None if member is None else member.label

    @classmethod
    def label_or_value(cls, value: str | None) -> str | None:
        """The label of a stored value; a value the list does not know (or no longer
        knows) is shown as it is, never hidden."""
        return cls.label_of(value) or value


class Role(Labelled):
    MEDIATOR = "mediator", "Médiateur"
    SUPERVISOR = "supervisor", "Superviseur"
    ADMIN = "admin", "Administrateur"
    # A conseiller of one partner structure (Mission Locale, France Travail…): sees
    # only the orientations addressed to that structure, in the console.
    PARTNER = "partner", "Partenaire"
    # A préfecture or ANCT correspondent: reads the aggregated indicators of the cités
    # it is attached to, side by side and consolidated; never a person.
    PROGRAMME = "programme", "Programme"


class PartnerType(Labelled):
    FRANCE_TRAVAIL = "france_travail", "France Travail"
    MISSION_LOCALE = "mission_locale", "Mission Locale"
    CAP_EMPLOI = "cap_emploi", "Cap emploi"
    PLIE = "plie", "PLIE"
    CCAS = "ccas", "CCAS"
    CAF = "caf", "CAF"
    E2C = "e2c", "E2C"
    EPIDE = "epide", "EPIDE"
    CIDFF = "cidff", "CIDFF"
    ASSOCIATION = "association", "Association"
    TRAINING = "training", "Organisme de formation"
    COMPANY = "company", "Entreprise"
    OTHER = "other", "Autre"


class EventType(Labelled):
    FOOT_OF_BUILDING = "foot_of_building", "Pied d'immeuble"
    DROP_IN = "drop_in", "Permanence"
    FORUM = "forum", "Forum / job dating"
    WORKSHOP = "workshop", "Atelier"
    DOOR_TO_DOOR = "door_to_door", "Porte-à-porte"
    OTHER = "other", "Autre"


class Axis(Labelled):
    IDENTIFY = "identify", "Recenser et fédérer"
    REACH_OUT = "reach_out", "Aller-vers et raccrocher"
    INNOVATE = "innovate", "Innover"


class Channel(Labelled):
    FOOT_OF_BUILDING = "foot_of_building", "Pied d'immeuble"
    DROP_IN = "drop_in", "Permanence"
    PHONE = "phone", "Téléphone"
    APPOINTMENT = "appointment", "Rendez-vous"
    ESCORT = "escort", "Accompagnement physique"


class AgeBand(Labelled):
    UNDER_26 = "under_26", "Moins de 26 ans"
    FROM_26_TO_49 = "26_49", "26–49 ans"
    FROM_50 = "50_plus", "50 ans et plus"


class Gender(Labelled):
    FEMALE = "f", "Femme"
    MALE = "m", "Homme"
    OTHER = "other", "Autre"
    UNKNOWN = "unknown", "Non renseigné"


class TriState(Labelled):
    YES = "yes", "Oui"
    NO = "no", "Non"
    UNKNOWN = "unknown", "Ne sait pas"


class Frein(Labelled):
    MOBILITY = "mobility", "Mobilité"
    FRENCH = "french", "Maîtrise du français (FLE)"
    LITERACY = "literacy", "Lecture-écriture-calcul"
    CHILDCARE = "childcare", "Garde d'enfants / contraintes familiales"
    HOUSING = "housing", "Logement"
    HEALTH = "health", "Santé"
    DIGITAL = "digital", "Numérique"
    ADMINISTRATIVE = "administrative", "Difficultés administratives"
    FINANCIAL = "financial", "Difficultés financières"
    CONFIDENCE = "confidence", "Remobilisation / confiance en soi"
    PROJECT = "project", "Projet professionnel"
    QUALIFICATION = "qualification", "Qualification / formation"


class ReviewState(Labelled):
    RECEIVED = "received", "Reçu"
    TO_FIX = "to_fix", "À corriger"
    VALIDATED = "validated", "Validé"
    REJECTED = "rejected", "Rejeté"


class FamilySituation(Labelled):
    SINGLE = "single", "Seul·e sans enfant"
    COUPLE = "couple", "En couple sans enfant"
    SINGLE_PARENT = "single_parent", "Parent isolé"
    COUPLE_WITH_CHILDREN = "couple_with_children", "En couple avec enfant(s)"
    UNKNOWN = "unknown", "Non renseigné"


class OrientationStatus(Labelled):
    PROPOSED = "proposed", "Proposée"
    ACCEPTED = "accepted", "Acceptée"
    APPOINTMENT = "appointment", "Rendez-vous pris"
    ATTENDED = "attended", "Honorée"
    REFUSED = "refused", "Refusée"
    NO_FOLLOW_UP = "no_follow_up", "Sans suite"


class OrientationOutcome(Labelled):
    """What came of an orientation, as the partner, the person or the mediator reports
    it (the partners' answers on the server and the phone's « Résultat » share it)."""

    ATTENDED = "attended", "Rendez-vous honoré"
    MISSED = "missed", "Rendez-vous non honoré"
    SUPPORT = "support", "Accompagnement engagé"
    TRAINING = "training", "Entrée en formation"
    IMMERSION = "immersion", "Immersion en entreprise (PMSMP)"
    EMPLOYMENT = "employment", "Emploi"
    NOT_ADMITTED = "not_admitted", "Non retenu·e par le partenaire"
    DROPPED_OUT = "dropped_out", "Abandon"
    NO_FOLLOW_UP = "no_follow_up", "Sans suite"

    @property
    def attended(self) -> bool:
        """The person came to the appointment (what « rendez-vous honorés » counts)."""
        return self in _ATTENDED_OUTCOMES

    @property
    def needs_action(self) -> bool:
        """The orienting mediator has to act (call the person back, orient again)."""
        return self in (
            OrientationOutcome.MISSED,
            OrientationOutcome.NOT_ADMITTED,
            OrientationOutcome.DROPPED_OUT,
            OrientationOutcome.NO_FOLLOW_UP,
        )


_ATTENDED_OUTCOMES = frozenset(
    {
        OrientationOutcome.ATTENDED,
        OrientationOutcome.TRAINING,
        OrientationOutcome.EMPLOYMENT,
        OrientationOutcome.SUPPORT,
        OrientationOutcome.IMMERSION,
    }
)


class DeclineReason(Labelled):
    """Why a partner structure declines an orientation."""

    NOT_ELIGIBLE = "not_eligible", "Ne relève pas de notre structure"
    ALREADY_FOLLOWED = "already_followed", "Déjà accompagné·e par notre structure"
    UNREACHABLE = "unreachable", "Personne injoignable"
    PERSON_DECLINED = "person_declined", "La personne ne souhaite pas donner suite"
    NO_PLACE = "no_place", "Plus de place disponible"
    OTHER = "other", "Autre motif"


class PathwayStatus(Labelled):
    SPOTTED = "spotted", "Repéré"
    IN_CONTACT = "in_contact", "En contact"
    ORIENTED = "oriented", "Orienté"
    SUPPORTED = "supported", "Accompagné"
    EXITED = "exited", "Sorti"


class ExitType(Labelled):
    CDI = "cdi", "CDI"
    CDD_LONG = "cdd_6m_plus", "CDD / intérim ≥ 6 mois"
    CDD_SHORT = "cdd_under_6m", "CDD < 6 mois"
    WORK_STUDY = "work_study", "Alternance"
    IAE = "iae", "IAE"
    QUALIFYING_TRAINING = "qualifying_training", "Formation qualifiante"
    OTHER_TRAINING = "other_training", "Autre formation"
    BUSINESS_CREATION = "business_creation", "Création d'entreprise"
    CIVIC_SERVICE = "civic_service", "Service civique"
    LOST_CONTACT = "lost_contact", "Perdu de vue"
    MOVED = "moved", "Déménagement"
    REFUSAL = "refusal", "Refus"
    OTHER = "other", "Autre"

    @property
    def positive(self) -> bool:
        """Positive exit as PLIE defines it (docs/architecture.md §2.1)."""
        return self in _POSITIVE_EXITS


_POSITIVE_EXITS = frozenset(
    {
        ExitType.CDI,
        ExitType.CDD_LONG,
        ExitType.WORK_STUDY,
        ExitType.BUSINESS_CREATION,
        ExitType.QUALIFYING_TRAINING,
    }
)


def age_band_for(age: int) -> AgeBand:
    if age < 26:
        return AgeBand.UNDER_26
    if age < 50:
        return AgeBand.FROM_26_TO_49
    return AgeBand.FROM_50
