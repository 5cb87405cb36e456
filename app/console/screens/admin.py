"""Console › Administration (admin only): users, their devices and enrolment, referentials."""

from __future__ import annotations

import math
from typing import Any

import flet as ft

from app.console.context import use_console, use_section
from app.console.screens.admin_referentials import ReferentialsPanel
from app.console.state.admin_state import AdminState
from app.ui.format import day_time
from app.ui.handlers import handler
from app.ui.widgets import PRIMARY, banner, choice_chips
from domain.vocabulary import Role


def _users_table(state: AdminState) -> ft.Control:
    def row(u: dict[str, Any]) -> ft.DataRow:
        async def devices(_: Any) -> None:
            await state.select(u)

        async def deactivate(_: Any) -> None:
            await state.deactivate(u)

        actions = ft.Row(
            [
                ft.TextButton("Appareils", key=f"user-devices-{u['username']}", on_click=devices),
                ft.TextButton(
                    "Désactiver",
                    key=f"user-off-{u['username']}",
                    on_click=deactivate,
                    disabled=not u["active"],
                ),
            ],
            spacing=0,
        )
        cells = [
            u["display_name"],
            u["username"],
            u["role_label"],
            u.get("partner_name") or u.get("structure") or "—",
            "Actif" if u["active"] else "Désactivé",
            str(u["active_devices"]),
        ]
        return ft.DataRow(
            cells=[ft.DataCell(ft.Text(c, size=14)) for c in cells] + [ft.DataCell(actions)],
            selected=state.selected is not None and state.selected["id"] == u["id"],
        )

    pages = max(1, math.ceil(state.total / state.page_size))
    columns = ["Nom", "Identifiant", "Rôle", "Structure", "État", "Appareils actifs", ""]
    return ft.Column(
        [
            ft.DataTable(
                columns=[
                    ft.DataColumn(label=ft.Text(c, weight=ft.FontWeight.BOLD)) for c in columns
                ],
                rows=[row(u) for u in state.users],
                column_spacing=20,
            ),
            ft.Row(
                [
                    ft.TextButton(
                        "Précédent",
                        key="users-prev",
                        disabled=state.page <= 1,
                        on_click=handler(state.load, state.page - 1),
                    ),
                    ft.Text(f"Page {state.page} / {pages} · {state.total} comptes"),
                    ft.TextButton(
                        "Suivant",
                        key="users-next",
                        disabled=state.page >= pages,
                        on_click=handler(state.load, state.page + 1),
                    ),
                ]
            ),
        ]
    )


@ft.component
def NewUserForm(state: AdminState) -> ft.Control:
    form, set_form = ft.use_state(
        {
            "username": "",
            "display_name": "",
            "role": "mediator",
            "password": "",
            "structure": "",
            "partner_id": "",
        }
    )

    def put(key: str, value: str) -> None:
        set_form({**form, key: value})

    async def create(_: Any) -> None:
        # A partner account is attached to its structure; no other account is.
        partner = form["partner_id"] if form["role"] == Role.PARTNER else ""
        if await state.create_user({**form, "partner_id": partner}):
            set_form({**form, "username": "", "display_name": "", "password": "", "structure": ""})

    partner_choice: list[ft.Control] = []
    if form["role"] == Role.PARTNER:
        partner_choice = [
            ft.Text("Structure partenaire du compte", weight=ft.FontWeight.W_600),
            choice_chips(
                [(p["id"], p["name"]) for p in state.partners],
                form["partner_id"],
                lambda v: put("partner_id", v),
                key_prefix="new-partner",
            ),
        ]

    return ft.Column(
        [
            ft.Text("Nouveau compte", size=16, weight=ft.FontWeight.BOLD, color=PRIMARY),
            ft.TextField(
                label="Identifiant",
                value=form["username"],
                key="new-username",
                on_change=lambda e: put("username", e.control.value),
            ),
            ft.TextField(
                label="Nom affiché",
                value=form["display_name"],
                key="new-display",
                on_change=lambda e: put("display_name", e.control.value),
            ),
            ft.TextField(
                label="Structure employeuse (facultatif)",
                value=form["structure"],
                key="new-structure",
                max_length=120,
                on_change=lambda e: put("structure", e.control.value),
            ),
            choice_chips(
                Role.choices(), form["role"], lambda v: put("role", v), key_prefix="new-role"
            ),
            *partner_choice,
            ft.TextField(
                label="Mot de passe initial",
                value=form["password"],
                password=True,
                key="new-password",
                on_change=lambda e: put("password", e.control.value),
            ),
            ft.FilledButton(
                "Créer le compte", key="new-user", on_click=create, disabled=state.busy
            ),
        ],
        spacing=10,
        width=360,
    )


