"""The pathway's action forms: contact, orientation, relance, sortie.

Each form shows inline under the pathway; `on_close` hides it. Free text shows the
minimisation warning as it is typed; the contact form keeps a draft in the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from app.field.context import use_field, use_field_form
from app.store import LocalRow, StoreError
from app.ui.form_state import Form
from app.ui.format import parse_day
from app.ui.widgets import (
    banner,
    big_button,
    choice_chips,
    date_field,
    named_button,
    section,
    text_field,
    use_reveal,
    warning_for,
)
from domain.entities import FieldsError
from domain.minimisation import sensitivity_warning
from domain.vocabulary import AgeBand, Channel, ExitType, Frein, Gender, OrientationOutcome

if TYPE_CHECKING:
    from app.field.state.field_state import FieldState

DUE_CHOICES = (("1", "Demain"), ("7", "Dans 1 semaine"), ("30", "Dans 1 mois"))


def _buttons(on_close: Callable[[], None], submit: Callable[..., Any], prefix: str) -> ft.Control:
    return ft.Row(
        [
            big_button(
                "Annuler", key=f"{prefix}-cancel", filled=False, on_click=lambda _: on_close()
            ),
            big_button("Enregistrer", key=f"{prefix}-save", on_click=submit),
        ],
        spacing=12,
    )


def _use_error(scroll: ft.Ref[ft.Column] | None) -> tuple[str, Callable[[str], None]]:
    """Hook: the form's error message, scrolled into view when it shows (a message
    under the fold is never read)."""
    error, set_error = ft.use_state("")
    use_reveal(scroll, "form-error", error)
    return error, set_error


def _ending(error: str, *controls: ft.Control) -> list[ft.Control]:
    """The form's error, if any, right above its buttons."""
    return [*([banner(error, error=True, reveal_key="form-error")] if error else []), *controls]


def _then_close(
    act: Callable[[], object],
    on_close: Callable[[], None],
    set_error: Callable[[str], None],
    prefix: str = "",
) -> None:
    """Run the form's action and close it; a refusal stays shown in the form instead."""
    try:
        act()
    except (ValueError, StoreError, FieldsError) as exc:
        set_error(f"{prefix}{exc}")
        return
    on_close()


def _frame(title: str, controls: list[ft.Control]) -> ft.Control:
    return ft.Container(
        content=section(title, *controls),
        bgcolor=ft.Colors.INDIGO_50,
        border=ft.Border.all(2, ft.Colors.INDIGO_900),
        border_radius=10,
        padding=12,
    )


def _contact_fields(
    form: Form, keep: Callable[[str, Any], None], toggle: Callable[[str], None]
) -> list[ft.Control]:
    """Channel, need, note (with the minimisation warning as typed) and freins."""
    need, note = form["need"], form["note"]
    return [
        ft.Text("Canal", size=15, weight=ft.FontWeight.BOLD),
        # One answer, always set: tapping the chosen chip again keeps it.
        choice_chips(
            Channel.choices(),
            form["channel"],
            lambda v: keep("channel", v),
            key_prefix="c-channel",
        ),
        text_field("Besoin exprimé", need, lambda v: keep("need", v), key="c-need", max_length=280),
        *warning_for(need, sensitivity_warning(need)),
        text_field(
            "Note",
            note,
            lambda v: keep("note", v),
            key="c-note",
            multiline=True,
            max_length=500,
        ),
        *warning_for(note, sensitivity_warning(note)),
        ft.Text("Freins", size=15, weight=ft.FontWeight.BOLD),
        choice_chips(Frein.choices(), set(form["freins"]), toggle, key_prefix="c-frein"),
    ]


