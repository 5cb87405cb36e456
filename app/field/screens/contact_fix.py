"""Correcting a contact a supervisor sent back ("à corriger"), with their comment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.field.context import use_field, use_field_form
from app.field.widgets.flash import leave_to
from app.field.widgets.frame import screen
from app.field.widgets.nav import field_nav
from app.store import StoreError
from app.ui.form_state import Form
from app.ui.widgets import (
    banner,
    choice_chips,
    go_button,
    section,
    text_field,
    warning_for,
    wide_button,
)
from domain.entities import FieldsError
from domain.minimisation import sensitivity_warning
from domain.vocabulary import Channel, Frein


@ft.component
def ContactFixScreen() -> ft.Control:
    state = use_field()
    contact_id = ft.use_route_params().get("id", "")
    row = state.view.get("contact", contact_id)
    data = row.data if row else {}
    form = use_field_form(
        channel=str(data.get("channel") or ""),
        need=str(data.get("need") or ""),
        note=str(data.get("note") or ""),
        freins=frozenset(data.get("freins") or []),
    )
    error, set_error = ft.use_state("")
    if row is None:
        return screen(
            "Contact",
            [banner("Ce contact n'est pas sur ce téléphone.", error=True)],
            bottom=field_nav("nav-today"),
        )
    back = f"/personne/{data['person_id']}" if data.get("person_id") else "/"

    def toggle(v: str) -> None:
        freins = form["freins"]
        form.set("freins", freins - {v} if v in freins else freins | {v})

    def save(_: ft.Event) -> None:
        changes = _changes(form, data)
        if not changes:
            set_error("Rien n'a changé : modifiez le contact selon le commentaire.")
            return
        try:
            state.pathways.fix_contact(contact_id, changes)
        except (StoreError, FieldsError) as exc:
            set_error(f"Non enregistré : {exc}")
            return
        leave_to(state, back)

    person = state.person_name(data.get("person_id")) or "contact anonyme"
    body: list[ft.Control] = []
    if data.get("review_state") == "to_fix":
        body.append(
            banner(
                f"À corriger : {data.get('review_comment') or 'voir avec votre superviseur'}",
                error=True,
            )
        )
    body += [
        ft.Text(person, size=17, weight=ft.FontWeight.BOLD),
        *_fix_fields(form, toggle),
        *([banner(error, error=True)] if error else []),
        *_save_buttons(save, back),
    ]
    return screen("Corriger le contact", body, bottom=field_nav("nav-today"))


def _changes(form: Form, data: dict[str, Any]) -> dict[str, Any]:
    """What the correction changes in the contact as the phone holds it."""
    changes: dict[str, Any] = {
        "channel": form["channel"] or None,
        "need": form["need"].strip() or None,
        "note": form["note"].strip() or None,
        "freins": sorted(form["freins"]),
    }
    return {
        k: v for k, v in changes.items() if v != data.get(k) and not (v is None and k not in data)
    }


def _fix_fields(form: Form, toggle: Callable[[str], None]) -> list[ft.Control]:
    need, note = form["need"], form["note"]
    return [
        section(
            "Canal",
            choice_chips(
                Channel.choices(), form["channel"], form.setter("channel"), key_prefix="fix-channel"
            ),
        ),
        text_field("Besoin exprimé", need, form.setter("need"), key="fix-need", max_length=280),
        *warning_for(need, sensitivity_warning(need)),
        text_field(
            "Note", note, form.setter("note"), key="fix-note", multiline=True, max_length=500
        ),
        *warning_for(note, sensitivity_warning(note)),
        section(
            "Freins",
            choice_chips(Frein.choices(), set(form["freins"]), toggle, key_prefix="fix-frein"),
        ),
    ]


def _save_buttons(save: Callable[[ft.Event], None], back: str) -> list[ft.Control]:
    # Stacked: side by side on a phone, "Enregistrer la correction" would wrap and be cut off.
    return [
        wide_button("Enregistrer la correction", key="fix-save", on_click=save),
        go_button("Annuler", back, key="fix-cancel", icon=None, filled=False),
    ]
