"""« Modifier la fiche »: rectify a person's record (docs/architecture.md §4.7), prefilled with what
the phone holds; the changed fields leave as one op at the next sync."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol, cast

import flet as ft

from app.field.context import use_field, use_field_form
from app.field.state.person_record import PersonEdit
from app.field.widgets.frame import screen
from app.field.widgets.nav import field_nav
from app.store import StoreError
from app.ui.widgets import (
    FAMILY_ANSWERS,
    FT_ANSWERS,
    GENDER_ANSWERS,
    ML_ANSWERS,
    QPV_ANSWERS,
    banner,
    big_button,
    choice_chips,
    date_field,
    section,
    text_field,
)
from domain.entities import FieldsError, person_display_name
from domain.vocabulary import TriState

if TYPE_CHECKING:
    from app.field.state.field_state import FieldState
    from app.store import LocalRow

NOTICE = "notice"


def draft_key(person_id: str) -> str:
    return f"person-edit:{person_id}"


def _birth_date(value: str, on_change: Callable[[str], None]) -> ft.Control:
    today = dt.date.today()
    return date_field(
        "Date de naissance (JJ/MM/AAAA)",
        value,
        on_change,
        key="pe-birth-date",
        first=today.replace(year=today.year - 110, day=1),
        last=today,
        # Most people met are of working age: the calendar starts 30 years back.
        opens_on=dt.date(today.year - 30, 1, 1),
    )


class Edit(Protocol):
    def __call__(self, **changes: Any) -> None: ...


def _text(
    form: PersonEdit, edit: Edit, label: str, attr: str, key: str, **extra: Any
) -> ft.Control:
    return text_field(label, getattr(form, attr), lambda v: edit(**{attr: v}), key=key, **extra)


def _identity(form: PersonEdit, edit: Edit) -> list[ft.Control]:
    """Names, birth date or age, and how to reach the person."""
    return [
        _text(form, edit, "Prénom *", "first_name", "pe-first"),
        _text(form, edit, "Nom d'usage", "last_name", "pe-last"),
        _text(form, edit, "Nom de naissance", "birth_name", "pe-birth-name"),
        _birth_date(form.birth_date, lambda v: edit(birth_date=v)),
        _text(
            form,
            edit,
            "Âge déclaré (si la date n'est pas connue)",
            "age",
            "pe-age",
            keyboard_type=ft.KeyboardType.NUMBER,
        ),
        _text(form, edit, "Téléphone", "phone", "pe-phone", keyboard_type=ft.KeyboardType.PHONE),
        _text(form, edit, "E-mail", "email", "pe-email", keyboard_type=ft.KeyboardType.EMAIL),
        _text(form, edit, "Commune", "commune", "pe-commune"),
    ]


def _situation(form: PersonEdit, toggle: Callable[[str], Any]) -> list[ft.Control]:
    """Gender, France Travail, Mission Locale, family: each answer one tap, a second
    tap on it clears it."""
    return [
        section(
            "Genre",
            choice_chips(GENDER_ANSWERS, form.gender, toggle("gender"), key_prefix="pe-gender"),
        ),
        section(
            "Inscrit à France Travail",
            choice_chips(
                FT_ANSWERS,
                form.ft_registration,
                toggle("ft_registration"),
                key_prefix="pe-ft",
            ),
        ),
        section(
            "Suivi par la Mission Locale",
            choice_chips(
                ML_ANSWERS,
                form.mission_locale,
                toggle("mission_locale"),
                key_prefix="pe-ml",
            ),
        ),
        section(
            "Situation familiale",
            choice_chips(
                FAMILY_ANSWERS,
                form.family_situation,
                toggle("family_situation"),
                key_prefix="pe-family",
            ),
        ),
    ]


def _opening(
    state: FieldState, person_id: str, row: LocalRow | None
) -> tuple[PersonEdit, PersonEdit]:
    """(What the record held when the form opened, the form): restored from the draft
    if the app was closed or locked mid-form."""
    saved = state.view.draft(draft_key(person_id)) or {}
    base = PersonEdit.from_draft(saved.get("base"))
    form = PersonEdit.from_draft(saved.get("form"))
    if base is not None and form is not None:
        return base, form
    fresh = PersonEdit.from_person(row.data if row else {})
    return fresh, fresh


def _qpv(
    form: PersonEdit,
    qpvs: list[tuple[str, str]],
    choose: Callable[[str], None],
    toggle: Callable[[str], Any],
) -> list[ft.Control]:
    """Whether the person lives in a QPV and, if so, which."""
    out = [
        section(
            "Habite un QPV",
            choice_chips(QPV_ANSWERS, form.qpv, choose, key_prefix="pe-qpv"),
        )
    ]
    if form.qpv == TriState.YES.value and qpvs:
        out.append(
            section(
                "Quel QPV ?",
                choice_chips(qpvs, form.qpv_code, toggle("qpv_code"), key_prefix="pe-qpv-code"),
            )
        )
    return out


def _refused(state: FieldState, person_id: str, base: PersonEdit, now: PersonEdit) -> str | None:
    """Store what changed since the form opened; the French reason if it is refused."""
    problem = now.validate()
    if problem:
        return problem
    try:
        state.pathways.update_person(person_id, now.changes(base))
    except (StoreError, FieldsError) as exc:
        return f"Non enregistré : {exc}"
    return None


def _ending(
    form: PersonEdit,
    error: str,
    flip_notice: Callable[[], None],
    leave: Callable[[], None],
    save: Callable[[ft.Event], None],
) -> list[ft.Control]:
    """The notice given, the error if any, and the form's buttons."""
    return [
        # A chip like the answers above (a bare checkbox is a 40 px target).
        choice_chips(
            [(NOTICE, "Notice d'information remise")],
            NOTICE if form.notice else None,
            lambda _: flip_notice(),
            key_prefix="pe-notice",
        ),
        *([banner(error, error=True)] if error else []),
        ft.Row(
            [
                big_button("Annuler", key="pe-cancel", filled=False, on_click=lambda _: leave()),
                big_button("Enregistrer", key="pe-save", on_click=save),
            ],
            spacing=12,
        ),
    ]


