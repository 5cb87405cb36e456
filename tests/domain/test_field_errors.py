"""Invalid values read in French, and closed fields list their values (the console's
conflict screen picks among them; DESIGN §3)."""

from __future__ import annotations

from typing import Any

import pytest

from domain.entities import FieldsError, normalise_fields
from domain.field_labels import field_choices, french_error


def _error(entity: str, values: dict[str, Any]) -> str:
    with pytest.raises(FieldsError) as caught:
        normalise_fields(entity, values)
    return french_error(entity, caught.value)


@pytest.mark.parametrize(
    ("entity", "values", "message"),
    [
        (
            "person",
            {"ft_registration": "Autre"},
            "« Autre » n'est pas une valeur possible pour « Inscrit à France Travail » "
            "(Oui, Non, Ne sait pas).",
        ),
        ("person", {"phone": "abc"}, "« abc » n'a pas le format attendu pour « Téléphone »."),
        (
            "person",
            {"birth_date": "hier"},
            "« Date de naissance » attend une date (reçu « hier »).",
        ),
        ("person", {"declared_age": 3}, "« Âge déclaré » : au moins 14."),
        (
            "person",
            {"info_notice_given": "peut-être"},
            "« Notice d'information remise » attend oui ou non (reçu « peut-être »).",
        ),
        ("person", {"surnom": "x"}, "Champ inconnu : surnom."),
        ("contact", {"note": "x" * 501}, "« Note » : 500 caractères au plus."),
        (
            "orientation",
            {"outcome": "parti"},
            "« parti » n'est pas une valeur possible pour « Suite donnée » (Rendez-vous honoré, "
            "Rendez-vous non honoré, Accompagnement engagé, Entrée en formation, Immersion en "
            "entreprise (PMSMP), Emploi, Non retenu·e par le partenaire, Abandon, Sans suite).",
        ),
    ],
)
def test_invalid_values_read_in_french(entity: str, values: dict[str, Any], message: str) -> None:
    assert _error(entity, values) == message


def test_closed_fields_list_their_values() -> None:
    assert field_choices("person", "ft_registration") == (
        [("yes", "Oui"), ("no", "Non"), ("unknown", "Ne sait pas")],
        False,
    )
    freins = field_choices("person", "freins")
    assert freins is not None and freins[1] is True and ("mobility", "Mobilité") in freins[0]
    assert field_choices("person", "info_notice_given") == ([(True, "oui"), (False, "non")], False)
    assert field_choices("person", "phone") is None
    assert field_choices("person", "birth_date") is None
