"""Administration › referentials (QPVs, partners) and the retention setting."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.console.state.admin_state import AdminState
from app.ui.handlers import handler
from app.ui.widgets import PRIMARY, choice_chips
from domain.vocabulary import PartnerType


def _box(title: str, *controls: ft.Control, width: float | None = None) -> ft.Control:
    return ft.Container(
        content=ft.Column(
            [ft.Text(title, size=16, weight=ft.FontWeight.BOLD, color=PRIMARY), *controls],
            spacing=10,
        ),
        border=ft.Border.all(1, ft.Colors.GREY_300),
        border_radius=12,
        padding=16,
        width=width,
        expand=width is None,
    )


@ft.component
def ReferentialsPanel(state: AdminState) -> ft.Control:
    return ft.Row(
        [ft.Column([QpvBox(state), RetentionBox(state)], spacing=16), PartnersBox(state)],
        vertical_alignment=ft.CrossAxisAlignment.START,
        spacing=16,
    )


@ft.component
def QpvBox(state: AdminState) -> ft.Control:
    qpv, set_qpv = ft.use_state({"code": "", "name": ""})

    async def save_qpv(_: Any) -> None:
        if await state.save_qpv(qpv["code"], qpv["name"]):
            set_qpv({"code": "", "name": ""})

    return _box(
        "Quartiers prioritaires (QPV)",
        *[ft.Text(f"{q['code']} · {q['name']}", size=14) for q in state.qpvs],
        ft.Row(
            [
                ft.TextField(
                    label="Code QPV (QN…)",
                    value=qpv["code"],
                    width=170,
                    dense=True,
                    key="qpv-code",
                    on_change=lambda e: set_qpv({**qpv, "code": e.control.value}),
                ),
                ft.TextField(
                    label="Nom du quartier",
                    value=qpv["name"],
                    expand=True,
                    dense=True,
                    key="qpv-name",
                    on_change=lambda e: set_qpv({**qpv, "name": e.control.value}),
                ),
            ]
        ),
        ft.FilledButton("Enregistrer le QPV", key="qpv-save", on_click=save_qpv),
        width=420,
    )


@ft.component
def PartnersBox(state: AdminState) -> ft.Control:
    partner, set_partner = ft.use_state({"name": "", "type": "association", "themes": ""})

    async def add_partner(_: Any) -> None:
        if await state.add_partner(partner["name"], partner["type"], partner["themes"]):
            set_partner({**partner, "name": "", "themes": ""})

    return _box(
        "Structures partenaires",
        ft.Column(
            [
                ft.Text(
                    f"{p['name']} · {p['type_label']}"
                    + (f" · {', '.join(p['themes'])}" if p["themes"] else ""),
                    size=14,
                )
                for p in state.partners
            ],
            spacing=4,
        ),
        ft.TextField(
            label="Nom de la structure",
            width=560,
            value=partner["name"],
            dense=True,
            key="partner-name",
            on_change=lambda e: set_partner({**partner, "name": e.control.value}),
        ),
        choice_chips(
            PartnerType.choices(),
            partner["type"],
            lambda v: set_partner({**partner, "type": v}),
            key_prefix="partner-type",
        ),
        ft.TextField(
            label="Thématiques (séparées par des virgules)",
            width=560,
            value=partner["themes"],
            dense=True,
            key="partner-themes",
            on_change=lambda e: set_partner({**partner, "themes": e.control.value}),
        ),
        ft.FilledButton("Ajouter le partenaire", key="partner-add", on_click=add_partner),
    )


@ft.component
def RetentionBox(state: AdminState) -> ft.Control:
    months, set_months = ft.use_state(str(state.retention_months))
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
                ft.TextField(
                    label="Durée (mois, 1 à 36)",
                    value=months,
                    width=180,
                    dense=True,
                    key="retention-months",
                    on_change=lambda e: set_months(e.control.value),
                ),
                ft.FilledButton(
                    "Enregistrer",
                    key="retention-save",
                    on_click=handler(state.save_retention, months),
                ),
            ]
        ),
        width=420,
    )
