"""Console › Administration (admin only): users, their devices and enrolment, referentials."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.console.context import use_console, use_section
from app.console.screens.admin_referentials import referentials_panel
from app.console.state.admin_state import AdminState, EnrolCode
from app.console.widgets.review_widgets import act, dense_field, pager, panel
from app.ui.format import day_time
from app.ui.widgets import PRIMARY, banner, choice_chips
from domain.api.insight import AdminDeviceOut, AdminUserOut
from domain.enrol import enrol_code_of
from domain.vocabulary import Role


def _user_row(state: AdminState, u: AdminUserOut) -> ft.DataRow:
    async def devices(_: Any) -> None:
        await state.select(u)

    async def deactivate(_: Any) -> None:
        await state.deactivate(u)

    actions = ft.Row(
        [
            ft.TextButton("Appareils", key=f"user-devices-{u.username}", on_click=devices),
            ft.TextButton(
                "Désactiver",
                key=f"user-off-{u.username}",
                on_click=deactivate,
                disabled=not u.active,
            ),
        ],
        spacing=0,
    )
    cells = [
        u.display_name,
        u.username,
        u.role_label,
        u.partner_name or u.structure or "—",
        "Actif" if u.active else "Désactivé",
        str(u.active_devices),
    ]
    return ft.DataRow(
        cells=[ft.DataCell(ft.Text(c, size=14)) for c in cells] + [ft.DataCell(actions)],
        selected=state.selected is not None and state.selected.id == u.id,
    )


USER_COLUMNS = ["Nom", "Identifiant", "Rôle", "Structure", "État", "Appareils actifs", ""]


def _users_table(state: AdminState) -> ft.Control:
    return ft.Column(
        [
            ft.DataTable(
                columns=[
                    ft.DataColumn(label=ft.Text(c, weight=ft.FontWeight.BOLD)) for c in USER_COLUMNS
                ],
                rows=[_user_row(state, u) for u in state.users],
                column_spacing=20,
            ),
            pager(state.page, state.total, state.page_size, state.load, "users"),
        ]
    )


def _typed(state: AdminState, key: str) -> Callable[[ft.Event[ft.TextField]], None]:
    def put(e: ft.Event[ft.TextField]) -> None:
        state.new_user = {**state.new_user, key: e.control.value}

    return put


PROGRAMME_HINT = (
    "Un compte programme (préfecture, ANCT) voit les indicateurs agrégés de votre cité, "
    "jamais une personne. D'autres cités lui sont rattachées par l'exploitant."
)


def _role_details(state: AdminState) -> list[ft.Control]:
    """Under the role's chips: a partner account's structure, among the cité's
    partners; what a programme account sees."""
    if state.new_user["role"] == Role.PROGRAMME:
        return [ft.Text(PROGRAMME_HINT, size=13, color=ft.Colors.ON_SURFACE_VARIANT)]
    if state.new_user["role"] != Role.PARTNER:
        return []

    def pick(value: str) -> None:
        state.new_user = {**state.new_user, "partner_id": value}

    return [
        ft.Text("Structure partenaire du compte", weight=ft.FontWeight.W_600),
        choice_chips(
            [(p.id, p.name) for p in state.partners],
            state.new_user["partner_id"],
            pick,
            key_prefix="new-partner",
        ),
    ]


def _new_user_form(state: AdminState) -> ft.Control:
    form = state.new_user

    def role(value: str) -> None:
        state.new_user = {**state.new_user, "role": value}

    return ft.Column(
        [
            ft.Text("Nouveau compte", size=16, weight=ft.FontWeight.BOLD, color=PRIMARY),
            ft.TextField(
                label="Identifiant",
                value=form["username"],
                key="new-username",
                on_change=_typed(state, "username"),
            ),
            ft.TextField(
                label="Nom affiché",
                value=form["display_name"],
                key="new-display",
                on_change=_typed(state, "display_name"),
            ),
            ft.TextField(
                label="Structure employeuse (facultatif)",
                value=form["structure"],
                key="new-structure",
                max_length=120,
                on_change=_typed(state, "structure"),
            ),
            choice_chips(Role.choices(), form["role"], role, key_prefix="new-role"),
            *_role_details(state),
            ft.TextField(
                label="Mot de passe initial",
                value=form["password"],
                password=True,
                key="new-password",
                on_change=_typed(state, "password"),
            ),
            ft.FilledButton(
                "Créer le compte",
                key="new-user",
                on_click=act(state.create_user),
                disabled=state.busy,
            ),
        ],
        spacing=10,
        width=360,
    )


def _device_row(state: AdminState, d: AdminDeviceOut) -> ft.Control:
    status = "révoqué le " + day_time(d.revoked_at) if d.revoked_at else "actif"
    return ft.Row(
        [
            ft.Icon(ft.Icons.SMARTPHONE),
            ft.Text(d.name, weight=ft.FontWeight.W_600, width=160),
            ft.Text(f"vu {day_time(d.last_seen_at, empty='jamais')} · {status}", expand=True),
            ft.OutlinedButton(
                "Révoquer",
                key=f"revoke-{d.id}",
                on_click=act(state.revoke, d),
                disabled=bool(d.revoked_at),
            ),
        ]
    )


def _enrol_code(enrol: EnrolCode) -> ft.Control:
    return ft.Row(
        [
            ft.Image(src=enrol.qr_png, width=180, height=180),
            ft.Column(
                [
                    ft.Text("Code d'enrôlement", weight=ft.FontWeight.W_600),
                    ft.Text(
                        enrol_code_of(enrol.code) or enrol.code,  # ABCD-2345
                        size=32,
                        weight=ft.FontWeight.BOLD,
                        font_family="monospace",
                        color=PRIMARY,
                    ),
                    ft.Text(
                        f"Valable jusqu'à {enrol.expires_at.astimezone():%H:%M}, "
                        "une seule fois. Scannez-le ou saisissez-le sur le téléphone."
                    ),
                ],
                spacing=6,
                expand=True,
            ),
        ],
        spacing=16,
    )


def _devices_panel(state: AdminState, user: AdminUserOut) -> ft.Control:
    def typed(password: str) -> None:
        state.password = password

    # One line, not a wrapping row: a secret field inside a wrapping row is drawn as
    # Flutter's grey error box (seen on the admin's screenshots; it still answered
    # taps through its semantics, so no browser step had noticed).
    actions = ft.Row(
        [
            ft.FilledButton(
                "Générer un code d'enrôlement",
                icon=ft.Icons.QR_CODE_2,
                key="enrol-code",
                on_click=act(state.new_enrol_code),
            ),
            dense_field(
                "Nouveau mot de passe",
                state.password,
                typed,
                key="reset-password",
                width=260,
                password=True,
            ),
            ft.OutlinedButton(
                "Réinitialiser le mot de passe",
                key="reset-password-go",
                on_click=act(state.reset_password),
            ),
        ],
        spacing=12,
    )
    devices = [_device_row(state, d) for d in state.devices]
    return panel(
        f"Appareils de {user.display_name}",
        *(devices or [ft.Text("Aucun appareil enrôlé.", italic=True)]),
        actions,
        *([_enrol_code(state.enrol)] if state.enrol is not None else []),
    )


TABS = [("users", "Utilisateurs et appareils"), ("referentials", "Référentiels et conservation")]


@ft.component
def ConsoleAdminScreen() -> ft.Control:
    state = use_section(AdminState)
    tab = state.tab

    def set_tab(value: str) -> None:
        state.tab = value

    console = use_console()
    is_admin = console.login is not None and console.login.user.role == Role.ADMIN.value

    async def first_load() -> None:
        if is_admin:
            await state.load()

    ft.on_mounted(first_load)
    if not is_admin:
        return banner("L'administration est réservée aux administrateurs.", error=True)

    body: list[ft.Control] = [
        ft.Row(
            [
                ft.Text("Administration", size=22, weight=ft.FontWeight.BOLD),
                ft.ProgressRing(width=22, height=22) if state.busy else ft.Container(),
            ],
            spacing=12,
        ),
        choice_chips(TABS, tab, set_tab, key_prefix="admin-tab"),
    ]
    if state.error:
        body.append(banner(state.error, error=True))
    if state.notice:
        body.append(banner(state.notice))
    if tab == "users":
        body.append(
            ft.Row(
                [ft.Container(_users_table(state), expand=True), _new_user_form(state)],
                vertical_alignment=ft.CrossAxisAlignment.START,
                spacing=24,
            )
        )
        if state.selected is not None:
            body.append(_devices_panel(state, state.selected))
    else:
        body.append(referentials_panel(state))
    return ft.Column(body, spacing=16, scroll=ft.ScrollMode.AUTO, expand=True)
