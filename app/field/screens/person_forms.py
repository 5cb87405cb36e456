"""The pathway's action forms: contact, orientation, relance, sortie.

Each form shows inline under the pathway; `on_close` hides it. Free text shows the
minimisation warning as it is typed; the contact form keeps a draft in the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import flet as ft

from app.field.context import use_field
from app.store import StoreError
from app.ui.form_state import use_form
from app.ui.format import parse_day
from app.ui.widgets import (
    banner,
    big_button,
    choice_chips,
    icon_action,
    section,
    text_field,
    use_reveal,
    warning_for,
)
from domain.entities import FieldsError
from domain.minimisation import sensitivity_warning
from domain.vocabulary import AgeBand, Channel, ExitType, Frein, Gender, OrientationOutcome

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


def _frame(title: str, controls: list[ft.Control]) -> ft.Control:
    return ft.Container(
        content=section(title, *controls),
        bgcolor=ft.Colors.INDIGO_50,
        border=ft.Border.all(2, ft.Colors.INDIGO_900),
        border_radius=10,
        padding=12,
    )


def _date_field(
    label: str,
    value: str,
    on_change: Callable[[str], Any],
    *,
    key: str,
    first: dt.date,
    last: dt.date,
) -> ft.Control:
    """A date typed as JJ/MM/AAAA, or picked in Flutter's calendar (in French: the page's
    locale), whichever is handier."""

    def picked(e: ft.Event[ft.DatePicker]) -> None:
        chosen = e.control.value
        if isinstance(chosen, dt.datetime | dt.date):
            on_change(f"{chosen:%d/%m/%Y}")

    def open_calendar(_: ft.Event) -> None:
        shown = parse_day(value)
        start = (
            shown if shown is not None and first <= shown <= last else min(dt.date.today(), last)
        )
        ft.context.page.show_dialog(
            ft.DatePicker(
                value=dt.datetime.combine(start, dt.time()),
                first_date=dt.datetime.combine(first, dt.time()),
                last_date=dt.datetime.combine(last, dt.time()),
                help_text=label.split(" (")[0],
                on_change=picked,
            )
        )

    return ft.Row(
        [
            text_field(
                label,
                value,
                on_change,
                key=key,
                keyboard_type=ft.KeyboardType.DATETIME,
                expand=True,
            ),
            icon_action(
                ft.Icons.CALENDAR_MONTH,
                f"Calendrier : {label.split(' (')[0]}",
                key=f"{key}-calendar",
                on_click=open_calendar,
            ),
        ],
        spacing=4,
        vertical_alignment=ft.CrossAxisAlignment.START,
    )


@ft.component
def ContactForm(
    person_id: str, on_close: Callable[[], None], scroll: ft.Ref[ft.Column] | None = None
) -> ft.Control:
    state = use_field()
    draft_key = f"contact:{person_id}"
    saved = state.view.draft(draft_key) or {}
    channels = {c.value for c in Channel}
    form = use_form(
        channel=saved["channel"]
        if saved.get("channel") in channels
        else state.default_contact_channel().value,
        need=str(saved.get("need", "")),
        note=str(saved.get("note", "")),
        freins=frozenset(saved.get("freins", [])),
    )
    error, set_error = ft.use_state("")
    use_reveal(scroll, "form-error", error)

    def keep(name: str, value: Any) -> None:
        form.set(name, value)
        draft = form.values()
        state.store.save_draft(draft_key, {**draft, "freins": sorted(draft["freins"])})

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

    need, note = form["need"], form["note"]
    return _frame(
        "Nouveau contact",
        [
            ft.Text("Canal", size=15, weight=ft.FontWeight.BOLD),
            # One answer, always set: tapping the chosen chip again keeps it.
            choice_chips(
                Channel.choices(),
                form["channel"],
                lambda v: keep("channel", v),
                key_prefix="c-channel",
            ),
            text_field(
                "Besoin exprimé", need, lambda v: keep("need", v), key="c-need", max_length=280
            ),
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
            *([banner(error, error=True, reveal_key="form-error")] if error else []),
            _buttons(cancel, save, "c"),
        ],
    )


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
    form = use_form(
        partner=str(was.get("partner_id") or ""),
        theme=str(was.get("theme") or ""),
        reason=str(was.get("reason") or ""),
    )
    error, set_error = ft.use_state("")
    use_reveal(scroll, "form-error", error)

    def save(_: ft.Event) -> None:
        if not form["partner"]:
            set_error("Choisissez la structure partenaire.")
            return
        try:
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
                state.pathways.add_orientation(
                    person_id, form["partner"], form["theme"], form["reason"]
                )
        except (StoreError, FieldsError, ValueError) as exc:
            set_error(f"Non enregistrée : {exc}")
            return
        on_close()

    theme, reason = form["theme"], form["reason"]
    themes = state.pathways.partner_themes(form["partner"])

    def choose_partner(partner_id: str) -> None:
        form.set("partner", partner_id)
        if form["theme"] not in state.pathways.partner_themes(partner_id):
            form.set("theme", "")

    # The partner's own thématiques when it lists some; typed otherwise.
    theme_field: ft.Control = (
        section(
            "Thématique",
            choice_chips(
                [(t, t) for t in themes],
                theme,
                lambda t: form.set("theme", "" if t == form["theme"] else t),
                key_prefix="o-theme",
            ),
        )
        if themes
        else text_field(
            "Thématique (ex. : emploi, formation)",
            theme,
            form.setter("theme"),
            key="o-theme",
            max_length=280,
        )
    )
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
            theme_field,
            text_field("Motif", reason, form.setter("reason"), key="o-reason", max_length=280),
            *warning_for(reason, sensitivity_warning(reason)),
            *warning_for(theme, sensitivity_warning(theme)),
            *([banner(error, error=True, reveal_key="form-error")] if error else []),
            _buttons(on_close, save, "o"),
        ],
    )


@ft.component
def FollowupForm(
    person_id: str, on_close: Callable[[], None], scroll: ft.Ref[ft.Column] | None = None
) -> ft.Control:
    state = use_field()
    form = use_form(day="", what="")
    error, set_error = ft.use_state("")
    use_reveal(scroll, "form-error", error)

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
            _date_field(
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
            *([banner(error, error=True, reveal_key="form-error")] if error else []),
            _buttons(on_close, save, "f"),
        ],
    )


@ft.component
def ExitForm(
    person_id: str, on_close: Callable[[], None], scroll: ft.Ref[ft.Column] | None = None
) -> ft.Control:
    state = use_field()
    form = use_form(kind="", day=f"{dt.date.today():%d/%m/%Y}")
    error, set_error = ft.use_state("")
    use_reveal(scroll, "form-error", error)
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
            _date_field(
                "Date de sortie (JJ/MM/AAAA)",
                form["day"],
                form.setter("day"),
                key="x-date",
                first=dt.date.today() - dt.timedelta(days=5 * 366),
                last=dt.date.today(),
            ),
            *([banner(error, error=True, reveal_key="form-error")] if error else []),
            _buttons(on_close, save, "x"),
        ],
    )


@ft.component
def LinkContactForm(
    person_id: str, on_close: Callable[[], None], scroll: ft.Ref[ft.Column] | None = None
) -> ft.Control:
    """Pick the anonymous contact this person was (counted at the building, met again)."""
    state = use_field()
    error, set_error = ft.use_state("")
    use_reveal(scroll, "form-error", error)
    anonymous = state.pathways.anonymous_contacts()

    def link(contact_id: str) -> None:
        try:
            state.pathways.link_contact(contact_id, person_id)
        except (ValueError, StoreError, FieldsError) as exc:
            set_error(str(exc))
            return
        on_close()

    lines: list[ft.Control] = []
    for row in anonymous:
        d = row.data
        when = dt.datetime.fromisoformat(str(d["occurred_at"])).astimezone()
        facts = [
            AgeBand(d["age_band"]).label if d.get("age_band") else "âge non renseigné",
            *([Gender(d["gender"]).label] if d.get("gender") else []),
            Channel(d["channel"]).label if d.get("channel") else "",
        ]
        text = f"{when:%d/%m à %H:%M} · {' · '.join(f for f in facts if f)}"
        lines.append(
            ft.Row(
                [
                    ft.Text(text, size=15, expand=True),
                    # One accessible name per contact (not several « Rattacher »).
                    ft.Semantics(
                        label=f"Rattacher le contact du {when:%d/%m à %H:%M}",
                        button=True,
                        exclude_semantics=True,
                        on_tap=lambda _, cid=row.id: link(cid),
                        content=ft.OutlinedButton(
                            "Rattacher",
                            key=f"link-{row.id}",
                            height=48,
                            on_click=lambda _, cid=row.id: link(cid),
                        ),
                    ),
                ],
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            )
        )
    if not lines:
        lines.append(ft.Text("Aucun contact anonyme ces 60 derniers jours.", size=15))
    return _frame(
        "Rattacher un contact anonyme",
        [
            ft.Text("Quel contact compté sans nom était cette personne ?", size=15),
            *lines,
            *([banner(error, error=True, reveal_key="form-error")] if error else []),
            ft.Row(
                [
                    big_button(
                        "Fermer", key="link-cancel", filled=False, on_click=lambda _: on_close()
                    )
                ]
            ),
        ],
    )


@ft.component
def AppointmentForm(orientation_id: str, on_close: Callable[[], None]) -> ft.Control:
    state = use_field()
    form = use_form(day="")
    error, set_error = ft.use_state("")

    def save(_: ft.Event) -> None:
        day = parse_day(form["day"])
        if day is None:
            set_error("Date invalide : tapez JJ/MM/AAAA.")
            return
        try:
            state.pathways.set_appointment(orientation_id, day)
        except (ValueError, StoreError, FieldsError) as exc:
            set_error(str(exc))
            return
        on_close()

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
        try:
            state.pathways.report_outcome(orientation_id, OrientationOutcome(value))
        except (ValueError, StoreError, FieldsError) as exc:
            set_error(str(exc))
            return
        on_close()

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
