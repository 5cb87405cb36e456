"""Data minimisation (docs/architecture.md §4.5): spot free text that looks sensitive.

A warning, not a block: the mediator reads it and rephrases. The lists are
deliberately short and folded (accents, case) so they catch the usual words.
"""

from __future__ import annotations

import re

from domain.matching import fold
from domain.vocabulary import Frein

_CATEGORIES: dict[str, tuple[str, ...]] = {
    "santé": (
        "malad",
        "handicap",
        "cancer",
        "diabet",
        "depress",
        "psychiatr",
        "hopital",
        "enceinte",
        "grossesse",
        "traitement",
        "medicament",
        "alcool",
        "drogue",
        "addict",
        "vih",
        "sida",
    ),
    "religion": (
        "musulman",
        "chretien",
        "juif",
        "religion",
        "mosquee",
        "eglise",
        "ramadan",
        "voile",
    ),
    "origine": ("origine", "ethni", "race", "sans papier", "clandestin", "immigre"),
    "judiciaire": (
        "prison",
        "detenu",
        "condamn",
        "casier",
        "garde a vue",
        "sursis",
        "tribunal",
        "spip",
    ),
}


def sensitive_categories(text: str | None) -> list[str]:
    """The categories of sensitive data `text` seems to contain, in French."""
    folded = fold(text)
    if not folded:
        return []
    padded = f" {folded} "
    found = []
    for category, stems in _CATEGORIES.items():
        if any(re.search(rf"\b{re.escape(stem)}", padded) for stem in stems):
            found.append(category)
    return found


def sensitivity_warning(text: str | None) -> str | None:
    found = sensitive_categories(text)
    if not found:
        return None
    return (
        f"Attention : ce texte semble contenir des données sensibles ({', '.join(found)}). "
        "Ne notez que ce qui est utile à l'orientation ; pour la santé, cochez seulement le frein."
    )


# Health is a special category (RGPD art. 9): a partner structure reads that frein only
# when its job is to act on it (disability and employment, social services).
_HEALTH_READERS = frozenset({"cap_emploi", "ccas"})


def freins_for_partner(freins: list[str], partner_type: str) -> list[str]:
    """The freins a partner structure of `partner_type` reads on an orientation it
    received: those noted on the person, the health one only where it is the
    structure's job (vocabulary order kept)."""
    noted = set(freins)
    return [
        f.value
        for f in Frein
        if f.value in noted and (f is not Frein.HEALTH or partner_type in _HEALTH_READERS)
    ]
