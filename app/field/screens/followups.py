"""Relances: follow-ups due today or overdue, with the person's name."""

from __future__ import annotations

import flet as ft

from app.field.context import use_field
from app.field.state.field_state import FieldState
from app.field.state.pathway_actions import DueFollowup
from app.field.widgets.flash import Flash
from app.field.widgets.frame import screen
from app.field.widgets.nav import field_nav
from app.ui.format import day_month
from app.ui.widgets import TAP, tappable


def followup_line(state: FieldState, due: DueFollowup) -> ft.Control:
    """One due relance: tap the text for the pathway, "Fait" to close it."""
    data = due.row.data
    when = day_month(data["due_date"])
    late = "en retard · " if due.overdue else "aujourd'hui · "
    person_id = data.get("person_id")
    return ft.Row(
        [
            ft.Container(
                tappable(
                    ft.Column(
                        [
                            ft.Text(due.person_name, size=16, weight=ft.FontWeight.BOLD),
                            ft.Text(
                                f"{late}{when} · {data.get('what', '')}",
                                size=14,
                                color=ft.Colors.RED_900 if due.overdue else None,
                            ),
                        ],
                        spacing=2,
                    ),
                    label=f"Relance {due.person_name} : {data.get('what', '')}",
                    key=f"fu-{due.row.id}",
                    on_click=lambda _: ft.context.page.navigate(f"/personne/{person_id}"),
                ),
                expand=True,
            ),
            ft.OutlinedButton(
                "Fait",
                key=f"fu-done-{due.row.id}",
                height=TAP,
                on_click=lambda _: state.mark_followup_done(due.row.id),
            ),
        ],
        vertical_alignment=ft.CrossAxisAlignment.CENTER,
    )


@ft.component
def FollowupsScreen() -> ft.Control:
    state = use_field()
    _ = state.revision
    due = state.due_followups()
    body: list[ft.Control] = [
        Flash("/relances"),
        ft.Text(
            f"{len(due)} relance(s) à faire aujourd'hui ou en retard",
            size=16,
            key="followups-count",
        ),
        *[followup_line(state, d) for d in due],
    ]
    if not due:
        body.append(ft.Text("Rien à relancer : bravo !", size=15))
    return screen("Relances", body, bottom=field_nav("nav-followups"))
