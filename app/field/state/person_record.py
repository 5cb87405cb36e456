"""A person's record as the phone shows and rectifies it (« Modifier la fiche »).

Pure (no Flet): the edit form's values, their checks with French messages, the
changes to send, and the facts the person screen lists; the draft restore and the
age check the new-person form shares. Changes are what the mediator changed since
the form opened, never the whole record: a colleague's edit pulled meanwhile to
another field is not overwritten (the server merges per field).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from app.ui.format import age_on, day, parse_day
from domain.entities import FieldsError, normalise_fields
from domain.vocabulary import FamilySituation, Gender, TriState

TEXT_FIELDS = ("first_name", "last_name", "birth_name", "phone", "email", "commune")
CHOICE_FIELDS = ("gender", "ft_registration", "mission_locale", "family_situation")
# What a person reads when a value does not fit the store's rule (closed lists first:
# docs/architecture.md §4.5).
INVALID: dict[str, str] = {
    "first_name": "Le prénom a 80 caractères au plus.",
    "last_name": "Le nom a 80 caractères au plus.",
    "birth_name": "Le nom de naissance a 80 caractères au plus.",
    "phone": "Le téléphone s'écrit avec 6 à 20 chiffres (espaces, points et + permis), "
    "par exemple 06 12 34 56 78.",
    "email": "L'adresse e-mail n'est pas valide (par exemple prenom.nom@exemple.fr).",
    "commune": "La commune a 80 caractères au plus.",
}


def draft_values(form: type[Any], draft: Mapping[str, Any]) -> dict[str, Any]:
    """The values of a saved draft that fit the form dataclass `form`: its fields, each
    of the type of its default (a draft is JSON kept across app updates)."""
    known = {f.name: type(getattr(form(), f.name)) for f in fields(form)}
    return {k: v for k, v in draft.items() if k in known and isinstance(v, known[k])}


def age_problem(age: str) -> str | None:
    """The French reason a declared age as typed is refused, or None (empty is fine)."""
    age = age.strip()
    if age and (not age.isdigit() or not 14 <= int(age) <= 100):
        return "L'âge doit être un nombre entre 14 et 100."
    return None


@dataclass(frozen=True)
class PersonEdit:
    """The edit form: text as typed, closed-list answers as slugs ("" = not given)."""

    first_name: str = ""
    last_name: str = ""
    birth_name: str = ""
    birth_date: str = ""
    """JJ/MM/AAAA as typed."""
    age: str = ""
    phone: str = ""
    email: str = ""
    commune: str = ""
    qpv: str = ""
    """Lives in a QPV: yes / no / unknown (`qpv_resident`)."""
    qpv_code: str = ""
    gender: str = ""
    ft_registration: str = ""
    mission_locale: str = ""
    family_situation: str = ""
    notice: bool = False

    @classmethod
    def from_person(cls, data: Mapping[str, Any]) -> PersonEdit:
        def text(name: str) -> str:
            value = data.get(name)
            return "" if value is None else str(value)

        qpv = text("qpv_resident") or (TriState.YES.value if data.get("qpv_code") else "")
        return cls(
            **{name: text(name) for name in TEXT_FIELDS + CHOICE_FIELDS},
            birth_date=day(data.get("birth_date")),
            age=text("declared_age"),
            qpv=qpv,
            qpv_code=text("qpv_code"),
            notice=bool(data.get("info_notice_given")),
        )

    # -- drafts (the app may be closed or locked mid-form) --------------------------
    def to_draft(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_draft(cls, draft: Any) -> PersonEdit | None:
        if not isinstance(draft, dict):
            return None
        return cls(**draft_values(cls, draft))

    def with_qpv(self, answer: str) -> PersonEdit:
        """Another QPV answer; which QPV is kept only while the answer is yes."""
        code = self.qpv_code if answer == TriState.YES.value else ""
        return replace(self, qpv=answer, qpv_code=code)

    # -- checks ---------------------------------------------------------------------
    def validate(self, today: dt.date | None = None) -> str | None:
        """The first problem, in French, or None."""
        today = today or dt.date.today()
        if not self.first_name.strip():
            return "Le prénom est obligatoire."
        for name in TEXT_FIELDS:
            value = getattr(self, name).strip()
            if value and not _fits(name, value):
                return INVALID[name]
        if self.birth_date.strip():
            birth = parse_day(self.birth_date)
            if birth is None:
                return "La date de naissance s'écrit JJ/MM/AAAA, par exemple 02/06/1990."
            if birth > today:
                return "La date de naissance ne peut pas être dans le futur."
            if not 14 <= age_on(birth, today) <= 100:
                return "La date de naissance donne un âge hors de 14 à 100 ans : vérifiez-la."
        return age_problem(self.age)

    # -- what is saved --------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """The record's fields as this form holds them (None: left empty)."""
        out: dict[str, Any] = {name: getattr(self, name).strip() or None for name in TEXT_FIELDS}
        out.update({name: getattr(self, name) or None for name in CHOICE_FIELDS})
        birth = parse_day(self.birth_date) if self.birth_date.strip() else None
        out["birth_date"] = birth.isoformat() if birth else None
        out["declared_age"] = int(self.age) if self.age.strip() else None
        out["qpv_resident"] = self.qpv or None
        yes = self.qpv == TriState.YES.value
        out["qpv_code"] = self.qpv_code if yes and self.qpv_code else None
        out["info_notice_given"] = self.notice
        return out

    def changes(self, base: PersonEdit, now: dt.datetime | None = None) -> dict[str, Any]:
        """The fields changed since the form opened on `base` (the op's `set`)."""
        before, after = base.values(), self.values()
        changed = {k: v for k, v in after.items() if v != before[k]}
        if {"qpv_resident", "qpv_code"} & changed.keys():
            # Sent together, so that a merge never pairs one phone's answer with
            # another phone's QPV.
            changed.update(qpv_resident=after["qpv_resident"], qpv_code=after["qpv_code"])
        if "info_notice_given" in changed:
            when = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
            changed["info_notice_at"] = when if self.notice else None
        return changed


