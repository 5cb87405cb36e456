"""Administration › referentials (QPVs, partners) and the retention setting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.console.state.admin_state import AdminState
from app.console.widgets.review_widgets import act, dense_field, panel
from app.ui.widgets import choice_chips
from domain.vocabulary import PartnerType


def _box(title: str, *controls: ft.Control, width: float | None = None) -> ft.Control:
    return panel(title, *controls, width=width, expand=width is None)


def referentials_panel(state: AdminState) -> ft.Control:
    return ft.Row(
        [ft.Column([_qpv_box(state), _retention_box(state)], spacing=16), _partners_box(state)],
        vertical_alignment=ft.CrossAxisAlignment.START,
        spacing=16,
    )


def _edit(state: AdminState, form: str, key: str) -> Callable[[Any], None]:
    """A change handler writing `key` of the form `form` (new_qpv, new_partner)."""

    def put(value: Any) -> None:
        text = value.control.value if isinstance(value, ft.Event) else value
        setattr(state, form, {**getattr(state, form), key: text})

    return put


def _qpv_box(state: AdminState) -> ft.Control:
    qpv = state.new_qpv
    return _box(
        "Quartiers prioritaires (QPV)",
        *[ft.Text(f"{q.code} · {q.name}", size=14) for q in state.qpvs],
        ft.Row(
            [
                dense_field(
                    "Code QPV (QN…)",
                    qpv["code"],
                    _edit(state, "new_qpv", "code"),
                    key="qpv-code",
                    width=170,
                ),
                dense_field(
                    "Nom du quartier", qpv["name"], _edit(state, "new_qpv", "name"), key="qpv-name"
                ),
            ]
        ),
        ft.FilledButton("Enregistrer le QPV", key="qpv-save", on_click=act(state.save_qpv)),
        width=420,
    )


def _partners_box(state: AdminState) -> ft.Control:
    partner = state.new_partner
    return _box(
        "Structures partenaires",
        ft.Column(
            [
                ft.Text(
                    f"{p.name} · {p.type_label}"
                    + (f" · {', '.join(p.themes)}" if p.themes else ""),
                    size=14,
                )
                for p in state.partners
            ],
            spacing=4,
        ),
        dense_field(
            "Nom de la structure",
            partner["name"],
            _edit(state, "new_partner", "name"),
            key="partner-name",
            width=560,
        ),
        choice_chips(
            PartnerType.choices(),
            partner["type"],
            _edit(state, "new_partner", "type"),
            key_prefix="partner-type",
        ),
        dense_field(
            "Thématiques (séparées par des virgules)",
            partner["themes"],
            _edit(state, "new_partner", "themes"),
            key="partner-themes",
            width=560,
        ),
        ft.FilledButton(
            "Ajouter le partenaire", key="partner-add", on_click=act(state.add_partner)
        ),
    )


def _retention_box(state: AdminState) -> ft.Control:
    def typed(e: ft.Event[ft.TextField]) -> None:
        state.months = e.control.value

    months = state.months if state.months is not None else str(state.retention_months)
    return _box(
        "Conservation des données",
        ft.Text(
            f"Actuellement : anonymisation {state.retention_months} mois après le dernier "
            "contact (année de naissance, QPV, genre et tranche d'âge sont gardés pour les "
            "statistiques).",
            size=14,
        ),
        ft.Row(
            [
                dense_field(
                    "Durée (mois, 1 à 36)", months, typed, key="retention-months", width=180
                ),
                ft.FilledButton(
                    "Enregistrer", key="retention-save", on_click=act(state.save_retention)
                ),
            ]
        ),
        width=420,
    )
