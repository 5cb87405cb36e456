"""The duplicates screen's merge chooser: the record kept, and a choice (radio) for
each field where the two persons differ."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.console.state.merge_choice_state import MergeChoice
from app.console.state.review_state import DuplicatesState
from app.console.widgets.review_widgets import act, card, status_lines
from app.ui.widgets import PRIMARY
from domain.api.review import FieldDifferenceOut, MergeCompareOut


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


def _picker(state: DuplicatesState, d: FieldDifferenceOut) -> Callable[[str], None]:
    return lambda side: state.pick(d.field, side)


def _differences(
    state: DuplicatesState, choice: MergeChoice, data: MergeCompareOut
) -> list[ft.Control]:
    if not data.differences:
        return [ft.Text("Les deux fiches ne diffèrent sur aucun champ.", size=14)]
    rows: list[ft.Control] = [
        ft.Text("Valeur gardée, champ par champ", size=15, weight=ft.FontWeight.BOLD)
    ]
    for d in data.differences:
        rows.append(
            ft.Row(
                [
                    ft.Text(d.label, size=14, weight=ft.FontWeight.W_600, width=200),
                    _radios(
                        f"keep-{d.field}",
                        choice.side_of(d.field),
                        [("a", d.a_label or "(vide)"), ("b", d.b_label or "(vide)")],
                        _picker(state, d),
                    ),
                ],
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            )
        )
    return rows


def merge_chooser(state: DuplicatesState, choice: MergeChoice) -> ft.Control:
    """The chooser of `choice`, under the pair it was opened for."""
    data = choice.comparison
    controls = status_lines(False, choice.error, None)
    if data is None:
        return card(*controls) if controls else card(ft.Text("Comparaison des deux fiches…"))
    a, b = data.a, data.b
    controls += [
        ft.Text("Fiche conservée", size=15, weight=ft.FontWeight.BOLD, color=PRIMARY),
        _radios(
            "survivor",
            choice.survivor,
            [
                ("a", f"{a.display_name} ({a.contact_count} contact(s))"),
                ("b", f"{b.display_name} ({b.contact_count} contact(s))"),
            ],
            state.keep,
        ),
        *_differences(state, choice, data),
        ft.Text(
            "Une fusion s'annule (« Annuler la fusion ») : l'autre fiche redevient une fiche "
            "à part, telle qu'elle était, et la fiche conservée retrouve ses propres valeurs "
            "(sauf celles modifiées depuis).",
            size=13,
            color=ft.Colors.ON_SURFACE_VARIANT,
        ),
        ft.Row(
            [
                ft.FilledButton(
                    "Fusionner avec ces choix", key="merge-chosen", on_click=act(state.merge_chosen)
                ),
                ft.TextButton(
                    "Annuler", key="merge-cancel", on_click=lambda _: state.close_choice()
                ),
            ]
        ),
    ]
    return card(*controls)
