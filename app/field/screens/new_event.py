"""An action de terrain: start one now, log one after the fact with its real times, or
correct one (type, place, QPV, axe, partners, colleagues; times once it ended)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import flet as ft

from app.field.context import use_field, use_field_form
from app.field.widgets.flash import leave_to
from app.field.widgets.frame import screen
from app.store import LocalRow
from app.ui.form_state import Form
from app.ui.widgets import (
    banner,
    big_button,
    choice_chips,
    date_field,
    section,
    text_field,
    use_reveal,
)
from domain.entities import FieldsError
from domain.sync import ReferentialsOut
from domain.vocabulary import Axis, EventType, Role

if TYPE_CHECKING:
    from app.field.state.field_state import FieldState


def _local(iso: Any, fmt: str) -> str:
    return f"{dt.datetime.fromisoformat(str(iso)).astimezone():{fmt}}" if iso else ""


def _initial(row: LocalRow | None, past: bool) -> dict[str, Any]:
    """The form's values: the action's own when correcting one, else a fresh start."""
    if row is None:
        now = dt.datetime.now().astimezone()
        return {
            "kind": (EventType.DROP_IN if past else EventType.FOOT_OF_BUILDING).value,
            "place": "",
            "qpv": "",
            "axis": Axis.REACH_OUT.value,
            "partners": frozenset[str](),
            "colleagues": frozenset[str](),
            "day": f"{now:%d/%m/%Y}" if past else "",
            "start": "",
            "end": "",
        }
    d = row.data
    return {
        "kind": d.get("type") or EventType.FOOT_OF_BUILDING.value,
        "place": d.get("place") or "",
        "qpv": d.get("qpv_code") or "",
        "axis": d.get("axis") or "",
        "partners": frozenset(d.get("partner_ids") or []),
        "colleagues": frozenset(d.get("mediator_ids") or []),
        "day": _local(d.get("starts_at"), "%d/%m/%Y"),
        "start": _local(d.get("starts_at"), "%H:%M"),
        "end": _local(d.get("ends_at"), "%H:%M"),
    }


def _times(form: Form) -> list[ft.Control]:
    """The day and times of an action logged afterwards, or corrected once it ended."""
    return [
        date_field(
            "Date (JJ/MM/AAAA)",
            form["day"],
            form.setter("day"),
            key="ev-day",
            first=dt.date.today() - dt.timedelta(days=366),
            last=dt.date.today(),
        ),
        ft.Row(
            [
                ft.Container(
                    text_field(
                        "Début (HH:MM)", form["start"], form.setter("start"), key="ev-start"
                    ),
                    expand=True,
                ),
                ft.Container(
                    text_field("Fin (HH:MM)", form["end"], form.setter("end"), key="ev-end"),
                    expand=True,
                ),
            ],
            spacing=12,
        ),
    ]


def _choices(
    form: Form,
    qpvs: list[tuple[str, str]],
    partners: list[tuple[str, str]],
    colleagues: list[tuple[str, str]],
) -> list[ft.Control]:
    """QPV, axe, partners and colleagues present."""

    def present(title: str, field: str, choices: list[tuple[str, str]], prefix: str) -> ft.Control:
        """Several may be present: each tap adds or removes one."""

        def toggle(row_id: str) -> None:
            now = form[field]
            form.set(field, now - {row_id} if row_id in now else now | {row_id})

        return section(title, choice_chips(choices, set(form[field]), toggle, key_prefix=prefix))

    out = [
        section(
            "Quartier prioritaire (QPV)",
            choice_chips(
                qpvs,
                form["qpv"],
                lambda v: form.set("qpv", "" if v == form["qpv"] else v),
                key_prefix="ev-qpv",
            ),
        ),
        section(
            "Axe",
            choice_chips(Axis.choices(), form["axis"], form.setter("axis"), key_prefix="ev-axis"),
        ),
        present("Partenaires présents", "partners", partners, "ev-partner"),
    ]
    if colleagues:
        out.append(present("Collègues présents", "colleagues", colleagues, "ev-colleague"))
    return out


TITLES = {
    "new": ("Nouvelle action", "Démarrer l'action"),
    "past": ("Action passée", "Enregistrer l'action"),
    "edit": ("Corriger l'action", "Enregistrer les corrections"),
}
"""Each mode's screen title and submit button."""


