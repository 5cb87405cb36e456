"""Administration › referentials (QPVs, partners) and the retention setting."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.console.state.admin_state import AdminState
from app.console.widgets.review_widgets import act, dense_field, panel
from app.ui.widgets import choice_chips
from domain.api.insight import PartnerAdminOut
from domain.vocabulary import PartnerType


def _box(title: str, *controls: ft.Control, width: float | None = None) -> ft.Control:
    return panel(title, *controls, width=width, expand=width is None)


def referentials_panel(state: AdminState) -> ft.Control:
    return ft.Row(
        [ft.Column([_qpv_box(state), _retention_box(state)], spacing=16), _partners_box(state)],
        vertical_alignment=ft.CrossAxisAlignment.START,
        spacing=16,
    )


def _field(
    state: AdminState, form: str, name: str, label: str, *, key: str, width: float | None = None
) -> ft.Control:
    """The field writing `name` of the form `form` (new_qpv, new_partner)."""
    return dense_field(
        label, getattr(state, form)[name], _edit(state, form, name), key=key, width=width
    )


def _edit(state: AdminState, form: str, name: str) -> Callable[[str], None]:
    """A change handler writing `name` of the form `form`."""

    def put(value: str) -> None:
        setattr(state, form, {**getattr(state, form), name: value})

    return put


def _qpv_box(state: AdminState) -> ft.Control:
    return _box(
        "Quartiers prioritaires (QPV)",
        *[ft.Text(f"{q.code} · {q.name}", size=14) for q in state.qpvs],
        ft.Row(
            [
                _field(state, "new_qpv", "code", "Code QPV (QN…)", key="qpv-code", width=170),
                _field(state, "new_qpv", "name", "Nom du quartier", key="qpv-name"),
            ]
        ),
        ft.FilledButton("Enregistrer le QPV", key="qpv-save", on_click=act(state.save_qpv)),
        width=420,
    )


def _partner_line(p: PartnerAdminOut) -> str:
    """« Mission Locale de Creil · Mission Locale · emploi, formation »."""
    themes = f" · {', '.join(p.themes)}" if p.themes else ""
    return f"{p.name} · {p.type_label}{themes}"


def _partners_box(state: AdminState) -> ft.Control:
    return _box(
        "Structures partenaires",
        ft.Column([ft.Text(_partner_line(p), size=14) for p in state.partners], spacing=4),
        _field(state, "new_partner", "name", "Nom de la structure", key="partner-name", width=560),
        choice_chips(
            PartnerType.choices(),
            state.new_partner["type"],
            _edit(state, "new_partner", "type"),
            key_prefix="partner-type",
        ),
        _field(
            state,
            "new_partner",
            "themes",
            "Thématiques (séparées par des virgules)",
            key="partner-themes",
            width=560,
        ),
        ft.FilledButton(
            "Ajouter le partenaire", key="partner-add", on_click=act(state.add_partner)
        ),
    )


def _retention_box(state: AdminState) -> ft.Control:
    def typed(months: str) -> None:
        state.months = months

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
