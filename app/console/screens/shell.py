"""The console's frame: title bar, navigation rail, and the current section."""

from __future__ import annotations

from dataclasses import dataclass

import flet as ft

from app.console.context import use_console
from app.console.state.console_state import ConsoleState
from app.ui.widgets import PRIMARY
from domain.sync import UserPublic
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


def _header(state: ConsoleState, user: UserPublic) -> ft.Control:
    return ft.Container(
        content=ft.Row(
            [
                ft.Text(
                    "Relais · Console de supervision",
                    size=22,
                    weight=ft.FontWeight.BOLD,
                    color=ft.Colors.WHITE,
                ),
                ft.Row(
                    [
                        ft.Text(
                            f"{user.display_name} · {Role(user.role).label}", color=ft.Colors.WHITE
                        ),
                        ft.TextButton(
                            "Se déconnecter",
                            key="console-logout",
                            on_click=lambda _: state.sign_out(),
                            style=ft.ButtonStyle(color=ft.Colors.WHITE),
                        ),
                    ]
                ),
            ],
            alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
        ),
        bgcolor=PRIMARY,
        padding=ft.Padding.symmetric(horizontal=24, vertical=14),
    )


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
    state = use_console()
    login = state.login
    if login is None:  # signed out: ConsoleHome shows the login screen instead
        return ft.Container()
    rail = _rail(_visible(login.user.role), ft.use_route_location() or "/")
    return ft.Column(
        [
            _header(state, login.user),
            ft.Row(
                [
                    rail,
                    ft.VerticalDivider(width=1),
                    ft.Container(content=ft.use_route_outlet(), padding=24, expand=True),
                ],
                expand=True,
                vertical_alignment=ft.CrossAxisAlignment.START,
            ),
        ],
        spacing=0,
        expand=True,
    )
