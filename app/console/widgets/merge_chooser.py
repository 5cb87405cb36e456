"""The duplicates screen's merge chooser: the record kept, and a choice (radio) for
each field where the two persons differ."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from app.console.state.merge_choice_state import MergeChoice
from app.console.widgets.review_widgets import card, status_lines
from app.ui.widgets import PRIMARY


def _radios(
    key: str, value: str, options: list[tuple[str, str]], on_pick: Callable[[str], None]
) -> ft.Control:
    return ft.RadioGroup(
        content=ft.Row(
            [ft.Radio(value=v, label=label, key=f"{key}-{v}") for v, label in options],
            spacing=24,
            wrap=True,
        ),
        value=value,
        on_change=lambda e: on_pick(str(e.control.value)),
    )


def _picker(choice: MergeChoice, field_name: str) -> Callable[[str], None]:
    return lambda side: choice.choose(field_name, side)


def _differences(choice: MergeChoice, data: dict[str, Any]) -> list[ft.Control]:
    if not data["differences"]:
        return [ft.Text("Les deux fiches ne diffèrent sur aucun champ.", size=14)]
    rows: list[ft.Control] = [
        ft.Text("Valeur gardée, champ par champ", size=15, weight=ft.FontWeight.BOLD)
    ]
    for d in data["differences"]:
        rows.append(
            ft.Row(
                [
                    ft.Text(d["label"], size=14, weight=ft.FontWeight.W_600, width=200),
                    _radios(
                        f"keep-{d['field']}",
                        choice.side_of(d["field"]),
                        [("a", d["a_label"] or "(vide)"), ("b", d["b_label"] or "(vide)")],
                        _picker(choice, d["field"]),
                    ),
                ],
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            )
        )
    return rows


@ft.component
def MergeChooser(
    choice: MergeChoice, on_merged: Callable[[str], Awaitable[None]], on_cancel: Callable[[], None]
) -> ft.Control:
    ft.on_mounted(choice.load)
    data = choice.comparison
    controls: list[ft.Control] = [*status_lines(choice.busy, choice.error, None)]
    if data is None:
        return card(*controls) if controls else card(ft.Text("Comparaison des deux fiches…"))
    a, b = data["a"], data["b"]

    async def merge(_: Any) -> None:
        kept = a if choice.survivor == "a" else b
        if await choice.merge():
            name = kept["display_name"]
            await on_merged(f"Fiches fusionnées : la fiche de {name} est conservée.")

    controls += [
        ft.Text("Fiche conservée", size=15, weight=ft.FontWeight.BOLD, color=PRIMARY),
        _radios(
            "survivor",
            choice.survivor,
            [
                ("a", f"{a['display_name']} ({a['contact_count']} contact(s))"),
                ("b", f"{b['display_name']} ({b['contact_count']} contact(s))"),
            ],
            choice.keep,
        ),
        *_differences(choice, data),
        ft.Text(
            "Une fusion s'annule (« Annuler la fusion ») : l'autre fiche redevient une fiche "
            "à part, telle qu'elle était, et la fiche conservée retrouve ses propres valeurs "
            "(sauf celles modifiées depuis).",
            size=13,
            color=ft.Colors.ON_SURFACE_VARIANT,
        ),
        ft.Row(
            [
                ft.FilledButton("Fusionner avec ces choix", key="merge-chosen", on_click=merge),
                ft.TextButton("Annuler", key="merge-cancel", on_click=lambda _: on_cancel()),
            ]
        ),
    ]
    return card(*controls)
