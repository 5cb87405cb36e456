"""The field app's bottom navigation: Aujourd'hui, Personnes, Relances."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import flet as ft

from app.ui.widgets import PRIMARY


@dataclass(frozen=True)
class Destination:
    key: str
    label: str
    route: str
    icon: Any
    selected_icon: Any


DESTINATIONS = (
    Destination("nav-today", "Aujourd'hui", "/", ft.Icons.TODAY_OUTLINED, ft.Icons.TODAY),
    Destination("nav-persons", "Personnes", "/personnes", ft.Icons.PEOPLE_OUTLINE, ft.Icons.PEOPLE),
    Destination(
        "nav-followups",
        "Relances",
        "/relances",
        ft.Icons.NOTIFICATIONS_OUTLINED,
        ft.Icons.NOTIFICATIONS,
    ),
)


def field_nav(current: str) -> ft.Control:
    """`current` is the key of the destination shown."""
    return FieldNav(current)


@ft.component
def FieldNav(current: str) -> ft.Control:
    # A component of its own: the badge follows every local write and sync.
    from app.field.context import use_field

    state = use_field()
    _ = state.revision
    due = state.pathways.due_count() if state.readable else 0
    index = next((i for i, d in enumerate(DESTINATIONS) if d.key == current), 0)

    def go(e: ft.Event[ft.NavigationBar]) -> None:
        ft.context.page.navigate(DESTINATIONS[int(e.control.selected_index)].route)

    return ft.NavigationBar(
        key="field-nav",
        selected_index=index,
        on_change=go,
        bgcolor=ft.Colors.WHITE,
        indicator_color=ft.Colors.INDIGO_100,
        destinations=[
            ft.NavigationBarDestination(
                key=d.key,
                label=d.label,
                # No hover tooltip: the label is already on screen, and a tooltip
                # leaving the overlay makes Flutter web regroup the page's semantics
                # nodes, which moves the DOM input of a text field just tapped; the
                # browser then blurs it and what is typed next is lost (the first tap
                # on the Personnes search after a tab switch never took).
                tooltip="",
                icon=ft.Icon(d.icon, color=PRIMARY, badge=_badge(d, due)),
                selected_icon=ft.Icon(d.selected_icon, color=PRIMARY, badge=_badge(d, due)),
            )
            for d in DESTINATIONS
        ],
    )


def _badge(d: Destination, due: int) -> ft.Badge | None:
    """The count of the mediator's relances due today or late, on the Relances tab."""
    if d.key != "nav-followups" or not due:
        return None
    return ft.Badge(label=str(due), key="followups-badge")


def scope_switch(mine: bool, on_change: Any, *, key: str) -> ft.Control:
    """« Toute la cité » off: the mediator's own relances and persons (the default)."""
    return ft.Switch(
        label="Toute la cité",
        value=not mine,
        key=key,
        on_change=lambda e: on_change(not e.control.value),
    )
