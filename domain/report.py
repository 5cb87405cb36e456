"""The quarterly report as protected tables, the one source of the CSV and XLSX exports.

Every count goes through `domain.disclosure`. The exits by type are left out of the
report on purpose: next to the "sorties positives" figure, a single hidden positive
type could be recomputed from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.disclosure import (
    DELAY_NOTE,
    SUPPRESSED,
    THRESHOLD,
    Cell,
    protect_count,
    protect_delay,
    protect_table,
)
from domain.indicators import Count, Indicators

SUPPRESSION_NOTE = (
    f"Secret statistique : toute valeur de 1 à {THRESHOLD - 1} est remplacée par "
    f"« {SUPPRESSED} » (un zéro reste 0) ; quand une seule case d'un tableau est masquée, "
    "la plus petite autre case non nulle l'est aussi, pour qu'elle ne puisse pas être "
    "recalculée depuis le total. Les semaines et trimestres à venir sont laissés vides. "
    + DELAY_NOTE
)


@dataclass(frozen=True)
class ReportTable:
    title: str
    rows: list[tuple[str, Cell | None]]
    """`None`: a figure not known yet (a week still to come), shown as an empty cell."""
    total: Cell | None = None


def _table(
    title: str, counts: list[Count], *, with_total: bool = True, known: int | None = None
) -> ReportTable:
    """`known`: how many of the first counts are known; the rest are still to come."""
    known = len(counts) if known is None else known
    protected = protect_table([c.value for c in counts[:known]], with_total=with_total)
    cells: list[Cell | None] = [*protected.cells, *[None] * (len(counts) - known)]
    return ReportTable(
        title=title,
        rows=[(c.label, cell) for c, cell in zip(counts, cells, strict=True)],
        total=protected.total,
    )


def report_tables(ind: Indicators, *, today: dt.date | None = None) -> list[ReportTable]:
    """The protected tables; weeks starting after `today` (when given) are left empty."""
    key_figures = ReportTable(
        "Chiffres clés",
        [
            ("Actions de terrain", protect_count(ind.actions)),
            ("Contacts", protect_count(ind.contacts)),
            ("Contacts anonymes", protect_count(ind.anonymous_contacts)),
            ("Personnes rencontrées", protect_count(ind.people_met)),
            ("Personnes repérées (premier contact)", protect_count(ind.persons_spotted)),
            ("Personnes suivies", protect_count(ind.persons_followed)),
            ("Orientations", protect_count(ind.orientations)),
            ("Sorties", protect_count(ind.exits)),
            ("Sorties positives", protect_count(ind.positive_exits)),
            (
                "Délai médian premier contact → orientation (jours)",
                protect_delay(ind.delay_median_days, ind.delay_persons),
            ),
            (
                "Délai moyen premier contact → orientation (jours)",
                protect_delay(ind.delay_mean_days, ind.delay_persons),
            ),
            ("Orientations ayant reçu une réponse", protect_count(ind.orientations_answered)),
            (
                "Délai médian orientation → rendez-vous (jours)",
                protect_delay(
                    ind.appointment_delay_median_days, ind.appointment_delay_orientations
                ),
            ),
            ("Rendez-vous honorés", protect_count(ind.appointments_attended)),
        ],
    )
    weeks = [
        Count(w.week_start.isoformat(), f"Semaine du {w.week_start:%d/%m/%Y}", w.contacts)
        for w in ind.weeks
    ]
    week_actions = [Count(c.key, c.label, w.actions) for c, w in zip(weeks, ind.weeks, strict=True)]
    known = sum(1 for w in ind.weeks if today is None or w.week_start <= today)
    return [
        key_figures,
        _table("Actions de terrain par type", ind.actions_by_type),
        _table("Actions de terrain par axe", ind.actions_by_axis),
        _table("Contacts par type d'action", ind.contacts_by_action_type),
        _table("Contacts par axe", ind.contacts_by_axis),
        _table("Orientations par partenaire", ind.orientations_by_partner),
        _table("Orientations par statut", ind.orientations_by_status),
        _table("Suites données aux orientations", ind.orientations_by_outcome or []),
        _table("Freins (personnes concernées)", ind.freins, with_total=False),
        _table("Publics : tranche d'âge", ind.age_bands),
        _table("Publics : genre", ind.genders),
        _table("Publics : résidence en QPV", ind.qpv_residence),
        _table("Publics : parent isolé", ind.single_parent),
        _table("Publics : inscription à France Travail", ind.ft_registration),
        _table("Contacts par semaine", weeks, known=known),
        _table("Actions de terrain par semaine", week_actions, known=known),
    ]
