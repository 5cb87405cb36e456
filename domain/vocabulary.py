"""The domain model's vocabulary (docs/architecture.md §2.1): closed lists with their
French labels.

Enum values are ASCII slugs (stored, synced); `.label` is what a person reads.
"""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A StrEnum whose members carry a French label, declared as `_labels`."""

    @property
    def label(self) -> str:
        labels: dict[str, str] = getattr(type(self), "_LABELS", {})
        return labels.get(self.value, self.value)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


def _with_labels(cls: type[Labelled], labels: dict[str, str]) -> None:
    missing = {m.value for m in cls} - labels.keys()
    assert not missing, f"{cls.__name__} lacks labels for {missing}"
    cls._LABELS = labels  # type: ignore[attr-defined]


class Role(Labelled):
    MEDIATOR = "mediator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    # A conseiller of one partner structure (Mission Locale, France Travail…): sees
    # only the orientations addressed to that structure, in the console.
    PARTNER = "partner"


_with_labels(
    Role,
    {
        "mediator": "Médiateur",
        "supervisor": "Superviseur",
        "admin": "Administrateur",
        "partner": "Partenaire",
    },
)


class PartnerType(Labelled):
    FRANCE_TRAVAIL = "france_travail"
    MISSION_LOCALE = "mission_locale"
    CAP_EMPLOI = "cap_emploi"
    PLIE = "plie"
    CCAS = "ccas"
    CAF = "caf"
    E2C = "e2c"
    EPIDE = "epide"
    CIDFF = "cidff"
    ASSOCIATION = "association"
    TRAINING = "training"
    COMPANY = "company"
    OTHER = "other"


_with_labels(
    PartnerType,
    {
        "france_travail": "France Travail",
        "mission_locale": "Mission Locale",
        "cap_emploi": "Cap emploi",
        "plie": "PLIE",
        "ccas": "CCAS",
        "caf": "CAF",
        "e2c": "E2C",
        "epide": "EPIDE",
        "cidff": "CIDFF",
        "association": "Association",
        "training": "Organisme de formation",
        "company": "Entreprise",
        "other": "Autre",
    },
)


class EventType(Labelled):
    FOOT_OF_BUILDING = "foot_of_building"
    DROP_IN = "drop_in"
    FORUM = "forum"
    WORKSHOP = "workshop"
    DOOR_TO_DOOR = "door_to_door"
    OTHER = "other"


_with_labels(
    EventType,
    {
        "foot_of_building": "Pied d'immeuble",
        "drop_in": "Permanence",
        "forum": "Forum / job dating",
        "workshop": "Atelier",
        "door_to_door": "Porte-à-porte",
        "other": "Autre",
    },
)


class Axis(Labelled):
    IDENTIFY = "identify"
    REACH_OUT = "reach_out"
    INNOVATE = "innovate"


_with_labels(
    Axis,
    {
        "identify": "Recenser et fédérer",
        "reach_out": "Aller-vers et raccrocher",
        "innovate": "Innover",
    },
)


class Channel(Labelled):
    FOOT_OF_BUILDING = "foot_of_building"
    DROP_IN = "drop_in"
    PHONE = "phone"
    APPOINTMENT = "appointment"
    ESCORT = "escort"


_with_labels(
    Channel,
    {
        "foot_of_building": "Pied d'immeuble",
        "drop_in": "Permanence",
        "phone": "Téléphone",
        "appointment": "Rendez-vous",
        "escort": "Accompagnement physique",
    },
)


class AgeBand(Labelled):
    UNDER_26 = "under_26"
    FROM_26_TO_49 = "26_49"
    FROM_50 = "50_plus"


_with_labels(
    AgeBand, {"under_26": "Moins de 26 ans", "26_49": "26–49 ans", "50_plus": "50 ans et plus"}
)


class Gender(Labelled):
    FEMALE = "f"
    MALE = "m"
    OTHER = "other"
    UNKNOWN = "unknown"


_with_labels(Gender, {"f": "Femme", "m": "Homme", "other": "Autre", "unknown": "Non renseigné"})


class TriState(Labelled):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


_with_labels(TriState, {"yes": "Oui", "no": "Non", "unknown": "Ne sait pas"})


class Frein(Labelled):
    MOBILITY = "mobility"
    FRENCH = "french"
    LITERACY = "literacy"
    CHILDCARE = "childcare"
    HOUSING = "housing"
    HEALTH = "health"
    DIGITAL = "digital"
    ADMINISTRATIVE = "administrative"
    FINANCIAL = "financial"
    CONFIDENCE = "confidence"
    PROJECT = "project"
    QUALIFICATION = "qualification"


_with_labels(
    Frein,
    {
        "mobility": "Mobilité",
        "french": "Maîtrise du français (FLE)",
        "literacy": "Lecture-écriture-calcul",
        "childcare": "Garde d'enfants / contraintes familiales",
        "housing": "Logement",
        "health": "Santé",
        "digital": "Numérique",
        "administrative": "Difficultés administratives",
        "financial": "Difficultés financières",
        "confidence": "Remobilisation / confiance en soi",
        "project": "Projet professionnel",
        "qualification": "Qualification / formation",
    },
)


class ReviewState(Labelled):
    RECEIVED = "received"
    TO_FIX = "to_fix"
    VALIDATED = "validated"
    REJECTED = "rejected"


_with_labels(
    ReviewState,
    {"received": "Reçu", "to_fix": "À corriger", "validated": "Validé", "rejected": "Rejeté"},
)


class FamilySituation(Labelled):
    SINGLE = "single"
    COUPLE = "couple"
    SINGLE_PARENT = "single_parent"
    COUPLE_WITH_CHILDREN = "couple_with_children"
    UNKNOWN = "unknown"


_with_labels(
    FamilySituation,
    {
        "single": "Seul·e sans enfant",
        "couple": "En couple sans enfant",
        "single_parent": "Parent isolé",
        "couple_with_children": "En couple avec enfant(s)",
        "unknown": "Non renseigné",
    },
)


class OrientationStatus(Labelled):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    APPOINTMENT = "appointment"
    ATTENDED = "attended"
    REFUSED = "refused"
    NO_FOLLOW_UP = "no_follow_up"


_with_labels(
    OrientationStatus,
    {
        "proposed": "Proposée",
        "accepted": "Acceptée",
        "appointment": "Rendez-vous pris",
        "attended": "Honorée",
        "refused": "Refusée",
        "no_follow_up": "Sans suite",
    },
)


class OrientationOutcome(Labelled):
    """What came of an orientation, as the partner, the person or the mediator reports
    it (the partners' answers on the server and the phone's « Résultat » share it)."""

    ATTENDED = "attended"
    MISSED = "missed"
    SUPPORT = "support"
    TRAINING = "training"
    IMMERSION = "immersion"
    EMPLOYMENT = "employment"
    NOT_ADMITTED = "not_admitted"
    DROPPED_OUT = "dropped_out"
    NO_FOLLOW_UP = "no_follow_up"

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


_with_labels(
    OrientationOutcome,
    {
        "attended": "Rendez-vous honoré",
        "missed": "Rendez-vous non honoré",
        "training": "Entrée en formation",
        "employment": "Emploi",
        "support": "Accompagnement engagé",
        "immersion": "Immersion en entreprise (PMSMP)",
        "not_admitted": "Non retenu·e par le partenaire",
        "dropped_out": "Abandon",
        "no_follow_up": "Sans suite",
    },
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

    NOT_ELIGIBLE = "not_eligible"
    ALREADY_FOLLOWED = "already_followed"
    UNREACHABLE = "unreachable"
    PERSON_DECLINED = "person_declined"
    NO_PLACE = "no_place"
    OTHER = "other"


_with_labels(
    DeclineReason,
    {
        "not_eligible": "Ne relève pas de notre structure",
        "already_followed": "Déjà accompagné·e par notre structure",
        "unreachable": "Personne injoignable",
        "person_declined": "La personne ne souhaite pas donner suite",
        "no_place": "Plus de place disponible",
        "other": "Autre motif",
    },
)


class PathwayStatus(Labelled):
    SPOTTED = "spotted"
    IN_CONTACT = "in_contact"
    ORIENTED = "oriented"
    SUPPORTED = "supported"
    EXITED = "exited"


_with_labels(
    PathwayStatus,
    {
        "spotted": "Repéré",
        "in_contact": "En contact",
        "oriented": "Orienté",
        "supported": "Accompagné",
        "exited": "Sorti",
    },
)


class ExitType(Labelled):
    CDI = "cdi"
    CDD_LONG = "cdd_6m_plus"
    CDD_SHORT = "cdd_under_6m"
    WORK_STUDY = "work_study"
    IAE = "iae"
    QUALIFYING_TRAINING = "qualifying_training"
    OTHER_TRAINING = "other_training"
    BUSINESS_CREATION = "business_creation"
    CIVIC_SERVICE = "civic_service"
    LOST_CONTACT = "lost_contact"
    MOVED = "moved"
    REFUSAL = "refusal"
    OTHER = "other"

    @property
    def positive(self) -> bool:
        """Positive exit as PLIE defines it (docs/architecture.md §2.1)."""
        return self in _POSITIVE_EXITS


_with_labels(
    ExitType,
    {
        "cdi": "CDI",
        "cdd_6m_plus": "CDD / intérim ≥ 6 mois",
        "cdd_under_6m": "CDD < 6 mois",
        "work_study": "Alternance",
        "iae": "IAE",
        "qualifying_training": "Formation qualifiante",
        "other_training": "Autre formation",
        "business_creation": "Création d'entreprise",
        "civic_service": "Service civique",
        "lost_contact": "Perdu de vue",
        "moved": "Déménagement",
        "refusal": "Refus",
        "other": "Autre",
    },
)

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
