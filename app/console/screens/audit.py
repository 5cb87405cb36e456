"""Console › Journal d'audit (admin only): who did what, when, on which record.

Reads the cité's journal page by page, newest first; filters by action family and
by account. The journal holds ids and counts, never a person's name.
"""

from __future__ import annotations

import flet as ft

from app.console.context import use_console, use_section
from app.console.state.audit_state import AuditState
from app.console.widgets.review_widgets import pager, status_lines, title, when
from app.ui.handlers import handler
from app.ui.widgets import banner, choice_chips
from domain.api.security import AuditEventOut
from domain.audit_actions import FAMILIES
from domain.vocabulary import Role

COLUMNS = ["Date et heure", "Qui", "Action", "Objet"]


def _who(item: AuditEventOut) -> str:
    if item.action == "auth.login_failed":
        return "Inconnu"
    return item.actor_name or "Compte supprimé"


def _label(text: str) -> ft.Control:
    # Centred on the first row of chips (48 px high), when they wrap onto more.
    return ft.Container(ft.Text(text, size=15), width=80, padding=ft.Padding.only(top=13))


def _row(item: AuditEventOut) -> ft.DataRow:
    cells = [
        ft.Text(when(item.at), size=14),
        ft.Text(_who(item), size=14, weight=ft.FontWeight.W_600),
        ft.Text(item.action_label, size=14),
        ft.Text(item.object_label, size=13, color=ft.Colors.ON_SURFACE_VARIANT),
    ]
    return ft.DataRow(cells=[ft.DataCell(c) for c in cells])


@ft.component
def ConsoleAuditScreen() -> ft.Control:
    state = use_section(AuditState)
    console = use_console()
    is_admin = console.login is not None and console.login.user.role == Role.ADMIN.value

    async def first_load() -> None:
        if is_admin:
            await state.load(1)

    ft.on_mounted(first_load)
    if not is_admin:
        return banner("Le journal d'audit est réservé aux administrateurs.", error=True)

    filters = _filters(state)
    table = ft.DataTable(
        columns=[ft.DataColumn(label=ft.Text(c, weight=ft.FontWeight.BOLD)) for c in COLUMNS],
        rows=[_row(i) for i in state.items],
        column_spacing=28,
        data_row_max_height=56,
    )
    body: list[ft.Control] = [
        title(
            "Journal d'audit",
            ft.OutlinedButton(
                "Actualiser",
                icon=ft.Icons.REFRESH,
                key="audit-refresh",
                on_click=handler(state.load, state.page),
            ),
        ),
        ft.Text(
            "Qui a fait quoi et quand : lectures de fiches, exports, actions des superviseurs "
            "et des administrateurs. Le journal ne peut être ni modifié ni effacé.",
            size=14,
            color=ft.Colors.ON_SURFACE_VARIANT,
        ),
        filters,
        *status_lines(state.busy, state.error, None),
    ]
    if not state.items and not state.busy and not state.error:
        body.append(ft.Text("Aucune action pour ces critères.", size=16))
    body += [
        ft.Row([table], scroll=ft.ScrollMode.AUTO),
        pager(state.page, state.total, state.page_size, state.load, key="audit"),
    ]
    return ft.Column(body, spacing=14, scroll=ft.ScrollMode.AUTO, expand=True)


def _filter_row(label: str, chips: ft.Control) -> ft.Control:
    return ft.Row(
        [_label(label), ft.Container(chips, expand=True)],
        vertical_alignment=ft.CrossAxisAlignment.START,
    )


def _filters(state: AuditState) -> ft.Control:
    families = [(f.key, f.label) for f in FAMILIES]
    people = [(u.id, u.display_name) for u in state.users]
    return ft.Column(
        [
            _filter_row(
                "Actions :",
                choice_chips(families, state.family, state.set_family, key_prefix="family"),
            ),
            _filter_row(
                "Qui :", choice_chips(people, state.actor, state.set_actor, key_prefix="actor")
            ),
        ],
        spacing=8,
    )
