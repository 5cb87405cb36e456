"""The supervisors' console as one Flet component tree (loaded by `app.main` only in
console mode: the field app never imports the console's screens)."""

from __future__ import annotations

import flet as ft

from app.context import ConsoleContext, use_console
from app.screens.console_admin import ConsoleAdminScreen
from app.screens.console_audit import ConsoleAuditScreen
from app.screens.console_conflicts import ConsoleConflictsScreen
from app.screens.console_contacts import ConsoleContactsScreen
from app.screens.console_duplicates import ConsoleDuplicatesScreen
from app.screens.console_exports import ConsoleExportsScreen
from app.screens.console_indicators import ConsoleIndicatorsScreen
from app.screens.console_persons import ConsolePersonsScreen
from app.screens.console_review import ConsoleReviewScreen
from app.screens.console_shell import ConsoleShell
from app.screens.login import LoginScreen


@ft.component
def ConsoleHome() -> ft.Control:
    state = use_console()
    if state.login is None:

        async def login(username: str, password: str, _server: str) -> None:
            await state.sign_in(username, password)

        return LoginScreen("Console de supervision", state.error, state.busy, login)
    return ConsoleShell()


# Console sections, rendered inside ConsoleShell's outlet (see console_shell.SECTIONS).
CONSOLE_ROUTES = [
    ft.Route(index=True, component=ConsoleContactsScreen),
    ft.Route(path="revue", component=ConsoleReviewScreen),
    ft.Route(path="conflits", component=ConsoleConflictsScreen),
    ft.Route(path="doublons", component=ConsoleDuplicatesScreen),
    ft.Route(path="personnes", component=ConsolePersonsScreen),
    ft.Route(path="indicateurs", component=ConsoleIndicatorsScreen),
    ft.Route(path="exports", component=ConsoleExportsScreen),
    ft.Route(path="administration", component=ConsoleAdminScreen),
    ft.Route(path="journal", component=ConsoleAuditScreen),
]


@ft.component
def ConsoleApp(state: object) -> ft.Control:
    return ConsoleContext(
        state,
        lambda: ft.Router(
            [ft.Route(path="/", component=ConsoleHome, children=CONSOLE_ROUTES)],
            not_found=ConsoleHome,
        ),
    )
