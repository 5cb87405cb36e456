"""Console: hard conflicts side by side — keep one value or write another, and resolve."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.console.context import use_section
from app.console.state.review_state import ConflictsState
from app.console.widgets.review_widgets import act, card, section_page, title, when
from app.ui.widgets import PRIMARY, choice_chips
from domain.api.review import ConflictSide, HeldOpOut, ReadableConflict
from domain.field_labels import entity_label, field_label, value_label


def _side(
    heading: str, side: ConflictSide | None, stored: bool, on_keep: Any, key: str
) -> ft.Control:
    if side is None:
        return ft.Container(expand=True)
    who = side.author_name or "auteur inconnu"
    at = when(side.at) if side.at else "date inconnue"
    return card(
        ft.Text(heading, size=13, color=ft.Colors.ON_SURFACE_VARIANT),
        ft.Text(side.value_label, size=20, weight=ft.FontWeight.BOLD, color=PRIMARY),
        ft.Text(f"par {who}, reçu le {at}", size=13),
        ft.Text(
            "Valeur actuellement enregistrée" if stored else "Valeur mise de côté",
            size=13,
            italic=True,
        ),
        ft.FilledButton(f"Garder « {side.value_label} »", key=key, on_click=on_keep),
        expand=True,
    )


def _other_value(
    c: ReadableConflict, custom: Any, set_custom: Callable[[Any], None], resolve: Any
) -> ft.Control:
    """Another value than both sides': picked among a closed field's values (a yes/no,
    a list), typed for a free field."""
    choices = c.choices
    if not choices:
        return ft.Row(
            [
                ft.TextField(
                    label=f"Autre valeur pour « {c.field_label} »",
                    key=f"custom-{c.id}",
                    value=custom if isinstance(custom, str) else "",
                    width=420,
                    dense=True,
                    on_change=lambda e: set_custom(e.control.value),
                ),
                ft.OutlinedButton(
                    "Enregistrer cette valeur",
                    key=f"keep-custom-{c.id}",
                    on_click=resolve,
                ),
            ]
        )
    # Chips carry string keys; values map back through their position.
    keys = [str(i) for i in range(len(choices))]
    values = [ch.value for ch in choices]
    if c.multiple:
        picked = {keys[values.index(v)] for v in (custom or []) if v in values}

        def toggle(key: str) -> None:
            now = picked ^ {key}
            set_custom([values[int(k)] for k in keys if k in now])

    else:
        picked = {keys[values.index(custom)]} if custom in values and custom != "" else set()

        def toggle(key: str) -> None:
            set_custom(values[int(key)])

    return ft.Column(
        [
            ft.Text(f"Ou choisissez une autre valeur pour « {c.field_label} » :", size=14),
            choice_chips(
                list(zip(keys, [ch.label for ch in choices], strict=True)),
                picked,
                toggle,
                key_prefix=f"custom-{c.id}",
            ),
            ft.OutlinedButton("Enregistrer ce choix", key=f"keep-custom-{c.id}", on_click=resolve),
        ],
        spacing=8,
    )


def _conflict(state: ConflictsState, c: ReadableConflict) -> ft.Control:
    incoming_won = c.incoming_won
    return card(
        ft.Text(f"{c.row_summary} · {c.field_label}", size=17, weight=ft.FontWeight.BOLD),
        ft.Text(
            f"{c.entity_label} modifié(e) sur deux appareils à partir de la même version.",
            size=13,
        ),
        ft.Row(
            [
                _side(
                    "Première modification",
                    c.server,
                    not incoming_won,
                    act(state.resolve, c, "server"),
                    f"keep-server-{c.id}",
                ),
                _side(
                    "Modification concurrente",
                    c.incoming,
                    incoming_won,
                    act(state.resolve, c, "incoming"),
                    f"keep-incoming-{c.id}",
                ),
            ],
            vertical_alignment=ft.CrossAxisAlignment.START,
        ),
        _other_value(
            c,
            state.customs.get(c.id, ""),
            lambda v: state.set_custom(c.id, v),
            act(state.resolve, c, "custom"),
        ),
    )


def _held(state: ConflictsState, h: HeldOpOut) -> ft.Control:
    entity = h.entity
    lines = [
        ft.Text(
            f"{field_label(c.field)} : {_shown(entity, c.field, c.current)}"
            f" deviendrait {_shown(entity, c.field, c.proposed)}",
            size=14,
        )
        for c in h.changes
    ]
    what = "nouvelle fiche" if not h.row_exists else f"fiche …{h.row_id[-8:]}"
    return card(
        ft.Text(
            f"{entity_label(entity)} · {what} · {h.author} ({h.device_name})",
            size=17,
            weight=ft.FontWeight.BOLD,
        ),
        ft.Text(f"Reçue le {when(h.received_at)}, après la révocation de l'appareil.", size=13),
        *lines,
        ft.Row(
            [
                ft.FilledButton(
                    "Appliquer",
                    key=f"held-accept-{h.op_id}",
                    on_click=act(state.decide_held, h, True),
                ),
                ft.OutlinedButton(
                    "Écarter",
                    key=f"held-discard-{h.op_id}",
                    on_click=act(state.decide_held, h, False),
                ),
            ]
        ),
    )


def _shown(entity: str, name: str, value: Any) -> str:
    return "(vide)" if value is None else f"« {value_label(entity, name, value)} »"


@ft.component
def ConsoleConflictsScreen() -> ft.Control:
    state = use_section(ConflictsState)
    ft.on_mounted(state.load)
    return section_page(
        state,
        f"Conflits à arbitrer ({len(state.items)})",
        "Deux médiateurs ont modifié le même champ sans voir la modification de l'autre. "
        "Choisissez la valeur à garder : elle sera envoyée à tous les téléphones.",
        [_conflict(state, c) for c in state.items],
        key="conflicts",
        empty="Aucun conflit en attente.",
        after=_held_ops(state),
    )


def _held_ops(state: ConflictsState) -> list[ft.Control]:
    if not state.held:
        return []
    return [
        title(f"Saisies d'un appareil révoqué, en attente ({len(state.held)})"),
        ft.Text(
            "Envoyées par un téléphone après sa révocation : aucune ne s'applique seule. "
            "Vérifiez ce qu'elle changerait, puis appliquez-la ou écartez-la.",
            size=14,
        ),
        *[_held(state, h) for h in state.held],
    ]
