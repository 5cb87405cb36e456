"""Console: the cité's indicators for a quarter (or custom dates), optionally per QPV."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.console.context import use_section
from app.console.state.insight_state import IndicatorsState
from app.console.widgets.charts import PALETTE, bar_chart, horizontal_bars, pie_chart, weekly_chart
from app.console.widgets.period_picker import period_header
from app.console.widgets.review_widgets import panel
from app.ui.widgets import PRIMARY, banner
from domain.api.insight import CountOut, IndicatorsOut


def _card(label: str, value: Any, hint: str = "") -> ft.Control:
    return ft.Container(
        content=ft.Column(
            [
                ft.Text(str(value), size=30, weight=ft.FontWeight.BOLD, color=PRIMARY),
                ft.Text(label, size=14, weight=ft.FontWeight.W_600),
                ft.Text(hint, size=12, color=ft.Colors.GREY_700) if hint else ft.Container(),
            ],
            spacing=2,
        ),
        bgcolor=ft.Colors.INDIGO_50,
        border_radius=12,
        padding=ft.Padding.symmetric(horizontal=16, vertical=12),
        height=112,
        expand=True,
    )


def _panel(title: str, body: ft.Control, *, expand: int = 1) -> ft.Control:
    return panel(title, body, expand=expand)


def _days(value: float | None) -> str:
    if value is None:
        return "—"
    text = f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{text} j"


def _figures(d: IndicatorsOut) -> ft.Control:
    delay_hint = (
        f"moyenne {_days(d.delay_mean_days)} · {d.delay_persons} personne(s)"
        if d.delay_persons
        else "aucune première orientation"
    )
    cards = [
        _card("Actions de terrain", d.actions),
        _card("Contacts", d.contacts, f"dont {d.anonymous_contacts} anonymes"),
        _card("Personnes repérées", d.persons_spotted, "premier contact sur la période"),
        _card("Personnes suivies", d.persons_followed, "≥ 2 contacts ou une orientation"),
        _card("Orientations", d.orientations),
        _card("Sorties", d.exits, f"dont {d.positive_exits} positives"),
        _card("Délai médian", _days(d.delay_median_days), delay_hint),
    ]
    return ft.Row(cards, spacing=12)


def _yes(counts: list[CountOut]) -> int:
    return next((c.value for c in counts if c.key == "yes"), 0)


def _publics(d: IndicatorsOut) -> ft.Control:
    charts = ft.Row(
        [
            ft.Column(
                [
                    ft.Text("Tranche d'âge", weight=ft.FontWeight.W_600),
                    bar_chart(d.age_bands, height=180),
                ],
                expand=True,
            ),
            ft.Column(
                [ft.Text("Genre", weight=ft.FontWeight.W_600), pie_chart(d.genders)],
                expand=True,
            ),
        ],
        vertical_alignment=ft.CrossAxisAlignment.START,
        spacing=24,
    )
    other = (
        f"résident·es QPV : {_yes(d.qpv_residence)}, parents isolés : {_yes(d.single_parent)}, "
        f"inscrit·es France Travail : {_yes(d.ft_registration)}"
    )
    return _panel(
        f"Publics rencontrés ({d.people_met} personnes)",
        ft.Column([charts, ft.Text(f"Dont {other}.", size=13)], spacing=8),
    )


def _dashboard(d: IndicatorsOut) -> list[ft.Control]:
    orientations = d.orientations_by_partner
    return [
        _figures(d),
        ft.Row(
            [
                _panel(
                    "Contacts et actions de terrain par semaine", weekly_chart(d.weeks), expand=3
                ),
                _panel(
                    "Orientations par partenaire",
                    horizontal_bars(orientations, color=PALETTE[0], label_width=230, bar_width=150),
                    expand=2,
                ),
            ],
            vertical_alignment=ft.CrossAxisAlignment.START,
            spacing=16,
        ),
        ft.Row(
            [
                _panel("Freins repérés (personnes concernées)", horizontal_bars(d.freins)),
                _publics(d),
            ],
            vertical_alignment=ft.CrossAxisAlignment.START,
            spacing=16,
        ),
        _partner_answers(d),
        # Each contact under the action de terrain it was logged in.
        ft.Row(
            [
                _panel(
                    "Contacts par type d'action",
                    horizontal_bars(d.contacts_by_action_type),
                ),
                _panel("Contacts par axe", horizontal_bars(d.contacts_by_axis)),
            ],
            vertical_alignment=ft.CrossAxisAlignment.START,
            spacing=16,
        ),
    ]


def _partner_answers(d: IndicatorsOut) -> ft.Control:
    """What the partner structures answered to the period's orientations."""
    delay = (
        f"{_days(d.appointment_delay_median_days)} "
        f"({d.appointment_delay_orientations} rendez-vous datés)"
        if d.appointment_delay_orientations
        else "aucun rendez-vous daté"
    )
    figures = ft.Column(
        [
            ft.Text(
                f"Orientations ayant reçu une réponse : {d.orientations_answered} "
                f"sur {d.orientations}",
                size=15,
            ),
            # No arrow: the web font has no « → » glyph (a box on screen).
            ft.Text(f"Délai médian de l'orientation au rendez-vous : {delay}", size=15),
            ft.Text(f"Rendez-vous honorés : {d.appointments_attended}", size=15),
        ],
        spacing=6,
        expand=1,
    )
    outcomes = [c for c in d.orientations_by_outcome if c.key != "unknown"]
    return _panel(
        "Retours des partenaires",
        ft.Row(
            [
                figures,
                ft.Container(
                    horizontal_bars(outcomes, color=PALETTE[1], label_width=230, bar_width=150),
                    expand=1,
                ),
            ],
            vertical_alignment=ft.CrossAxisAlignment.START,
            spacing=24,
        ),
    )


@ft.component
def ConsoleIndicatorsScreen() -> ft.Control:
    state = use_section(IndicatorsState)
    ft.on_mounted(state.reload)

    title = "Indicateurs"
    if state.data:
        title += f" · {state.data.period_label}"
    body = period_header(title, state)
    if state.error:
        body.append(banner(state.error, error=True))
    if state.data:
        body.extend(_dashboard(state.data))
    elif state.busy:
        body.append(ft.Text("Calcul des indicateurs…"))
    return ft.Column(body, spacing=16, scroll=ft.ScrollMode.AUTO, expand=True)