@ft.component
def ContactForm(
    person_id: str, on_close: Callable[[], None], scroll: ft.Ref[ft.Column] | None = None
) -> ft.Control:
    state = use_field()
    draft_key = f"contact:{person_id}"
    saved = state.view.draft(draft_key) or {}
    channels = {c.value for c in Channel}
    form = use_field_form(
        channel=saved["channel"]
        if saved.get("channel") in channels
        else state.default_contact_channel().value,
        need=str(saved.get("need", "")),
        note=str(saved.get("note", "")),
        freins=frozenset(saved.get("freins", [])),
    )
    error, set_error = _use_error(scroll)

    def keep(name: str, value: Any) -> None:
        form.set(name, value)
        draft = form.values()
        state.keep_draft(draft_key, {**draft, "freins": sorted(draft["freins"])})

    def toggle(v: str) -> None:
        freins = form["freins"]
        keep("freins", freins - {v} if v in freins else freins | {v})

    def cancel() -> None:
        state.store.clear_draft(draft_key)
        on_close()

    def save(_: ft.Event) -> None:
        values: dict[str, Any] = {"freins": sorted(form["freins"])} if form["freins"] else {}
        values.update({k: form[k].strip() for k in ("need", "note") if form[k].strip()})
        if not values:
            set_error("Indiquez au moins un besoin, une note ou un frein.")
            return
        try:
            state.add_contact(person_id, values, Channel(form["channel"]))
        except (StoreError, FieldsError) as exc:
            set_error(f"Non enregistré : {exc}")
            return
        state.store.clear_draft(draft_key)
        on_close()

    return _frame(
        "Nouveau contact",
        [*_contact_fields(form, keep, toggle), *_ending(error, _buttons(cancel, save, "c"))],
    )


def _theme_field(form: Form, themes: list[str]) -> ft.Control:
    """The partner's own thématiques when it lists some; typed otherwise."""
    if themes:
        return section(
            "Thématique",
            choice_chips(
                [(t, t) for t in themes],
                form["theme"],
                lambda t: form.set("theme", "" if t == form["theme"] else t),
                key_prefix="o-theme",
            ),
        )
    return text_field(
        "Thématique (ex. : emploi, formation)",
        form["theme"],
        form.setter("theme"),
        key="o-theme",
        max_length=280,
    )


def _keep_orientation(state: FieldState, person_id: str, orientation_id: str, form: Form) -> None:
    """Store the orientation: a new one, or the corrections of `orientation_id`."""
    if orientation_id:
        state.pathways.correct_orientation(
            orientation_id,
            {
                "partner_id": form["partner"],
                "theme": form["theme"].strip() or None,
                "reason": form["reason"].strip() or None,
            },
        )
    else:
        state.pathways.add_orientation(person_id, form["partner"], form["theme"], form["reason"])


@ft.component
def OrientationForm(
    person_id: str,
    on_close: Callable[[], None],
    orientation_id: str = "",
    scroll: ft.Ref[ft.Column] | None = None,
) -> ft.Control:
    """A new orientation, or (`orientation_id`) one corrected: partner, thématique, motif."""
    state = use_field()
    held = state.view.get("orientation", orientation_id) if orientation_id else None
    was = held.data if held else {}
    form = use_field_form(
        partner=str(was.get("partner_id") or ""),
        theme=str(was.get("theme") or ""),
        reason=str(was.get("reason") or ""),
    )
    error, set_error = _use_error(scroll)

    def save(_: ft.Event) -> None:
        if not form["partner"]:
            set_error("Choisissez la structure partenaire.")
            return
        _then_close(
            lambda: _keep_orientation(state, person_id, orientation_id, form),
            on_close,
            set_error,
            "Non enregistrée : ",
        )

    theme, reason = form["theme"], form["reason"]
    themes = state.pathways.partner_themes(form["partner"])

    def choose_partner(partner_id: str) -> None:
        form.set("partner", partner_id)
        if form["theme"] not in state.pathways.partner_themes(partner_id):
            form.set("theme", "")

    return _frame(
        "Corriger l'orientation" if orientation_id else "Nouvelle orientation",
        [
            ft.Text("Vers quelle structure ?", size=15),
            choice_chips(
                state.pathways.partner_choices(),
                form["partner"],
                choose_partner,
                key_prefix="o-partner",
            ),
            _theme_field(form, themes),
            text_field("Motif", reason, form.setter("reason"), key="o-reason", max_length=280),
            *warning_for(reason, sensitivity_warning(reason)),
            *warning_for(theme, sensitivity_warning(theme)),
            *_ending(error, _buttons(on_close, save, "o")),
        ],
    )


