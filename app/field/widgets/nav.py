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
                icon=ft.Icon(d.icon, color=PRIMARY),
                selected_icon=ft.Icon(d.selected_icon, color=PRIMARY),
            )
            for d in DESTINATIONS
        ],
    )