@ft.component
def PersonEditScreen() -> ft.Control:
    state = use_field()
    person_id = ft.use_route_params().get("id", "")
    row = state.view.get("person", person_id)
    back = f"/personne/{person_id}"

    base, restored = ft.use_memo(lambda: _opening(state, person_id, row), [])
    # Handlers read through `fields`, never this render's values (see form_state).
    fields = use_field_form(form=restored, error="")
    form = cast(PersonEdit, fields["form"])
    error = str(fields["error"])
    if row is None or row.data.get("merged_into"):
        return screen(
            "Modifier la fiche",
            [banner("Cette fiche n'est pas modifiable sur ce téléphone.", error=True)],
            bottom=field_nav("nav-persons"),
        )

    def latest() -> PersonEdit:
        return cast(PersonEdit, fields["form"])

    def keep(new: PersonEdit) -> None:
        state.keep_draft(draft_key(person_id), {"base": base.to_draft(), "form": new.to_draft()})
        fields.set("form", new)

    def edit(**changes: Any) -> None:
        # From the latest values: two keystrokes can arrive before a re-render.
        keep(replace(latest(), **changes))

    def toggle(attr: str) -> Any:
        # Tapping the chosen answer again clears it (a wrong answer can be removed).
        return lambda v: edit(**{attr: "" if v == getattr(latest(), attr) else v})

    def leave() -> None:
        state.store.clear_draft(draft_key(person_id))
        ft.context.page.navigate(back)

    def save(_: ft.Event) -> None:
        problem = _refused(state, person_id, base, latest())
        if problem:
            fields.set("error", problem)
            return
        state.carry_notice(back)
        leave()

    def choose_qpv(v: str) -> None:
        keep(latest().with_qpv("" if v == latest().qpv else v))

    qpvs = [(q.code, q.name) for q in state.referentials.qpvs] if state.referentials else []
    body: list[ft.Control] = [
        # Whose record, as the pathway names it (the form below may be changing it).
        ft.Text(person_display_name(row.data), size=17, weight=ft.FontWeight.BOLD),
        *_identity(form, edit),
        *_qpv(form, qpvs, choose_qpv, toggle),
        *_situation(form, toggle),
        *_ending(form, error, lambda: edit(notice=not latest().notice), leave, save),
    ]
    return screen("Modifier la fiche", body, bottom=field_nav("nav-persons"))