REGISTERED = {"yes": "inscrit·e", "no": "non inscrit·e", "unknown": "ne sait pas"}
FOLLOWED = {"yes": "suivi·e", "no": "non suivi·e", "unknown": "ne sait pas"}


def _fits(name: str, value: str) -> bool:
    try:
        normalise_fields("person", {name: value})
    except FieldsError:
        return False
    return True


def _label(enum: Any, value: Any) -> str:
    try:
        return str(enum(value).label)
    except ValueError:
        return str(value)


def person_facts(
    data: Mapping[str, Any], qpv_names: Mapping[str, str], today: dt.date | None = None
) -> list[tuple[str, str, str]]:
    """(label, value, key) of what the record holds, for the person screen; empty
    fields are left out so that the pathway stays short on a phone."""
    today = today or dt.date.today()
    facts: list[tuple[str, str, str]] = []
    birth = data.get("birth_date")
    if birth:
        born = dt.date.fromisoformat(str(birth)[:10])
        facts.append(("Âge", f"{age_on(born, today)} ans (né·e le {born:%d/%m/%Y})", "pf-age"))
    elif data.get("declared_age") is not None:
        facts.append(("Âge", f"{data['declared_age']} ans (déclaré)", "pf-age"))
    if data.get("birth_name"):
        facts.append(("Nom de naissance", str(data["birth_name"]).upper(), "pf-birth-name"))
    for name, label in (("phone", "Téléphone"), ("email", "E-mail"), ("commune", "Commune")):
        if data.get(name):
            facts.append((label, str(data[name]), f"pf-{name}"))
    code = data.get("qpv_code")
    if code:
        facts.append(("QPV", qpv_names.get(str(code), str(code)), "pf-qpv"))
    elif data.get("qpv_resident"):
        answer = _label(TriState, data["qpv_resident"])
        facts.append(("Habite un QPV", answer, "pf-qpv"))
    if data.get("gender"):
        facts.append(("Genre", _label(Gender, data["gender"]), "pf-gender"))
    for name, label, answers in (
        ("ft_registration", "France Travail", REGISTERED),
        ("mission_locale", "Mission Locale", FOLLOWED),
    ):
        if data.get(name):
            facts.append((label, answers.get(str(data[name]), str(data[name])), f"pf-{name}"))
    if data.get("family_situation"):
        facts.append(("Famille", _label(FamilySituation, data["family_situation"]), "pf-family"))
    if data.get("info_notice_given"):
        when = day(data.get("info_notice_at"))
        facts.append(("Notice", f"remise le {when}" if when else "remise", "pf-notice"))
    return facts
