from __future__ import annotations

import datetime as dt

from domain.matching import candidates, fold, person_keys, phone_key, phonetic
from domain.minimisation import sensitive_categories, sensitivity_warning

TODAY = dt.date(2026, 11, 22)


def test_folding_ignores_accents_case_and_punctuation() -> None:
    assert fold("  Aïcha N'DIAYE-Élodie ") == "aicha n diaye elodie"


def test_names_spelt_as_heard_share_a_phonetic_key() -> None:
    assert phonetic("Mohamed") == phonetic("Mohammed")
    assert phonetic("Kévin") == phonetic("Quevin")
    assert phonetic("Christophe") == phonetic("Kristof")
    assert phonetic("Nathalie") == phonetic("Natalie")
    assert phonetic("Mohamed") != phonetic("Mathieu")


def test_phone_numbers_in_any_format_agree() -> None:
    assert phone_key("+33 6 12 34 56 78") == phone_key("06.12.34.56.78") == "612345678"
    assert phone_key("12") == ""


def test_a_known_person_is_offered_with_readable_evidence() -> None:
    known = [
        person_keys(
            "p1",
            {"first_name": "Mohamed", "last_name": "Benali", "birth_date": "1990-05-01"},
            TODAY,
        ),
        person_keys(
            "p2", {"first_name": "Julie", "last_name": "Martin", "declared_age": 40}, TODAY
        ),
    ]
    new = person_keys(
        "new", {"first_name": "MOHAMMED", "last_name": "benali", "declared_age": 36}, TODAY
    )
    (match,) = candidates(new, known)
    assert match.other_id == "p1"
    assert "même nom" in match.reasons and "prénom qui se prononce pareil" in match.reasons
    assert "même année de naissance" in match.reasons


def test_birth_name_and_phone_count_as_evidence() -> None:
    known = [
        person_keys(
            "p1",
            {
                "first_name": "Sarah",
                "last_name": "Durand",
                "birth_name": "Kaci",
                "phone": "0612345678",
            },
            TODAY,
        )
    ]
    new = person_keys(
        "new", {"first_name": "Sara", "last_name": "Kaci", "phone": "+33612345678"}, TODAY
    )
    (match,) = candidates(new, known)
    assert {"même téléphone", "même nom"} <= set(match.reasons)


def test_a_same_first_name_alone_is_not_a_candidate() -> None:
    known = [
        person_keys("p1", {"first_name": "Julie", "last_name": "Martin", "declared_age": 30}, TODAY)
    ]
    new = person_keys(
        "new", {"first_name": "Julie", "last_name": "Bernard", "declared_age": 30}, TODAY
    )
    assert candidates(new, known) == []


def test_sensitive_free_text_is_spotted() -> None:
    assert sensitive_categories("Sort de prison, diabétique") == ["santé", "judiciaire"]
    assert sensitive_categories("Cherche un CDI en logistique, a le permis B") == []
    warning = sensitivity_warning("Suivi à l'hôpital")
    assert warning is not None and "santé" in warning
