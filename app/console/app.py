"""The supervisors' console: the sign-in, then the shell and its sections."""

from __future__ import annotations

import flet as ft

from app.console.context import ConsoleContext, use_console
from app.console.screens.admin import ConsoleAdminScreen
from app.console.screens.audit import ConsoleAuditScreen
from app.console.screens.conflicts import ConsoleConflictsScreen
from app.console.screens.contacts import ConsoleContactsScreen
from app.console.screens.duplicates import ConsoleDuplicatesScreen
from app.console.screens.exports import ConsoleExportsScreen
from app.console.screens.indicators import ConsoleIndicatorsScreen
from app.console.screens.partner import PartnerHome
from app.console.screens.persons import ConsolePersonsScreen
from app.console.screens.programme import ProgrammeHome
from app.console.screens.review import ConsoleReviewScreen
from app.console.screens.shell import ConsoleShell
from app.console.state.console_state import ConsoleState
from app.ui.login import LoginScreen
from app.ui.routes import route_table, routed_app
from domain.vocabulary import Role


@ft.component
def ConsoleHome() -> ft.Control:
    state = use_console()
    # Subscribed to the console's state: signing out (from the shell's header, whose
    # handler re-renders only the shell) brings the login screen back.
    ft.use_state(state)
    if state.login is None:

        async def login(username: str, password: str, _server: str) -> None:
            await state.sign_in(username, password)

        return LoginScreen("Console de supervision", state.error, state.busy, login)
    if state.login.user.role == Role.PARTNER:
        return PartnerHome()
    if state.login.user.role == Role.PROGRAMME:
        return ProgrammeHome()
    return ConsoleShell()


# Console sections, rendered inside ConsoleShell's outlet (see app.console.screens.shell.SECTIONS).
CONSOLE_ROUTES = route_table(
    ConsoleContactsScreen,
    {
        "revue": ConsoleReviewScreen,
        "conflits": ConsoleConflictsScreen,
        "doublons": ConsoleDuplicatesScreen,
        "personnes": ConsolePersonsScreen,
        "indicateurs": ConsoleIndicatorsScreen,
        "exports": ConsoleExportsScreen,
        "administration": ConsoleAdminScreen,
        "journal": ConsoleAuditScreen,
    },
)


@ft.component
def ConsoleApp(state: ConsoleState) -> ft.Control:
    return routed_app(
        ConsoleContext,
        state,
        [ft.Route(path="/", component=ConsoleHome, children=CONSOLE_ROUTES)],
        ConsoleHome,
    )
