"""The programme view: several cités' indicators side by side and consolidated,
aggregated only, under statistical secrecy (docs/architecture.md §5).

Each table has one column per cité and a last column « Ensemble » (the sum of the
cités' columns); a breakdown table also has a « Total » row (the sum of its rows).
Secrecy, as for the quarterly report (`domain.disclosure.protect_grid`):

- primary: a count from 1 to 4 is shown as "<5"; a true zero is shown as 0 (nothing
  to protect: no one is described by it);
- secondary: in every line that adds up (a row with its « Ensemble », a column with
  its « Total »), a single hidden cell could be recomputed from the sum; so the
  smallest other non-zero cell of that line is hidden too, and this is repeated
  until no line has exactly one hidden cell;
- a delay computed on fewer than 5 persons is hidden; delays do not add up.

Pure: the caller hands in each cité's `Indicators` and those of all cités together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.disclosure import (
    DELAY_NOTE,
    SUPPRESSED,
    THRESHOLD,
    Cell,
    protect_delay,
    protect_grid,
)
from domain.indicators import Count, Indicators

TOTAL_LABEL = "Ensemble"
PROGRAMME_NOTE = (
    f"Secret statistique : une valeur de 1 à {THRESHOLD - 1} est remplacée par "
    f"« {SUPPRESSED} » (un zéro reste 0) ; quand une seule case d'une ligne ou d'une "
    "colonne qui s'additionne est masquée, la plus petite autre case l'est aussi, pour "
    "qu'elle ne puisse pas être recalculée depuis le total. " + DELAY_NOTE
)


@dataclass(frozen=True)
class ProgrammeRow:
    label: str
    cells: list[Cell]
    """One per cité, in the order of the cités, then the « Ensemble » cell."""


@dataclass(frozen=True)
class ProgrammeTable:
    title: str
    rows: list[ProgrammeRow]
    total: ProgrammeRow | None = None


# Key figures: each adds up across cités (a person belongs to one cité's records).
_KEY_FIGURES: tuple[tuple[str, str], ...] = (
    ("actions", "Actions de terrain"),
    ("contacts", "Contacts"),
    ("anonymous_contacts", "Contacts anonymes"),
    ("people_met", "Personnes rencontrées"),
    ("persons_spotted", "Personnes repérées (premier contact)"),
    ("persons_followed", "Personnes suivies"),
    ("orientations", "Orientations"),
    ("orientations_answered", "Orientations ayant reçu une réponse"),
    ("appointments_attended", "Rendez-vous honorés"),
    ("exits", "Sorties"),
    ("positive_exits", "Sorties positives"),
)


def _key_figures(cites: Sequence[Indicators], overall: Indicators) -> ProgrammeTable:
    rows = []
    for attr, label in _KEY_FIGURES:
        [cells] = protect_grid([[int(getattr(i, attr)) for i in cites]], with_total_row=False)
        rows.append(ProgrammeRow(label, cells))
    # Worded without « → »: the console's web font has no such glyph.
    first_contact = "Délai médian du premier contact à l'orientation (jours)"
    rows.append(
        ProgrammeRow(
            first_contact,
            [protect_delay(i.delay_median_days, i.delay_persons) for i in [*cites, overall]],
        )
    )
    appointment = "Délai médian de l'orientation au rendez-vous (jours)"
    rows.append(
        ProgrammeRow(
            appointment,
            [
                protect_delay(i.appointment_delay_median_days, i.appointment_delay_orientations)
                for i in [*cites, overall]
            ],
        )
    )
    return ProgrammeTable("Chiffres clés", rows)


def _breakdown(
    title: str, per_cite: Sequence[Sequence[Count]], *, with_total: bool = True
) -> ProgrammeTable:
    """Counts of each cité under one label list (labels in first-seen order; counts of
    one label added, e.g. two partners of the same kind in one cité)."""
    labels: list[str] = []
    for counts in per_cite:
        labels += [c.label for c in counts if c.label not in labels]
    values = [
        [sum(c.value for c in counts if c.label == label) for counts in per_cite]
        for label in labels
    ]
    grid = protect_grid(values, with_total_row=with_total) if labels else []
    rows = [ProgrammeRow(label, cells) for label, cells in zip(labels, grid, strict=False)]
    total = ProgrammeRow("Total", grid[-1]) if with_total and grid else None
    return ProgrammeTable(title, rows, total)


def programme_tables(cites: Sequence[Indicators], overall: Indicators) -> list[ProgrammeTable]:
    """The programme's tables; `cites` in display order, `overall` computed on all of
    their rows together (for the delays, which do not add up).

    Orientations are grouped by kind of partner (France Travail, Mission Locale…): each
    cité has its own structures, the kinds are shared. Exits by type are left out, as in
    the quarterly report: next to « Sorties positives » a hidden type could be recomputed.
    """
    outcomes = [[c for c in i.orientations_by_outcome or [] if c.key != "unknown"] for i in cites]
    return [
        _key_figures(cites, overall),
        _breakdown(
            "Orientations par type de partenaire", [i.orientations_by_partner for i in cites]
        ),
        _breakdown("Suites données aux orientations", outcomes),
        _breakdown("Actions de terrain par type", [i.actions_by_type for i in cites]),
        _breakdown("Contacts par axe", [i.contacts_by_axis for i in cites]),
        _breakdown("Freins (personnes concernées)", [i.freins for i in cites], with_total=False),
        _breakdown("Publics : tranche d'âge", [i.age_bands for i in cites]),
        _breakdown("Publics : genre", [i.genders for i in cites]),
        _breakdown("Publics : résidence en QPV", [i.qpv_residence for i in cites]),
    ]
