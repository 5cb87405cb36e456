"""Mes actions: the mediator's actions de terrain, latest first, each with its times and
its contacts; tap one to correct it, or log one after the fact."""

from __future__ import annotations

import datetime as dt

import flet as ft

from app.field.context import use_field
from app.field.widgets.frame import screen
from app.field.widgets.nav import field_nav
from app.ui.widgets import banner, go_button, tappable
from domain.vocabulary import EventType


def _when(starts_at: str, ends_at: str | None) -> str:
    start = dt.datetime.fromisoformat(starts_at).astimezone()
    if not ends_at:
        running = start.date() == dt.date.today()
        return (
            f"{start:%d/%m/%Y} · depuis {start:%H:%M} ({'en cours' if running else 'non terminée'})"
        )
    end = dt.datetime.fromisoformat(ends_at).astimezone()
    return f"{start:%d/%m/%Y} · {start:%H:%M}–{end:%H:%M}"


@ft.component
def EventsScreen() -> ft.Control:
    state = use_field()
    _ = state.revision
    events = state.my_events()
    counts = state.event_contact_counts()
    lines: list[ft.Control] = []
    for row in events:
        d = row.data
        label = f"{EventType(d['type']).label} · {d.get('place') or 'lieu non précisé'}"
        when = _when(str(d["starts_at"]), d.get("ends_at"))
        n = counts.get(row.id, 0)
        lines.append(
            tappable(
                ft.Column(
                    [
                        ft.Text(label, size=16, weight=ft.FontWeight.BOLD),
                        ft.Text(f"{when} · {n} contact(s)", size=14, key=f"event-when-{row.id}"),
                    ],
                    spacing=2,
                ),
                label=f"Corriger l'action {label}, {when}",
                key=f"event-{row.id}",
                on_click=lambda _, eid=row.id: ft.context.page.navigate(f"/action/{eid}"),
            )
        )
    messages = [banner(state.event_notice)] if state.event_notice else []
    return screen(
        "Mes actions",
        [
            *messages,
            go_button(
                "Saisir une action passée",
                "/action/passee",
                key="event-past",
                icon=ft.Icons.HISTORY,
            ),
            *(lines or [ft.Text("Aucune action de terrain pour l'instant.", size=15)]),
        ],
        bottom=field_nav("nav-today"),
    )
