"""The console of a partner structure's conseiller (role `partner`): the orientations
addressed to the structure, the minimum of each person, and the answers (accept,
decline with a reason, appointment date, outcome). Used on a desktop and at phone
width: one column of cards, buttons that wrap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.console.context import use_console, use_first_load, use_section
from app.console.state.partner_state import PartnerState, summary
from app.console.widgets.review_widgets import act, signed_in_page, status_lines
from app.ui.date_input import date_input
from app.ui.widgets import PRIMARY, TAP, choice_chips
from domain.api.partner import PartnerOrientationOut
from domain.vocabulary import DeclineReason, OrientationOutcome, OrientationStatus

# What each answer opens under the card; accepting needs nothing more.
MODES = (
    ("decline", "Refuser"),
    ("appointment", "Date du rendez-vous"),
    ("outcome", "Suite donnée"),
)


def _line(label: str, value: str | None) -> ft.Control:
    # Plain text (not selectable): a screen reader reads it, and it wraps at phone width.
    return ft.Text(f"{label} : {value or '—'}", size=15)


def _facts(item: PartnerOrientationOut) -> list[ft.Control]:
    person = item.person
    name = " ".join(p for p in (person.first_name, (person.last_name or "").upper()) if p)
    oriented = f"Orientée le {item.date:%d/%m/%Y} par {item.mediator_name}"
    return [
        ft.Text(name, size=18, weight=ft.FontWeight.BOLD, key=f"orientation-{item.id}"),
        ft.Text(oriented + (f" · {item.theme}" if item.theme else ""), size=14),
        _line("Téléphone", person.phone),
        _line("E-mail", person.email),
        _line("Besoin", person.need),
        _line("Motif de l'orientation", item.reason),
        _line("Freins", ", ".join(person.freins_labels)),
        ft.Text(f"Statut : {summary(item)}", size=15, weight=ft.FontWeight.W_600, color=PRIMARY),
    ]


def _buttons(state: PartnerState, item: PartnerOrientationOut) -> ft.Control:
    oid = item.id
    can_accept = item.status in (OrientationStatus.PROPOSED, OrientationStatus.REFUSED)
    accept = ft.FilledButton(
        "Accepter",
        key=f"accept-{oid}",
        on_click=act(state.answer, item, {"action": "accept"}),
        height=TAP,
    )
    opens: list[ft.Control] = [
        ft.OutlinedButton(
            label,
            key=f"{mode}-{oid}",
            on_click=lambda _, m=mode: state.open_mode(item, m),
            height=TAP,
        )
        for mode, label in MODES
    ]
    shown = [accept, *opens] if can_accept else opens
    return ft.Row(shown, wrap=True, spacing=8, run_spacing=8)


def _answer_panel(state: PartnerState, item: PartnerOrientationOut) -> list[ft.Control]:
    """What the answer chosen opens under the card."""
    draft, oid = state.draft(item), item.id

    def put(key: str) -> Callable[[str], None]:
        return lambda value: state.edit(item, key, value)

    if draft["mode"] == "decline":
        return [
            ft.Text("Motif du refus", weight=ft.FontWeight.W_600),
            choice_chips(
                DeclineReason.choices(), draft["reason"], put("reason"), key_prefix=f"reason-{oid}"
            ),
            ft.FilledButton("Confirmer le refus", on_click=act(state.decline, item), height=TAP),
        ]
    if draft["mode"] == "appointment":
        return [
            date_input(
                "Date du rendez-vous (JJ/MM/AAAA)",
                draft["day"],
                put("day"),
                key=f"day-{oid}",
                width=280,
            ),
            ft.FilledButton(
                "Enregistrer la date", on_click=act(state.set_appointment, item), height=TAP
            ),
        ]
    if draft["mode"] == "outcome":
        return [
            ft.Text("Suite donnée", weight=ft.FontWeight.W_600),
            choice_chips(
                OrientationOutcome.choices(),
                draft["outcome"],
                put("outcome"),
                key_prefix=f"result-{oid}",
            ),
            ft.FilledButton(
                "Enregistrer la suite", on_click=act(state.set_outcome, item), height=TAP
            ),
        ]
    return []


def _card(state: PartnerState, item: PartnerOrientationOut) -> ft.Control:
    lines = [*_facts(item), _buttons(state, item), *_answer_panel(state, item)]
    return ft.Container(
        content=ft.Column(lines, spacing=8),
        padding=16,
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        border_radius=10,
        key=item.id,
    )


def _orientations(state: PartnerState) -> list[ft.Control]:
    waiting = sum(1 for i in state.items if i.status == OrientationStatus.PROPOSED)
    body: list[ft.Control] = [
        ft.Text(state.partner_name or "Votre structure", size=22, weight=ft.FontWeight.BOLD),
        ft.Text(
            f"{len(state.items)} orientation(s) reçue(s) · {waiting} en attente de réponse",
            size=15,
            key="partner-count",
        ),
        ft.Text(
            "Seules les orientations adressées à votre structure sont visibles ; "
            "chaque réponse parvient au médiateur à sa prochaine synchronisation.",
            size=13,
            color=ft.Colors.ON_SURFACE_VARIANT,
        ),
        *status_lines(state.busy, state.error, state.notice),
        ft.Row(
            [ft.OutlinedButton("Actualiser", key="partner-reload", on_click=_reload(state))],
        ),
    ]
    if state.loaded and not state.items:
        body.append(ft.Text("Aucune orientation reçue pour le moment.", italic=True))
    return body + [_card(state, item) for item in state.items]


@ft.component
def PartnerHome() -> ft.Control:
    state = use_section(PartnerState)
    use_first_load(state.load, needed=lambda: not state.loaded)
    return signed_in_page(
        use_console(),
        "Relais · Orientations reçues",
        lambda _login: ft.Container(content=_column(state), padding=16),
        wrap=True,
        scroll=ft.ScrollMode.AUTO,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )


def _column(state: PartnerState) -> ft.Control:
    """One column of cards: the whole width on a phone, centred on a desktop."""
    return ft.ResponsiveRow(
        [
            ft.Container(
                content=ft.Column(
                    _orientations(state),
                    spacing=12,
                    horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                ),
                col={"xs": 12, "md": 10, "xl": 8},
            )
        ],
        alignment=ft.MainAxisAlignment.CENTER,
    )


def _reload(state: PartnerState) -> Any:
    async def reload(_: Any) -> None:
        state.notice = None
        await state.load()

    return reload
