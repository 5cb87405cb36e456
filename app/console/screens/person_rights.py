"""Console, Parcours section: a person's rights (export, erasure) and the persons whose
data is anonymised within 30 days (docs/architecture.md §4.6). Parts of ConsolePersonsScreen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from app.console.state.rights_state import REASON_MAX, RightsState
from app.console.widgets.download import save_download
from app.console.widgets.review_widgets import act, card, distinct, open_link, when
from app.ui.widgets import PRIMARY, banner
from domain.api.review import PathwayOut

EMPTY_RETENTION = "Aucune anonymisation prévue dans les 30 prochains jours."
DANGER = ft.Colors.RED_900


def rights_actions(rights: RightsState, pathway: PathwayOut) -> ft.Control:
    """The two buttons under a pathway's title."""
    person = pathway.person
    exporting = rights.fetching == person.id

    async def export(_: Any) -> None:
        await rights.export(person, save_download)

    return ft.Row(
        [
            ft.OutlinedButton(
                "Export en cours…" if exporting else "Exporter ses données (RGPD)",
                icon=ft.Icons.DOWNLOAD,
                key="person-export",
                disabled=bool(rights.fetching),
                on_click=export,
            ),
            ft.OutlinedButton(
                "Effacer ses données",
                icon=ft.Icons.DELETE_FOREVER,
                key="person-erase",
                on_click=lambda _: rights.ask_erase(pathway),
                style=ft.ButtonStyle(
                    color=DANGER, side=ft.BorderSide(1, DANGER), icon_color=DANGER
                ),
            ),
            *([ft.ProgressRing(width=20, height=20)] if exporting else []),
        ],
        spacing=12,
        wrap=True,
    )


def due_notice(anonymised_on: str) -> ft.Control:
    """On the pathway of a person on the 30-day list."""
    return ft.Container(
        content=ft.Row(
            [
                ft.Icon(ft.Icons.EVENT_BUSY, color=ft.Colors.BROWN_900),
                ft.Text(
                    f"Anonymisation prévue le {when(anonymised_on)} : fin de la durée de "
                    "conservation depuis le dernier contact.",
                    size=14,
                    expand=True,
                ),
            ]
        ),
        bgcolor=ft.Colors.AMBER_100,
        border_radius=8,
        padding=ft.Padding.symmetric(horizontal=12, vertical=8),
    )


def retention_panel(rights: RightsState, show: Callable[[str], Awaitable[None]]) -> ft.Control:
    """Whose personal data is anonymised within 30 days, each opening its pathway."""
    heading = ft.Row(
        [
            ft.Icon(ft.Icons.EVENT_BUSY, color=PRIMARY),
            ft.Text(
                f"Anonymisations dans les 30 prochains jours ({len(rights.upcoming)})",
                size=18,
                weight=ft.FontWeight.BOLD,
            ),
        ]
    )
    explain = ft.Text(
        "À la fin de la durée de conservation après le dernier contact, les données "
        "personnelles sont anonymisées : il ne reste que l'année de naissance, le QPV, "
        "le genre et la tranche d'âge, pour les statistiques. Un nouveau contact repousse "
        "l'échéance.",
        size=14,
    )
    if not rights.loaded:
        return card(heading, explain)
    if not rights.upcoming:
        return card(heading, explain, ft.Text(EMPTY_RETENTION, size=15, key="retention-empty"))
    names = distinct([f"Ouvrir le parcours de {d.display_name}" for d in rights.upcoming])
    rows = [
        ft.DataRow(
            cells=[
                ft.DataCell(ft.Text(d.display_name, weight=ft.FontWeight.W_600)),
                ft.DataCell(ft.Text(when(d.last_contact, with_time=False))),
                ft.DataCell(ft.Text(when(d.anonymised_on))),
                ft.DataCell(
                    open_link(
                        "Ouvrir le parcours",
                        name=name,
                        key=f"retention-open-{d.person_id}",
                        on_click=act(show, d.person_id),
                    )
                ),
            ]
        )
        for d, name in zip(rights.upcoming, names, strict=True)
    ]
    columns = ["Personne", "Dernier contact", "Anonymisation le", ""]
    table = ft.DataTable(
        columns=[ft.DataColumn(label=ft.Text(c, weight=ft.FontWeight.BOLD)) for c in columns],
        rows=rows,
        column_spacing=24,
        data_row_max_height=52,
    )
    return card(heading, explain, table)


def erase_dialog(rights: RightsState, erase: Any) -> ft.AlertDialog | None:
    """The confirmation of an erasure, while one is asked for: the consequence in plain
    words, and the reason, required."""
    pathway = rights.erasing
    if pathway is None:
        return None

    name = pathway.person.display_name
    merged = [m.display_name for m in pathway.merged_persons]
    duplicates = (
        f", ainsi que ceux des doublons fusionnés dans sa fiche ({', '.join(merged)}),"
        if merged
        else ""
    )
    return ft.AlertDialog(
        modal=True,
        title=ft.Text(f"Effacer les données de {name} ?", weight=ft.FontWeight.BOLD),
        content=ft.Column(
            [
                ft.Text(
                    "Cet effacement est définitif : il ne pourra pas être annulé.",
                    weight=ft.FontWeight.BOLD,
                    color=DANGER,
                ),
                ft.Text(
                    f"La fiche de {name}, ses contacts (notes comprises), orientations et "
                    f"relances{duplicates} sont effacés du serveur, puis de chaque téléphone "
                    "à sa prochaine synchronisation."
                ),
                ft.Text("Si la personne a demandé ses données, exportez-les avant de les effacer."),
                ft.TextField(
                    label="Motif de l'effacement (obligatoire)",
                    key="erase-reason",
                    value=rights.reason,
                    max_length=REASON_MAX,
                    helper="Par exemple : demande de la personne du 3 mars. Pas de nom ici.",
                    helper_max_lines=2,
                    on_change=lambda e: rights.reason_edited(e.control.value or ""),
                    on_submit=erase,
                ),
                *([banner(rights.error, error=True)] if rights.error else []),
            ],
            tight=True,
            spacing=14,
            width=560,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        ),
        actions=_erase_actions(rights, erase),
        on_dismiss=lambda _: rights.cancel_erase(),
    )


def _erase_actions(rights: RightsState, erase: Any) -> list[ft.Control]:
    return [
        ft.TextButton(
            "Annuler",
            key="erase-cancel",
            disabled=rights.busy,
            on_click=lambda _: rights.cancel_erase(),
        ),
        ft.FilledButton(
            "Effacement…" if rights.busy else "Effacer définitivement",
            icon=ft.Icons.DELETE_FOREVER,
            key="erase-confirm",
            disabled=rights.busy,
            on_click=erase,
            style=ft.ButtonStyle(bgcolor=DANGER, color=ft.Colors.WHITE),
        ),
    ]
