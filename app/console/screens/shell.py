"""The console's frame: title bar, navigation rail, and the current section."""

from __future__ import annotations

from dataclasses import dataclass

import flet as ft

from app.console.context import use_console
from app.console.widgets.review_widgets import signed_in_page
from domain.sync import LoginResponse
from domain.vocabulary import Role


@dataclass(frozen=True)
class Section:
    path: str
    label: str
    icon: ft.IconData
    admin_only: bool = False


# Each console section: its route path (under the console root), label and icon.
SECTIONS: tuple[Section, ...] = (
    Section("/", "Contacts", ft.Icons.FACT_CHECK),
    Section("/revue", "Revue", ft.Icons.RULE),
    Section("/conflits", "Conflits", ft.Icons.CALL_SPLIT),
    Section("/doublons", "Doublons", ft.Icons.PEOPLE_ALT),
    Section("/personnes", "Parcours", ft.Icons.ROUTE),
    Section("/indicateurs", "Indicateurs", ft.Icons.INSIGHTS),
    Section("/exports", "Exports", ft.Icons.DOWNLOAD),
    Section("/administration", "Administration", ft.Icons.ADMIN_PANEL_SETTINGS, admin_only=True),
    Section("/journal", "Journal d'audit", ft.Icons.HISTORY_EDU, admin_only=True),
)


def _visible(role: str) -> list[Section]:
    return [s for s in SECTIONS if not s.admin_only or role == Role.ADMIN.value]


def _rail(sections: list[Section], location: str) -> ft.Control:
    selected = next(
        (i for i, s in enumerate(sections) if s.path != "/" and location.startswith(s.path)), 0
    )
    return ft.NavigationRail(
        selected_index=selected,
        label_type=ft.NavigationRailLabelType.ALL,
        destinations=[
            ft.NavigationRailDestination(icon=s.icon, label=s.label, key=f"nav-{s.label}")
            for s in sections
        ],
        on_change=lambda e: ft.context.page.navigate(sections[int(e.control.selected_index)].path),
        min_width=110,
    )


@ft.component
def ConsoleShell() -> ft.Control:
    return signed_in_page(use_console(), "Relais · Console de supervision", _body)


def _body(login: LoginResponse) -> ft.Control:
    """The navigation rail beside the current section."""
    rail = _rail(_visible(login.user.role), ft.use_route_location() or "/")
    return ft.Row(
        [
            rail,
            ft.VerticalDivider(width=1),
            ft.Container(content=ft.use_route_outlet(), padding=24, expand=True),
        ],
        expand=True,
        vertical_alignment=ft.CrossAxisAlignment.START,
    )
