"""Relances: due today or late, then within 7 days and later; the mediator's own by
default, or the whole cité's."""

from __future__ import annotations

import datetime as dt

import flet as ft

from app.field.context import use_field
from app.field.state.field_state import FieldState
from app.field.state.pathway_actions import DueFollowup
from app.field.widgets.flash import Flash
from app.field.widgets.frame import screen
from app.field.widgets.nav import field_nav, scope_switch
from app.ui.format import day_month
from app.ui.widgets import TAP, section, sync_marker, tappable


def followup_line(state: FieldState, due: DueFollowup) -> ft.Control:
    """One due relance: tap the text for the pathway, "Fait" to close it."""
    data = due.row.data
    day = dt.date.fromisoformat(str(data["due_date"]))
    when = day_month(day)
    if due.overdue:
        late = "en retard · "
    elif day > dt.date.today():
        late = "prévue le "
    else:
        late = "aujourd'hui · "
    owner = data.get("mediator_id")
    # In the whole cité's list, whose relance it is.
    whose = "" if owner == state.user.get("id") else f" · {state.pathways.member_name(owner)}"
    person_id = data.get("person_id")
    return ft.Row(
        [
            ft.Container(
                tappable(
                    ft.Column(
                        [
                            ft.Text(due.person_name, size=16, weight=ft.FontWeight.BOLD),
                            ft.Text(
                                f"{late}{when} · {data.get('what', '')}{whose}",
                                size=14,
                                color=ft.Colors.RED_900 if due.overdue else None,
                            ),
                            *sync_marker(
                                due.row.pending, due.row.error, key=f"fu-sync-{due.row.id}"
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
            # One accessible name per relance: a list of « Fait » reads as one button.
            ft.Semantics(
                label=f"Fait : {due.person_name}, {when}",
                button=True,
                exclude_semantics=True,
                on_tap=lambda _: state.pathways.mark_followup_done(due.row.id),
                content=ft.OutlinedButton(
                    "Fait",
                    key=f"fu-done-{due.row.id}",
                    height=TAP,
                    on_click=lambda _: state.pathways.mark_followup_done(due.row.id),
                ),
            ),
        ],
        vertical_alignment=ft.CrossAxisAlignment.CENTER,
    )


@ft.component
def FollowupsScreen() -> ft.Control:
    state = use_field()
    _ = state.revision
    due = state.pathways.due_followups()
    soon, later = state.pathways.upcoming_followups()
    whose = "Mes relances" if state.pathways.scope_mine else "Relances de la cité"
    body: list[ft.Control] = [
        Flash("/relances"),
        scope_switch(state.pathways.scope_mine, state.pathways.set_scope, key="followups-scope"),
        ft.Text(
            f"{whose} : {len(due)} à faire aujourd'hui ou en retard",
            size=16,
            key="followups-count",
        ),
        *[followup_line(state, d) for d in due],
    ]
    if not due:
        body.append(ft.Text("Rien à relancer aujourd'hui : bravo !", size=15))
    for title, rows in (("Dans les 7 prochains jours", soon), ("Plus tard", later)):
        if rows:
            body.append(section(f"{title} ({len(rows)})", *[followup_line(state, d) for d in rows]))
    return screen("Relances", body, bottom=field_nav("nav-followups"))