@ft.component
def FollowupForm(
    person_id: str, on_close: Callable[[], None], scroll: ft.Ref[ft.Column] | None = None
) -> ft.Control:
    state = use_field()
    form = use_field_form(day="", what="")
    error, set_error = _use_error(scroll)

    def pick(days: str) -> None:
        form.set("day", f"{dt.date.today() + dt.timedelta(days=int(days)):%d/%m/%Y}")

    def save(_: ft.Event) -> None:
        due = parse_day(form["day"])
        if due is None:
            set_error("Date invalide : choisissez une échéance ou tapez JJ/MM/AAAA.")
            return
        if due < dt.date.today():
            set_error("L'échéance ne peut pas être dans le passé.")
            return
        if not form["what"].strip():
            set_error("Indiquez l'objet de la relance.")
            return
        try:
            state.pathways.add_followup(person_id, due, form["what"])
        except (StoreError, FieldsError) as exc:
            set_error(f"Non enregistrée : {exc}")
            return
        on_close()

    day, what = form["day"], form["what"]
    chosen = next(
        (
            v
            for v, _ in DUE_CHOICES
            if day == f"{dt.date.today() + dt.timedelta(days=int(v)):%d/%m/%Y}"
        ),
        "",
    )
    return _frame(
        "Nouvelle relance",
        [
            choice_chips(DUE_CHOICES, chosen, pick, key_prefix="f-due"),
            date_field(
                "Échéance (JJ/MM/AAAA)",
                day,
                form.setter("day"),
                key="f-date",
                first=dt.date.today(),
                last=dt.date.today() + dt.timedelta(days=2 * 366),
            ),
            text_field(
                "Objet de la relance", what, form.setter("what"), key="f-what", max_length=280
            ),
            *warning_for(what, sensitivity_warning(what)),
            *_ending(error, _buttons(on_close, save, "f")),
        ],
    )


@ft.component
def ExitForm(
    person_id: str, on_close: Callable[[], None], scroll: ft.Ref[ft.Column] | None = None
) -> ft.Control:
    state = use_field()
    form = use_field_form(kind="", day=f"{dt.date.today():%d/%m/%Y}")
    error, set_error = _use_error(scroll)
    positive = [(e.value, e.label) for e in ExitType if e.positive]
    others = [(e.value, e.label) for e in ExitType if not e.positive]

    def save(_: ft.Event) -> None:
        when = parse_day(form["day"])
        if not form["kind"]:
            set_error("Choisissez le type de sortie.")
            return
        if when is None:
            set_error("Date invalide : tapez JJ/MM/AAAA.")
            return
        try:
            state.pathways.record_exit(person_id, form["kind"], when)
        except (StoreError, FieldsError) as exc:
            set_error(f"Non enregistrée : {exc}")
            return
        on_close()

    kind = form["kind"]
    return _frame(
        "Sortie du parcours",
        [
            ft.Text(
                "Sorties positives (au sens du PLIE)",
                size=15,
                weight=ft.FontWeight.BOLD,
                color=ft.Colors.GREEN_900,
            ),
            choice_chips(positive, kind, form.setter("kind"), key_prefix="x-type"),
            ft.Text("Autres sorties", size=15, weight=ft.FontWeight.BOLD),
            choice_chips(others, kind, form.setter("kind"), key_prefix="x-type"),
            date_field(
                "Date de sortie (JJ/MM/AAAA)",
                form["day"],
                form.setter("day"),
                key="x-date",
                first=dt.date.today() - dt.timedelta(days=5 * 366),
                last=dt.date.today(),
            ),
            *_ending(error, _buttons(on_close, save, "x")),
        ],
    )


