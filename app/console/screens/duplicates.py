"""Console: possible duplicates with their evidence; merge, dismiss, or undo a merge."""

from __future__ import annotations

import flet as ft

from app.console.context import use_section
from app.console.state.review_state import DuplicatesState
from app.console.widgets.merge_chooser import merge_chooser
from app.console.widgets.review_widgets import act, card, section_page, when
from domain.api.review import DuplicatePair, PersonSummary


def _person(p: PersonSummary) -> ft.Control:
    born = f"né·e en {p.birth_year} ({p.age} ans)" if p.birth_year else "âge inconnu"
    return card(
        ft.Text(p.display_name, size=17, weight=ft.FontWeight.BOLD),
        ft.Text(born, size=14),
        ft.Text(f"Téléphone : {p.phone_masked or '—'}", size=14),
        ft.Text(f"QPV : {p.qpv_name or p.qpv_code or '—'}", size=14),
        ft.Text(f"{p.contact_count} contact(s)", size=14),
        expand=True,
    )


def _pair(state: DuplicatesState, pair: DuplicatePair) -> ft.Control:
    a, b = pair.a, pair.b
    # Keep the record with more history; the other one points to it.
    keep, fold = (a, b) if a.contact_count >= b.contact_count else (b, a)
    return card(
        ft.Row(
            [
                ft.Text(f"Indice {pair.score}", size=15, weight=ft.FontWeight.BOLD),
                ft.Text(" · ".join(pair.reasons), size=15),
            ]
        ),
        ft.Row([_person(a), _person(b)], vertical_alignment=ft.CrossAxisAlignment.START),
        ft.Row(
            [
                ft.FilledButton(
                    f"Fusionner dans {keep.display_name}",
                    key=f"merge-{fold.id}",
                    on_click=act(state.merge, fold, keep),
                ),
                ft.OutlinedButton(
                    "Choisir champ par champ",
                    key=f"choose-{a.id}-{b.id}",
                    on_click=act(state.open_choice, pair),
                ),
                ft.OutlinedButton(
                    "Ce n'est pas la même personne",
                    key=f"dismiss-{a.id}-{b.id}",
                    on_click=act(state.dismiss, pair),
                ),
            ]
        ),
        *_chooser(state, pair),
    )


def _chooser(state: DuplicatesState, pair: DuplicatePair) -> list[ft.Control]:
    """The field-by-field chooser, under the pair it was opened for."""
    choice = state.choice
    if choice is None or not choice.is_for(pair.a.id, pair.b.id):
        return []
    return [merge_chooser(state, choice)]


def _merges(state: DuplicatesState) -> ft.Control:
    rows = [
        ft.DataRow(
            cells=[
                ft.DataCell(ft.Text(m.person.display_name)),
                ft.DataCell(ft.Text(m.into.display_name if m.into else "—")),
                ft.DataCell(ft.Text(m.merged_by_name or "—")),
                ft.DataCell(ft.Text(when(m.merged_at) if m.merged_at else "—")),
                ft.DataCell(
                    ft.TextButton(
                        "Annuler la fusion",
                        key=f"unmerge-{m.person.id}",
                        on_click=act(state.unmerge, m),
                    )
                ),
            ]
        )
        for m in state.merges
    ]
    columns = ["Fiche fusionnée", "Dans", "Par", "Le", ""]
    return ft.DataTable(
        columns=[ft.DataColumn(label=ft.Text(c, weight=ft.FontWeight.BOLD)) for c in columns],
        rows=rows,
    )


@ft.component
def ConsoleDuplicatesScreen() -> ft.Control:
    state = use_section(DuplicatesState)
    ft.on_mounted(state.load)
    return section_page(
        state,
        f"Doublons possibles ({len(state.pairs)})",
        "Relais ne fusionne jamais seul : vérifiez les indices, puis décidez. "
        "Une fusion se propage à tous les téléphones et peut être annulée.",
        [_pair(state, p) for p in state.pairs],
        key="duplicates",
        empty="Aucun doublon proposé.",
        after=[
            ft.Divider(),
            ft.Text("Fusions récentes", size=18, weight=ft.FontWeight.BOLD),
            _merges(state) if state.merges else ft.Text("Aucune fusion.", size=14),
        ],
    )
