"""The audit journal's French vocabulary (domain.audit_actions)."""

from __future__ import annotations

from domain.audit_actions import (
    ACTIONS,
    FAMILIES,
    action_label,
    describe_object,
    family_actions,
    family_of,
    period_text,
)


def test_every_action_has_a_label_and_a_known_family() -> None:
    assert action_label("person.read") == "Lecture d'une fiche personne"
    assert family_of("person.read").label == "Consultations de fiches"
    assert {family_of(a).key for a in ACTIONS} == {f.key for f in FAMILIES}
    assert "person.export" in family_actions("export") and family_actions("nope") == []


def test_an_unknown_action_reads_as_itself() -> None:
    assert action_label("made.up") == "made.up"
    assert family_of("made.up").key == "other"


def test_object_line_shows_ids_and_whitelisted_details_only() -> None:
    assert describe_object(None, None, {}) == "—"
    person = "0192f0aa-0000-7000-8000-00000000abcd"
    line = describe_object("person", person, {"note": "Zéphyrine", "into": person})
    assert line == "Personne …0000abcd · fusionnée dans …0000abcd"
    assert describe_object(None, None, {"period": "2025-T1", "rows": 3, "qpv": None}) == (
        "période T1 2025 · 3 ligne(s)"
    )
    listed = {"page": 2, "count": 30, "search": True, "filters": ["qpv", "date_from"]}
    assert describe_object(None, None, listed) == (
        "page 2 · 30 résultat(s) · avec recherche · filtres : QPV, date de début"
    )
    erased = {"rows": {"person": 1, "contact": 2}}
    assert describe_object("person", "p1", erased) == "Personne p1 · lignes : personne 1, contact 2"
    assert describe_object(None, None, {"choice": "server", "role": "admin", "search": False}) == (
        "valeur enregistrée gardée · rôle administrateur"
    )


def test_period_text() -> None:
    assert period_text("2025-T4") == "T4 2025"
    assert period_text("2025-01-01_2025-02-15") == "du 01/01/2025 au 15/02/2025"
    assert period_text("autre") == "autre"