def _anonymous_line(row: LocalRow, link: Callable[[str], None]) -> ft.Control:
    """An anonymous contact: when, age band, gender, channel, and « Rattacher »."""
    d = row.data
    when = dt.datetime.fromisoformat(str(d["occurred_at"])).astimezone()
    facts = [
        AgeBand(d["age_band"]).label if d.get("age_band") else "âge non renseigné",
        *([Gender(d["gender"]).label] if d.get("gender") else []),
        Channel(d["channel"]).label if d.get("channel") else "",
    ]
    text = f"{when:%d/%m à %H:%M} · {' · '.join(f for f in facts if f)}"
    return ft.Row(
        [
            ft.Text(text, size=15, expand=True),
            named_button(
                "Rattacher",
                f"Rattacher le contact du {when:%d/%m à %H:%M}",
                key=f"link-{row.id}",
                outlined=True,
                on_click=lambda _: link(row.id),
            ),
        ],
        vertical_alignment=ft.CrossAxisAlignment.CENTER,
    )


@ft.component
def LinkContactForm(
    person_id: str, on_close: Callable[[], None], scroll: ft.Ref[ft.Column] | None = None
) -> ft.Control:
    """Pick the anonymous contact this person was (counted at the building, met again)."""
    state = use_field()
    error, set_error = _use_error(scroll)
    anonymous = state.pathways.anonymous_contacts()

    def link(contact_id: str) -> None:
        _then_close(lambda: state.pathways.link_contact(contact_id, person_id), on_close, set_error)

    lines = [_anonymous_line(row, link) for row in anonymous]
    if not lines:
        lines.append(ft.Text("Aucun contact anonyme ces 60 derniers jours.", size=15))
    return _frame(
        "Rattacher un contact anonyme",
        [
            ft.Text("Quel contact compté sans nom était cette personne ?", size=15),
            *lines,
            *_ending(
                error,
                ft.Row(
                    [
                        big_button(
                            "Fermer", key="link-cancel", filled=False, on_click=lambda _: on_close()
                        )
                    ]
                ),
            ),
        ],
    )


@ft.component
def AppointmentForm(orientation_id: str, on_close: Callable[[], None]) -> ft.Control:
    state = use_field()
    form = use_field_form(day="")
    error, set_error = ft.use_state("")

    def save(_: ft.Event) -> None:
        day = parse_day(form["day"])
        if day is None:
            set_error("Date invalide : tapez JJ/MM/AAAA.")
            return
        _then_close(
            lambda: state.pathways.set_appointment(orientation_id, day), on_close, set_error
        )

    return _frame(
        "Rendez-vous chez le partenaire",
        [
            text_field(
                "Date du rendez-vous (JJ/MM/AAAA)", form["day"], form.setter("day"), key="ap-day"
            ),
            *([banner(error, error=True)] if error else []),
            _buttons(on_close, save, "ap"),
        ],
    )


@ft.component
def OutcomeForm(orientation_id: str, on_close: Callable[[], None]) -> ft.Control:
    """What came of the orientation: one tap records it."""
    state = use_field()
    error, set_error = ft.use_state("")

    def pick(value: str) -> None:
        _then_close(
            lambda: state.pathways.report_outcome(orientation_id, OrientationOutcome(value)),
            on_close,
            set_error,
        )

    return _frame(
        "Résultat de l'orientation",
        [
            choice_chips(OrientationOutcome.choices(), None, pick, key_prefix="oc"),
            *([banner(error, error=True)] if error else []),
            ft.Row(
                [big_button("Fermer", key="oc-cancel", filled=False, on_click=lambda _: on_close())]
            ),
        ],
    )


@ft.component
def WithdrawForm(orientation_id: str, on_close: Callable[[], None]) -> ft.Control:
    """« Retirer » asks first: a withdrawn orientation is no longer counted."""
    state = use_field()

    def withdraw(_: ft.Event) -> None:
        state.pathways.withdraw_orientation(orientation_id)
        on_close()

    return _frame(
        "Retirer cette orientation ?",
        [
            ft.Text("Elle ne sera plus comptée. « Annuler » la rétablit juste après.", size=15),
            ft.Row(
                [
                    big_button(
                        "Garder", key="wd-keep", filled=False, on_click=lambda _: on_close()
                    ),
                    big_button("Retirer l'orientation", key="wd-confirm", on_click=withdraw),
                ],
                spacing=12,
            ),
        ],
    )
