"""Start an action de terrain: type, place, QPV, axis, partners and colleagues present."""

from __future__ import annotations

import flet as ft

from app.field.context import use_field
from app.field.widgets.flash import leave_to
from app.field.widgets.frame import screen
from app.ui.form_state import use_form
from app.ui.widgets import banner, big_button, choice_chips, section
from domain.entities import FieldsError
from domain.vocabulary import Axis, EventType, Role


@ft.component
def NewEventScreen() -> ft.Control:
    state = use_field()
    form = use_form(
        kind=EventType.FOOT_OF_BUILDING.value,
        place="",
        qpv="",
        axis=Axis.REACH_OUT.value,
        partners=frozenset[str](),
        colleagues=frozenset[str](),
    )
    kind, set_kind = form["kind"], form.setter("kind")
    place, set_place = form["place"], form.setter("place")
    qpv, set_qpv = form["qpv"], form.setter("qpv")
    axis, set_axis = form["axis"], form.setter("axis")
    partners = form["partners"]
    error, set_error = ft.use_state("")

    refs = state.referentials
    qpvs = [(q.code, q.name) for q in refs.qpvs] if refs else []
    partner_choices = [(p.id, p.name) for p in refs.partners] if refs else []
    me = state.user.get("id")
    # The mediator starting the action is present by definition: only the others.
    colleague_choices = (
        [(m.id, m.display_name) for m in refs.members if m.role == Role.MEDIATOR and m.id != me]
        if refs
        else []
    )

    def toggle(field: str, row_id: str) -> None:
        now = form[field]
        form.set(field, now - {row_id} if row_id in now else now | {row_id})

    def start(_: ft.Event) -> None:
        f = form.values()
        values: dict[str, object] = {
            "type": f["kind"],
            "axis": f["axis"],
            "partner_ids": sorted(f["partners"]),
        }
        if f["colleagues"]:
            values["mediator_ids"] = [me, *sorted(f["colleagues"])]
        if f["place"].strip():
            values["place"] = f["place"].strip()
        if f["qpv"]:
            values["qpv_code"] = f["qpv"]
        try:
            state.start_event(values)
        except (FieldsError, ValueError) as exc:
            set_error(f"Action non enregistrée : {exc}")
            return
        leave_to(state, "/")

    return screen(
        "Nouvelle action",
        [
            section(
                "Type d'action",
                choice_chips(EventType.choices(), kind, set_kind, key_prefix="ev-type"),
            ),
            ft.TextField(
                label="Lieu (ex. : pied de la tour B, place du marché)",
                key="ev-place",
                value=place,
                on_change=lambda e: set_place(e.control.value),
                max_length=120,
            ),
            section(
                "Quartier prioritaire (QPV)",
                choice_chips(
                    qpvs,
                    qpv,
                    lambda v: set_qpv("" if v == form["qpv"] else v),
                    key_prefix="ev-qpv",
                ),
            ),
            section("Axe", choice_chips(Axis.choices(), axis, set_axis, key_prefix="ev-axis")),
            section(
                "Partenaires présents",
                choice_chips(
                    partner_choices,
                    set(partners),
                    lambda pid: toggle("partners", pid),
                    key_prefix="ev-partner",
                ),
            ),
            *(
                [
                    section(
                        "Collègues présents",
                        choice_chips(
                            colleague_choices,
                            set(form["colleagues"]),
                            lambda mid: toggle("colleagues", mid),
                            key_prefix="ev-colleague",
                        ),
                    )
                ]
                if colleague_choices
                else []
            ),
            *([banner(error, error=True)] if error else []),
            ft.Row(
                [
                    big_button(
                        "Annuler",
                        key="ev-cancel",
                        filled=False,
                        on_click=lambda _: ft.context.page.navigate("/"),
                    ),
                    big_button("Démarrer l'action", key="ev-submit", on_click=start),
                ],
                spacing=12,
            ),
        ],
    )