def _store(
    state: FieldState,
    mode: str,
    event_id: str,
    values: dict[str, object],
    times: tuple[str, str, str] | None,
) -> None:
    """Start the action, log it after the fact (with its day and times), or correct it."""
    if mode == "new":
        state.start_event(values)
    elif mode == "past":
        # A past action's form always shows its day and times.
        state.record_past_event(values, *(times or ("", "", "")))
    else:
        state.update_event(event_id, values, times)


def _options(
    refs: ReferentialsOut | None, me: object
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """The QPVs, partners and colleagues to choose from."""
    if refs is None:
        return [], [], []
    # The mediator writing is present by definition: only the others.
    colleagues = [
        (m.id, m.display_name) for m in refs.members if m.role == Role.MEDIATOR and m.id != me
    ]
    return (
        [(q.code, q.name) for q in refs.qpvs],
        [(p.id, p.name) for p in refs.partners],
        colleagues,
    )


def _event_values(f: dict[str, Any], me: object, *, correcting: bool) -> dict[str, object]:
    """The event's fields from the form; a correction may clear the place and the QPV."""
    values: dict[str, object] = {
        "type": f["kind"],
        "partner_ids": sorted(f["partners"]),
        "mediator_ids": [me, *sorted(f["colleagues"] - {me})],
    }
    if f["axis"]:
        values["axis"] = f["axis"]
    if f["place"].strip() or correcting:
        values["place"] = f["place"].strip()
    if f["qpv"] or correcting:
        values["qpv_code"] = f["qpv"] or None
    return values


@ft.component
def EventFormScreen(mode: str = "new") -> ft.Control:
    """`mode`: "new" (starts now), "past" (logged after the fact), "edit" (the route's id)."""
    state = use_field()
    event_id = ft.use_route_params().get("id", "") if mode == "edit" else ""
    row = state.view.get("event", event_id) if event_id else None
    form = use_field_form(**_initial(row, mode == "past"))
    error, set_error = ft.use_state("")
    scroll = ft.use_memo(lambda: ft.Ref[ft.Column](), [])
    use_reveal(scroll, "ev-error", error)
    if mode == "edit" and row is None:
        return screen("Action", [banner("Action introuvable sur ce téléphone.", error=True)])
    # Times are typed for an action logged afterwards, or corrected once it ended.
    with_times = mode == "past" or (row is not None and bool(row.data.get("ends_at")))

    me = state.user.get("id")

    def submit(_: ft.Event) -> None:
        f = form.values()
        values = _event_values(f, me, correcting=row is not None)
        times = (f["day"], f["start"], f["end"]) if with_times else None
        try:
            _store(state, mode, event_id, values, times)
        except (FieldsError, ValueError) as exc:
            set_error(f"Action non enregistrée : {exc}")
            return
        leave_to(state, "/" if mode == "new" else "/actions")

    def cancel(_: ft.Event) -> None:
        ft.context.page.navigate("/" if mode == "new" else "/actions")

    times = _times(form) if with_times else []
    return screen(
        TITLES[mode][0],
        [
            section(
                "Type d'action",
                choice_chips(
                    EventType.choices(), form["kind"], form.setter("kind"), key_prefix="ev-type"
                ),
            ),
            *times,
            text_field(
                "Lieu (ex. : pied de la tour B, place du marché)",
                form["place"],
                form.setter("place"),
                key="ev-place",
                max_length=120,
            ),
            *_choices(form, *_options(state.referentials, me)),
            *([banner(error, error=True, reveal_key="ev-error")] if error else []),
            ft.Row(
                [
                    big_button("Annuler", key="ev-cancel", filled=False, on_click=cancel),
                    big_button(TITLES[mode][1], key="ev-submit", on_click=submit),
                ],
                spacing=12,
            ),
        ],
        scroll=scroll,
    )


@ft.component
def NewEventScreen() -> ft.Control:
    return EventFormScreen("new")


@ft.component
def PastEventScreen() -> ft.Control:
    return EventFormScreen("past")


@ft.component
def EditEventScreen() -> ft.Control:
    return EventFormScreen("edit")
