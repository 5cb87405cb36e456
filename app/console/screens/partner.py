"""The console of a partner structure's conseiller (role `partner`): the orientations
addressed to the structure, the minimum of each person, and the answers (accept,
decline with a reason, appointment date, outcome). Used on a desktop and at phone
width: one column of cards, buttons that wrap."""

from __future__ import annotations

import datetime as dt
from typing import Any

import flet as ft

from app.console.context import use_console, use_section
from app.console.state.partner_state import PartnerState, summary
from app.console.widgets.review_widgets import status_lines
from app.ui.form_state import use_form
from app.ui.widgets import PRIMARY, TAP, choice_chips
from domain.vocabulary import DeclineReason, OrientationOutcome, OrientationStatus

# What each answer opens under the card; accepting needs nothing more.
MODES = ("decline", "appointment", "outcome")


def _line(label: str, value: str | None) -> ft.Control:
    # Plain text (not selectable): a screen reader reads it, and it wraps at phone width.
    return ft.Text(f"{label} : {value or '—'}", size=15)


def _day(iso: str | None) -> str:
    return f"{dt.date.fromisoformat(iso):%d/%m/%Y}" if iso else ""


@ft.component
def OrientationCard(state: PartnerState, item: dict[str, Any]) -> ft.Control:
    form = use_form(mode="", reason="", outcome="", day=_day(item.get("appointment_date")))
    person = item["person"]
    name = " ".join(p for p in (person["first_name"], (person["last_name"] or "").upper()) if p)
    oid = item["id"]

    def open_mode(mode: str) -> None:
        form.set("mode", "" if form["mode"] == mode else mode)

    async def accept(_: Any) -> None:
        await state.answer(item, {"action": "accept"})

    async def decline(_: Any) -> None:
        if not form["reason"]:
            state.error, state.notice = "Choisissez le motif du refus.", None
            return
        if await state.answer(item, {"action": "decline", "decline_reason": form["reason"]}):
            form.set("mode", "")

    async def appointment(_: Any) -> None:
        if await state.set_appointment(item, form["day"]):
            form.set("mode", "")

    async def outcome(_: Any) -> None:
        if not form["outcome"]:
            state.error, state.notice = "Choisissez la suite donnée.", None
            return
        if await state.answer(item, {"action": "outcome", "outcome": form["outcome"]}):
            form.set("mode", "")

    oriented = f"Orientée le {_day(item['date'])} par {item['mediator_name']}"
    lines: list[ft.Control] = [
        ft.Text(name, size=18, weight=ft.FontWeight.BOLD, key=f"orientation-{oid}"),
        ft.Text(oriented + (f" · {item['theme']}" if item.get("theme") else ""), size=14),
        _line("Téléphone", person["phone"]),
        _line("E-mail", person["email"]),
        _line("Besoin", person["need"]),
        _line("Motif de l'orientation", item.get("reason")),
        _line("Freins", ", ".join(person["freins_labels"])),
        ft.Text(f"Statut : {summary(item)}", size=15, weight=ft.FontWeight.W_600, color=PRIMARY),
    ]
    can_accept = item["status"] in (OrientationStatus.PROPOSED, OrientationStatus.REFUSED)
    buttons = [
        ft.FilledButton("Accepter", key=f"accept-{oid}", on_click=accept, height=TAP)
        if can_accept
        else None,
        ft.OutlinedButton(
            "Refuser", key=f"decline-{oid}", on_click=lambda _: open_mode("decline"), height=TAP
        ),
        ft.OutlinedButton(
            "Date du rendez-vous",
            key=f"appointment-{oid}",
            on_click=lambda _: open_mode("appointment"),
            height=TAP,
        ),
        ft.OutlinedButton(
            "Suite donnée",
            key=f"outcome-{oid}",
            on_click=lambda _: open_mode("outcome"),
            height=TAP,
        ),
    ]
    lines.append(ft.Row([b for b in buttons if b is not None], wrap=True, spacing=8, run_spacing=8))
    mode = form["mode"]
    if mode == "decline":
        lines += [
            ft.Text("Motif du refus", weight=ft.FontWeight.W_600),
            choice_chips(
                DeclineReason.choices(),
                form["reason"],
                form.setter("reason"),
                key_prefix=f"reason-{oid}",
            ),
            ft.FilledButton("Confirmer le refus", on_click=decline, height=TAP),
        ]
    elif mode == "appointment":
        lines += [
            ft.TextField(
                label="Date du rendez-vous (JJ/MM/AAAA)",
                value=form["day"],
                key=f"day-{oid}",
                keyboard_type=ft.KeyboardType.DATETIME,
                on_change=lambda e: form.set("day", e.control.value or ""),
            ),
            ft.FilledButton("Enregistrer la date", on_click=appointment, height=TAP),
        ]
    elif mode == "outcome":
        lines += [
            ft.Text("Suite donnée", weight=ft.FontWeight.W_600),
            choice_chips(
                OrientationOutcome.choices(),
                form["outcome"],
                form.setter("outcome"),
                key_prefix=f"result-{oid}",
            ),
            ft.FilledButton("Enregistrer la suite", on_click=outcome, height=TAP),
        ]
    return ft.Container(
        content=ft.Column(lines, spacing=8),
        padding=16,
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
        border_radius=10,
    )


@ft.component
def PartnerHome() -> ft.Control:
    console = use_console()
    login = console.login
    state = use_section(PartnerState)

    async def first_load() -> None:
        if not state.loaded and console.login is not None:
            await state.load()

    ft.on_mounted(first_load)
    if login is None:  # signed out: ConsoleHome shows the login screen instead
        return ft.Container()

    header = ft.Container(
        content=ft.Row(
            [
                ft.Text(
                    "Relais · Orientations reçues",
                    size=20,
                    weight=ft.FontWeight.BOLD,
                    color=ft.Colors.WHITE,
                ),
                ft.Row(
                    [
                        ft.Text(f"{login.user.display_name} · Partenaire", color=ft.Colors.WHITE),
                        ft.TextButton(
                            "Se déconnecter",
                            key="console-logout",
                            on_click=lambda _: console.sign_out(),
                            style=ft.ButtonStyle(color=ft.Colors.WHITE),
                        ),
                    ],
                    wrap=True,
                ),
            ],
            alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
            wrap=True,
        ),
        bgcolor=PRIMARY,
        padding=ft.Padding.symmetric(horizontal=16, vertical=12),
    )
    waiting = sum(1 for i in state.items if i["status"] == OrientationStatus.PROPOSED)
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
    # Keyed by orientation: an open answer panel stays with its card when the list
    # reorders (Flet's component decorator takes `key`; its typing does not say so).
    body += [OrientationCard(state, item, key=item["id"]) for item in state.items]  # type: ignore[call-arg]
    # One column of cards: the whole width on a phone, centred on a desktop.
    content = ft.ResponsiveRow(
        [
            ft.Container(
                content=ft.Column(
                    body, spacing=12, horizontal_alignment=ft.CrossAxisAlignment.STRETCH
                ),
                col={"xs": 12, "md": 10, "xl": 8},
            )
        ],
        alignment=ft.MainAxisAlignment.CENTER,
    )
    return ft.Column(
        [header, ft.Container(content=content, padding=16)],
        spacing=0,
        expand=True,
        scroll=ft.ScrollMode.AUTO,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )


def _reload(state: PartnerState) -> Any:
    async def reload(_: Any) -> None:
        state.notice = None
        await state.load()

    return reload