@ft.component
def DevicesPanel(state: AdminState) -> ft.Control:
    password, set_password = ft.use_state("")
    user = state.selected
    assert user is not None

    async def reset(_: Any) -> None:
        if await state.reset_password(password):
            set_password("")

    def device_row(d: dict[str, Any]) -> ft.Control:
        async def revoke(_: Any) -> None:
            await state.revoke(d)

        status = "révoqué le " + day_time(d["revoked_at"]) if d["revoked_at"] else "actif"
        return ft.Row(
            [
                ft.Icon(ft.Icons.SMARTPHONE),
                ft.Text(d["name"], weight=ft.FontWeight.W_600, width=160),
                ft.Text(
                    f"vu {day_time(d['last_seen_at'], empty='jamais')} · {status}", expand=True
                ),
                ft.OutlinedButton(
                    "Révoquer",
                    key=f"revoke-{d['id']}",
                    on_click=revoke,
                    disabled=bool(d["revoked_at"]),
                ),
            ]
        )

    enrol: list[ft.Control] = []
    if state.enrol is not None:
        code = state.enrol.code
        enrol = [
            ft.Row(
                [
                    ft.Image(src=state.enrol.qr_png, width=180, height=180),
                    ft.Column(
                        [
                            ft.Text("Code d'enrôlement", weight=ft.FontWeight.W_600),
                            ft.Text(
                                f"{code[:4]}-{code[4:]}",
                                size=32,
                                weight=ft.FontWeight.BOLD,
                                font_family="monospace",
                                color=PRIMARY,
                            ),
                            ft.Text(
                                f"Valable jusqu'à {state.enrol.expires_at.astimezone():%H:%M}, "
                                "une seule fois. Scannez-le ou saisissez-le sur le téléphone."
                            ),
                        ],
                        spacing=6,
                        expand=True,
                    ),
                ],
                spacing=16,
            )
        ]
    return ft.Container(
        content=ft.Column(
            [
                ft.Text(
                    f"Appareils de {user['display_name']}",
                    size=16,
                    weight=ft.FontWeight.BOLD,
                    color=PRIMARY,
                ),
                *(
                    [device_row(d) for d in state.devices]
                    or [ft.Text("Aucun appareil enrôlé.", italic=True)]
                ),
                ft.Row(
                    [
                        ft.FilledButton(
                            "Générer un code d'enrôlement",
                            icon=ft.Icons.QR_CODE_2,
                            key="enrol-code",
                            on_click=handler(state.new_enrol_code),
                        ),
                        ft.TextField(
                            label="Nouveau mot de passe",
                            value=password,
                            password=True,
                            width=260,
                            dense=True,
                            key="reset-password",
                            on_change=lambda e: set_password(e.control.value),
                        ),
                        ft.OutlinedButton(
                            "Réinitialiser le mot de passe", key="reset-password-go", on_click=reset
                        ),
                    ],
                    wrap=True,
                    spacing=12,
                ),
                *enrol,
            ],
            spacing=10,
        ),
        border=ft.Border.all(1, ft.Colors.GREY_300),
        border_radius=12,
        padding=16,
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
    if state.message:
        body.append(banner(state.message))
    if tab == "users":
        body.append(
            ft.Row(
                [ft.Container(_users_table(state), expand=True), NewUserForm(state)],
                vertical_alignment=ft.CrossAxisAlignment.START,
                spacing=24,
            )
        )
        if state.selected is not None:
            body.append(DevicesPanel(state))
    else:
        body.append(ReferentialsPanel(state))
    return ft.Column(body, spacing=16, scroll=ft.ScrollMode.AUTO, expand=True)
