"""Relais app entry point: the mediators' field app or the supervisors' console.

Run it in a browser with `python -m app.main` (port from RELAIS_APP_PORT); the
same code is packaged for phones with `flet build`.
"""

from __future__ import annotations

import os

import flet as ft

from app.config import AppConfig
from app.console_state import ConsoleState
from app.context import ConsoleContext, FieldContext, use_console, use_field
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
from app.screens.contact_fix import ContactFixScreen
from app.screens.events import EventsScreen
from app.screens.followups import FollowupsScreen
from app.screens.login import LoginScreen
from app.screens.new_event import EditEventScreen, NewEventScreen, PastEventScreen
from app.screens.new_person import NewPersonScreen
from app.screens.person import PersonScreen
from app.screens.person_edit import PersonEditScreen
from app.screens.persons import PersonsScreen
from app.screens.pin_setup import PinSetupScreen
from app.screens.sync_details import SyncDetailsScreen
from app.screens.today import TodayScreen
from app.screens.unlock import UnlockScreen
from domain.runtime import settle_heap


@ft.component
def FieldHome() -> ft.Control:
    state = use_field()
    if state.locked:
        return UnlockScreen()
    if state.session is None:

        async def login(username: str, password: str) -> None:
            await state.login(username, password)

        async def enrol(code: str) -> None:
            await state.enrol(code)

        return LoginScreen(
            "Carnet de terrain des médiateurs emploi", state.error, state.busy, login, enrol
        )
    if state.needs_pin:
        return PinSetupScreen()
    return TodayScreen()


def _signed_in(screen: ft.Control) -> ft.Control:
    state = use_field()
    if state.session is None or state.locked or state.needs_pin:
        return FieldHome()
    state.touch()  # moving between screens is activity
    return screen


# Module-level route components keep one identity across re-renders of FieldApp, so a
# screen's state (e.g. the search being typed) is not reset by an unrelated change.
@ft.component
def PersonsRoute() -> ft.Control:
    return _signed_in(PersonsScreen())


@ft.component
def PersonRoute() -> ft.Control:
    return _signed_in(PersonScreen())


@ft.component
def PersonEditRoute() -> ft.Control:
    return _signed_in(PersonEditScreen())


@ft.component
def FollowupsRoute() -> ft.Control:
    return _signed_in(FollowupsScreen())


@ft.component
def ContactFixRoute() -> ft.Control:
    return _signed_in(ContactFixScreen())


@ft.component
def SyncDetailsRoute() -> ft.Control:
    return _signed_in(SyncDetailsScreen())


@ft.component
def FieldApp(state: object) -> ft.Control:
    from app.state import FieldState

    assert isinstance(state, FieldState)

    def start_watch() -> None:
        ft.context.page.on_keyboard_event = lambda e: state.touch()
        ft.context.page.run_task(state.watch_inactivity)
        ft.context.page.run_task(state.run_auto_sync)

    ft.on_mounted(start_watch)
    return FieldContext(
        state,
        lambda: ft.Router(
            [
                ft.Route(index=True, component=FieldHome),
                ft.Route(path="action/nouvelle", component=lambda: _signed_in(NewEventScreen())),
                ft.Route(path="action/passee", component=lambda: _signed_in(PastEventScreen())),
                ft.Route(path="action/:id", component=lambda: _signed_in(EditEventScreen())),
                ft.Route(path="actions", component=lambda: _signed_in(EventsScreen())),
                ft.Route(path="personne/nouvelle", component=lambda: _signed_in(NewPersonScreen())),
                # Field app (issue #4): search, pathway, relances, corrections.
                ft.Route(path="personnes", component=PersonsRoute),
                ft.Route(path="personne/:id", component=PersonRoute),
                ft.Route(path="personne/:id/modifier", component=PersonEditRoute),
                ft.Route(path="relances", component=FollowupsRoute),
                ft.Route(path="contact/:id", component=ContactFixRoute),
                ft.Route(path="synchronisation", component=SyncDetailsRoute),
            ],
            not_found=FieldHome,
        ),
    )


@ft.component
def ConsoleHome() -> ft.Control:
    state = use_console()
    if state.login is None:

        async def login(username: str, password: str) -> None:
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


def main(page: ft.Page) -> None:
    config = AppConfig.from_env()
    page.theme = high_contrast_theme()
    page.theme_mode = ft.ThemeMode.LIGHT
    # Flutter's own strings (field counters, date pickers, screen-reader hints) in French.
    french = ft.Locale("fr", "FR")
    page.locale_configuration = ft.LocaleConfiguration(
        supported_locales=[french], current_locale=french
    )
    page.padding = 0
    if config.mode == "console":
        page.title = "Relais · Console"
        page.render(ConsoleApp, ConsoleState.open(config))
    else:
        page.title = "Relais · Terrain"
        page.render(FieldApp, _open_field_state(config))


def high_contrast_theme() -> ft.Theme:
    """Readable in sunlight: near-black text on white, a dark, saturated primary.

    Standard density everywhere: Flutter compacts controls on desktop and web
    (chips 44 px, icon buttons 40 px); a thumb outdoors needs the 48 px targets.
    """
    return ft.Theme(
        visual_density=ft.VisualDensity.STANDARD,
        color_scheme_seed=ft.Colors.INDIGO,
        color_scheme=ft.ColorScheme(
            primary=ft.Colors.INDIGO_900,
            on_primary=ft.Colors.WHITE,
            secondary_container=ft.Colors.INDIGO_100,
            on_secondary_container=ft.Colors.BLACK,
            surface=ft.Colors.WHITE,
            on_surface=ft.Colors.BLACK,
            on_surface_variant=ft.Colors.GREY_900,
            outline=ft.Colors.GREY_800,
            error=ft.Colors.RED_900,
        ),
    )


def _open_field_state(config: AppConfig) -> object:
    from app.state import FieldState

    return FieldState.open(config)


def run() -> None:
    port = int(os.environ.get("RELAIS_APP_PORT", "8551"))
    settle_heap()  # a sync of thousands of rows must not keep walking Flet's objects
    ft.run(
        main,
        view=ft.AppView.WEB_BROWSER,
        no_cdn=True,
        port=port,
        host="127.0.0.1",
        assets_dir=os.path.abspath("assets"),
    )


if __name__ == "__main__":
    run()
