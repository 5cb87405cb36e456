"""The mediators' field app: its routes, each screen behind the sign-in and PIN gates."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.field.context import FieldContext, use_field
from app.field.screens.contact_fix import ContactFixScreen
from app.field.screens.events import EventsScreen
from app.field.screens.followups import FollowupsScreen
from app.field.screens.new_event import EditEventScreen, NewEventScreen, PastEventScreen
from app.field.screens.new_person import NewPersonScreen
from app.field.screens.person import PersonScreen
from app.field.screens.person_edit import PersonEditScreen
from app.field.screens.persons import PersonsScreen
from app.field.screens.pin_setup import PinSetupScreen
from app.field.screens.sync_details import SyncDetailsScreen
from app.field.screens.today import TodayScreen
from app.field.screens.unlock import UnlockScreen
from app.field.state.field_state import FieldState
from app.ui.login import LoginScreen
from app.ui.routes import route_table, routed_app
from domain.enrol import enrol_link_of_route


@ft.component
def FieldHome() -> ft.Control:
    state = use_field()
    if state.locked:
        return UnlockScreen()
    if state.session is None:

        async def login(username: str, password: str, server: str) -> None:
            await state.login(username, password, server)

        async def enrol(code: str, server: str) -> None:
            await state.enrol(code, server)

        enrolled = state.enrolled_server
        # Opened from a scanned enrolment QR code (a deep link): its code is filled in.
        link = enrol_link_of_route(ft.context.page.route or "")
        return LoginScreen(
            "Carnet de terrain des médiateurs emploi",
            state.error,
            state.busy,
            login,
            enrol,
            # A server the environment names (development, tests) is not asked for.
            ask_server=enrolled is None and state.config.server_url is None,
            server=enrolled or state.config.server_url,
            link=link,
        )
    if state.needs_pin:
        return PinSetupScreen()
    return TodayScreen()


def _signed_in(screen: ft.Control) -> ft.Control:
    state = use_field()
    if state.session is None or state.locked or state.needs_pin:
        return FieldHome()
    state.screen_drawn()
    return screen


def _guarded(screen: Callable[[], ft.Control]) -> Callable[[], ft.Control]:
    """A route component showing `screen` behind the sign-in and PIN gates."""

    @ft.component
    def route() -> ft.Control:
        return _signed_in(screen())

    return route


# Module-level route components keep one identity across re-renders of FieldApp, so a
# screen's state (e.g. the search being typed) is not reset by an unrelated change.
PersonsRoute = _guarded(PersonsScreen)
PersonRoute = _guarded(PersonScreen)
PersonEditRoute = _guarded(PersonEditScreen)
FollowupsRoute = _guarded(FollowupsScreen)
ContactFixRoute = _guarded(ContactFixScreen)
SyncDetailsRoute = _guarded(SyncDetailsScreen)


@ft.component
def FieldApp(state: FieldState) -> ft.Control:
    def start_watch() -> None:
        page = ft.context.page
        page.on_keyboard_event = lambda _: state.pin.touch()
        # Sent to the background (home button, another app): locked until the PIN.
        page.on_app_lifecycle_state_change = lambda e: state.pin.on_lifecycle(e.state)
        ft.context.page.run_task(state.pin.watch_inactivity)
        ft.context.page.run_task(state.run_auto_sync)

    ft.on_mounted(start_watch)
    return routed_app(
        FieldContext,
        state,
        route_table(
            FieldHome,
            {
                "action/nouvelle": lambda: _signed_in(NewEventScreen()),
                "action/passee": lambda: _signed_in(PastEventScreen()),
                "action/:id": lambda: _signed_in(EditEventScreen()),
                "actions": lambda: _signed_in(EventsScreen()),
                "personne/nouvelle": lambda: _signed_in(NewPersonScreen()),
                "personnes": PersonsRoute,
                "personne/:id": PersonRoute,
                "personne/:id/modifier": PersonEditRoute,
                "relances": FollowupsRoute,
                "contact/:id": ContactFixRoute,
                "synchronisation": SyncDetailsRoute,
            },
        ),
        FieldHome,
    )
