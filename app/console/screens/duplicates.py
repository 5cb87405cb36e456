"""Console: possible duplicates with their evidence; merge, dismiss, or undo a merge."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.console.context import use_console
from app.console.state.merge_choice_state import MergeChoice
from app.console.state.review_state import DuplicatesState
from app.console.widgets.merge_chooser import MergeChooser
from app.console.widgets.review_widgets import act, card, status_lines, title, when


def _person(p: dict[str, Any]) -> ft.Control:
    born = f"né·e en {p['birth_year']} ({p['age']} ans)" if p.get("birth_year") else "âge inconnu"
    return card(
        ft.Text(p["display_name"], size=17, weight=ft.FontWeight.BOLD),
        ft.Text(born, size=14),
        ft.Text(f"Téléphone : {p.get('phone_masked') or '—'}", size=14),
        ft.Text(f"QPV : {p.get('qpv_name') or p.get('qpv_code') or '—'}", size=14),
        ft.Text(f"{p['contact_count']} contact(s)", size=14),
        expand=True,
    )


def _pair(
    state: DuplicatesState, pair: dict[str, Any], choosing: Any, set_choosing: Any
) -> ft.Control:
    a, b = pair["a"], pair["b"]
    # Keep the record with more history; the other one points to it.
    keep, fold = (a, b) if a["contact_count"] >= b["contact_count"] else (b, a)
    return card(
        ft.Row(
            [
                ft.Text(f"Indice {pair['score']}", size=15, weight=ft.FontWeight.BOLD),
                ft.Text(" · ".join(pair["reasons"]), size=15),
            ]
        ),
        ft.Row([_person(a), _person(b)], vertical_alignment=ft.CrossAxisAlignment.START),
        ft.Row(
            [
                ft.FilledButton(
                    f"Fusionner dans {keep['display_name']}",
                    key=f"merge-{fold['id']}",
                    on_click=act(state.merge, fold, keep),
                ),
                ft.OutlinedButton(
                    "Choisir champ par champ",
                    key=f"choose-{a['id']}-{b['id']}",
                    on_click=lambda _: set_choosing(MergeChoice(state.api, a["id"], b["id"])),
                ),
                ft.OutlinedButton(
                    "Ce n'est pas la même personne",
                    key=f"dismiss-{a['id']}-{b['id']}",
                    on_click=act(state.dismiss, pair),
                ),
            ]
        ),
        *_chooser(state, pair, choosing, set_choosing),
    )


def _chooser(
    state: DuplicatesState, pair: dict[str, Any], choosing: Any, set_choosing: Any
) -> list[ft.Control]:
    """The field-by-field chooser under the pair it was opened for."""
    if choosing is None or (choosing.a_id, choosing.b_id) != (pair["a"]["id"], pair["b"]["id"]):
        return []

    async def merged(notice: str) -> None:
        set_choosing(None)
        state.notice = notice
        await state.load()

    return [MergeChooser(choosing, merged, lambda: set_choosing(None))]


def _merges(state: DuplicatesState) -> ft.Control:
    rows = [
        ft.DataRow(
            cells=[
                ft.DataCell(ft.Text(m["person"]["display_name"])),
                ft.DataCell(ft.Text((m.get("into") or {}).get("display_name", "—"))),
                ft.DataCell(ft.Text(m.get("merged_by_name") or "—")),
                ft.DataCell(ft.Text(when(m.get("merged_at")) if m.get("merged_at") else "—")),
                ft.DataCell(
                    ft.TextButton(
                        "Annuler la fusion",
                        key=f"unmerge-{m['person']['id']}",
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
    console = use_console()
    state, _ = ft.use_state(DuplicatesState(api=console.api))
    choosing, set_choosing = ft.use_state(None)
    ft.on_mounted(state.load)
    body: list[ft.Control] = [
        title(
            f"Doublons possibles ({len(state.pairs)})",
            ft.OutlinedButton(
                "Actualiser",
                icon=ft.Icons.REFRESH,
                key="duplicates-refresh",
                on_click=act(state.load),
            ),
        ),
        ft.Text(
            "Relais ne fusionne jamais seul : vérifiez les indices, puis décidez. "
            "Une fusion se propage à tous les téléphones et peut être annulée.",
            size=14,
        ),
        *status_lines(state.busy, state.error, state.notice),
    ]
    if state.loaded and not state.pairs:
        body.append(ft.Text("Aucun doublon proposé.", size=16))
    body += [_pair(state, p, choosing, set_choosing) for p in state.pairs]
    body += [ft.Divider(), ft.Text("Fusions récentes", size=18, weight=ft.FontWeight.BOLD)]
    body.append(_merges(state) if state.merges else ft.Text("Aucune fusion.", size=14))
    return ft.Column(body, spacing=12, scroll=ft.ScrollMode.AUTO, expand=True)
