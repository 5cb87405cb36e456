"""A person's record on the phone: what the new-person form keeps, and rectification
(« Modifier la fiche »), through FieldState on a real SQLite file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from app.field.screens.new_person import PersonForm
from app.field.state.field_state import FieldState
from app.field.state.person_record import PersonEdit, person_facts
from domain.sync import RowOut
from domain.vocabulary import EventType
from tests.factories import make_field_state

QPV = "QN0600101"
PERSON_ID = "01900000-0000-7000-8000-0000000000a1"


@pytest.fixture
def state(tmp_path: Path) -> Iterator[FieldState]:
    field_state = make_field_state(tmp_path)
    yield field_state
    field_state.store.close()


def _person(state: FieldState, person_id: str) -> dict[str, object]:
    row = state.store.get("person", person_id)
    assert row is not None
    return row.data


@pytest.mark.parametrize("answer", ["no", "unknown", "yes"])
def test_the_qpv_answer_of_a_new_person_is_kept_as_given(state: FieldState, answer: str) -> None:
    form = PersonForm(first_name="Inès", qpv=answer)
    person_id = state.save_person_with_contact(
        form.person_values(None), form.contact_values(), None
    )
    data = _person(state, person_id)
    assert data["qpv_resident"] == answer
    assert "qpv_code" not in data  # no action running: which QPV is not known


def test_yes_during_an_action_also_records_the_actions_qpv(state: FieldState) -> None:
    state.start_event({"type": EventType.FOOT_OF_BUILDING.value, "qpv_code": QPV})
    event = state.current_event()
    assert event is not None
    for answer, code in (("yes", QPV), ("no", None)):
        form = PersonForm(first_name="Inès", qpv=answer)
        qpv_code = form.qpv_code(event.data.get("qpv_code"), [QPV])
        person_id = state.save_person_with_contact(
            form.person_values(qpv_code), form.contact_values(), None
        )
        data = _person(state, person_id)
        assert (data["qpv_resident"], data.get("qpv_code")) == (answer, code)
    # A QPV outside the cité's referential is not recorded.
    assert PersonForm(qpv="yes").qpv_code("QN0000000", [QPV]) is None


def test_a_new_person_given_the_notice_records_when(state: FieldState) -> None:
    for notice in (True, False):
        form = PersonForm(first_name="Inès", notice=notice)
        person_id = state.save_person_with_contact(
            form.person_values(None), form.contact_values(), None
        )
        data = _person(state, person_id)
        assert data["info_notice_given"] is notice
        assert bool(data.get("info_notice_at")) is notice


# --- « Modifier la fiche » -------------------------------------------------------------


def _pulled_person(state: FieldState, version: int = 1, **data: object) -> str:
    values = {"first_name": "Inès", "last_name": "Haddad", **data}
    row = RowOut(entity="person", id=PERSON_ID, version=version, data=values)
    state.store.apply_pulled([row])
    return PERSON_ID


def _edit_form(state: FieldState, person_id: str) -> PersonEdit:
    return PersonEdit.from_person(_person(state, person_id))


def test_the_form_opens_with_the_records_values() -> None:
    data = {
        "first_name": "Inès",
        "last_name": "Haddad",
        "birth_name": "Benali",
        "birth_date": "1990-06-02",
        "phone": "06 12 34 56 78",
        "email": "ines@exemple.fr",
        "commune": "Creil",
        "qpv_code": QPV,
        "gender": "f",
        "ft_registration": "yes",
        "mission_locale": "no",
        "family_situation": "single_parent",
        "info_notice_given": True,
    }
    form = PersonEdit.from_person(data)
    assert (form.birth_date, form.qpv, form.qpv_code) == ("02/06/1990", "yes", QPV)
    assert form.notice is True
    saved = {k: v for k, v in form.values().items() if v is not None}
    assert saved == {**data, "qpv_resident": "yes"}  # a recorded QPV reads as "yes"
    assert form.changes(form) == {}


def test_only_the_changed_fields_leave_as_one_op(state: FieldState) -> None:
    person_id = _pulled_person(state, phone="06 00 00 00 00", gender="f")
    base = _edit_form(state, person_id)
    edited = replace(base, phone="07 11 22 33 44", family_situation="single_parent")

    assert state.pathways.update_person(person_id, edited.changes(base)) is True

    [op] = state.store.pending_ops(10)
    assert (op.entity, op.row_id) == ("person", person_id)
    assert dict(op.set) == {"phone": "07 11 22 33 44", "family_situation": "single_parent"}
    assert op.base_version == 1  # the server merges it field by field
    assert state.notice == "Fiche mise à jour."
    facts = {label: value for label, value, _ in person_facts(_person(state, person_id), {})}
    assert facts["Téléphone"] == "07 11 22 33 44"
    assert facts["Famille"] == "Parent isolé"
    [found] = state.store.search_persons("0711223344")  # the search index follows
    assert found.id == person_id


def test_a_colleagues_edit_pulled_meanwhile_is_not_overwritten(state: FieldState) -> None:
    person_id = _pulled_person(state, email="ines@exemple.fr")
    base = _edit_form(state, person_id)  # the mediator opens the form...
    _pulled_person(state, version=2, email="ines.haddad@exemple.fr")  # ...a sync lands
    edited = replace(base, phone="07 11 22 33 44")

    state.pathways.update_person(person_id, edited.changes(base))

    data = _person(state, person_id)
    assert (data["phone"], data["email"]) == ("07 11 22 33 44", "ines.haddad@exemple.fr")
    [op] = state.store.pending_ops(10)
    assert dict(op.set) == {"phone": "07 11 22 33 44"}


def test_nothing_changed_writes_nothing(state: FieldState) -> None:
    person_id = _pulled_person(state)
    base = _edit_form(state, person_id)
    assert state.pathways.update_person(person_id, replace(base, phone=" ").changes(base)) is False
    assert state.store.pending_ops(10) == []
    assert state.notice == "Aucune modification : la fiche est inchangée."


def test_clearing_answers_and_the_qpv_pair(state: FieldState) -> None:
    person_id = _pulled_person(state, qpv_code=QPV, birth_name="Benali", gender="f")
    base = _edit_form(state, person_id)
    edited = replace(base.with_qpv("no"), birth_name="", gender="")
    assert edited.qpv_code == ""  # which QPV goes with the "yes"

    state.pathways.update_person(person_id, edited.changes(base))

    [op] = state.store.pending_ops(10)
    # The answer and the QPV travel together; emptied fields are cleared, not kept.
    assert dict(op.set) == {
        "qpv_resident": "no",
        "qpv_code": None,
        "birth_name": None,
        "gender": None,
    }
    data = _person(state, person_id)
    assert data.get("qpv_code") is None and data["qpv_resident"] == "no"


def test_the_notice_date_is_set_when_the_notice_is_given() -> None:
    base = PersonEdit.from_person({"first_name": "Inès"})
    now = dt.datetime(2025, 3, 14, 9, 30, tzinfo=dt.UTC)
    given = replace(base, notice=True).changes(base, now)
    assert given == {"info_notice_given": True, "info_notice_at": "2025-03-14T09:30:00+00:00"}
    assert replace(base, birth_date="02/06/1990", age="34").changes(base) == {
        "birth_date": "1990-06-02",
        "declared_age": 34,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"first_name": "  "}, "Le prénom est obligatoire."),
        ({"phone": "06-12"}, "Le téléphone s'écrit avec 6 à 20 chiffres"),
        ({"email": "ines.exemple.fr"}, "L'adresse e-mail n'est pas valide"),
        ({"birth_date": "31/02/1990"}, "La date de naissance s'écrit JJ/MM/AAAA"),
        ({"birth_date": "01/01/2030"}, "La date de naissance ne peut pas être dans le futur."),
        ({"birth_date": "01/01/2020"}, "La date de naissance donne un âge hors de 14 à 100 ans"),
        ({"age": "9"}, "L'âge doit être un nombre entre 14 et 100."),
        ({"last_name": "x" * 81}, "Le nom a 80 caractères au plus."),
    ],
)
def test_the_checks_speak_french(change: dict[str, Any], message: str) -> None:
    form = replace(PersonEdit(first_name="Inès"), **change)
    problem = form.validate(today=dt.date(2025, 3, 14))
    assert problem is not None and problem.startswith(message)


def test_valid_values_pass_the_checks() -> None:
    form = PersonEdit(
        first_name="Inès",
        phone="+33 6 12 34 56 78",
        email="ines@exemple.fr",
        birth_date="02/06/1990",
        age="34",
    )
    assert form.validate(today=dt.date(2025, 3, 14)) is None


def test_a_draft_comes_back_and_junk_is_ignored() -> None:
    form = PersonEdit(first_name="Inès", phone="07", notice=True, family_situation="couple")
    assert PersonEdit.from_draft(form.to_draft()) == form
    assert PersonEdit.from_draft({"first_name": 3, "phone": "07", "x": "y"}) == PersonEdit(
        phone="07"
    )
    assert PersonEdit.from_draft(None) is None


def test_the_new_person_draft_comes_back_and_junk_is_ignored() -> None:
    form = PersonForm(first_name="Inès", age="34", freins=frozenset({"mobility"}), notice=True)
    assert PersonForm.from_draft(form.to_draft()) == form
    junk = {"first_name": 3, "phone": "07", "freins": "mobility", "x": "y"}
    assert PersonForm.from_draft(junk) == PersonForm(phone="07")
    assert PersonForm.from_draft(None) == PersonForm()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (PersonForm(first_name=" ", age="34"), "Le prénom est obligatoire."),
        (PersonForm(first_name="Inès", age="9"), "L'âge doit être un nombre entre 14 et 100."),
        (PersonForm(first_name="Inès", age="trente"), "L'âge doit être un nombre entre 14 et 100."),
        (PersonForm(first_name="Inès", age=" 34 "), None),
        (PersonForm(first_name="Inès"), None),
    ],
)
def test_the_new_person_checks(form: PersonForm, message: str | None) -> None:
    assert form.validate() == message


def test_the_person_screen_lists_what_the_record_holds() -> None:
    data = {
        "first_name": "Inès",
        "birth_date": "1990-06-02",
        "phone": "06 12 34 56 78",
        "qpv_resident": "no",
        "ft_registration": "yes",
        "mission_locale": "unknown",
        "info_notice_given": True,
        "info_notice_at": "2025-03-14T09:30:00+00:00",
    }
    facts = {label: value for label, value, _ in person_facts(data, {}, dt.date(2025, 3, 14))}
    assert facts == {
        "Âge": "34 ans (né·e le 02/06/1990)",
        "Téléphone": "06 12 34 56 78",
        "Habite un QPV": "Non",
        "France Travail": "inscrit·e",
        "Mission Locale": "ne sait pas",
        "Notice": "remise le 14/03/2025",
    }
    named = person_facts({"qpv_code": QPV}, {QPV: "Rouher"})
    assert [(label, value) for label, value, _ in named] == [("QPV", "Rouher")]
