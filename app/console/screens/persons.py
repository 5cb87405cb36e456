"""Console: search persons and read a pathway (timeline across mediators, status, sortie);
export or erase a person's data, and see whose data is anonymised within 30 days."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from app.console.context import use_section
from app.console.screens.person_rights import (
    due_notice,
    erase_dialog,
    retention_panel,
    rights_actions,
)
from app.console.state.review_state import PersonsState
from app.console.state.rights_state import RightsState
from app.console.widgets.review_widgets import (
    act,
    card,
    label_value,
    pager,
    status_lines,
    title,
    when,
)
from app.ui.widgets import PRIMARY, banner, choice_chips
from domain.api.review import PathwayOut, PersonSummary, TimelineEntryOut
from domain.minimisation import sensitivity_warning
from domain.pathway import referent_label
from domain.vocabulary import OrientationStatus

KIND_ICONS = {
    "contact": ft.Icons.FORUM,
    "orientation": ft.Icons.ARROW_FORWARD,
    "followup": ft.Icons.ALARM,
    "exit": ft.Icons.FLAG,
}


def _subtitle(p: PersonSummary) -> str:
    age = f"{p.age} ans" if p.age is not None else ""
    parts = (age, p.qpv_name or "", f"{p.contact_count} contact(s)", p.status_label or "")
    return " · ".join(s for s in parts if s)


def _results(state: PersonsState, show: Callable[[str], Awaitable[None]]) -> ft.Control:
    opened = state.pathway.person.id if state.pathway else None
    tiles = [
        ft.ListTile(
            title=ft.Text(p.display_name, weight=ft.FontWeight.W_600),
            subtitle=ft.Text(_subtitle(p)),
            key=f"person-{p.id}",
            selected=p.id == opened,
            on_click=act(show, p.id),
        )
        for p in state.items
    ]
    empty: list[ft.Control] = [ft.Text("Aucune personne trouvée.")]
    return ft.Column(list(tiles) or empty, spacing=0)


def _entry(e: TimelineEntryOut) -> ft.Control:
    who = f" · {e.author_name}" if e.author_name else ""
    return ft.Row(
        [
            ft.Icon(KIND_ICONS.get(e.kind, ft.Icons.CIRCLE), color=PRIMARY),
            ft.Column(
                [
                    ft.Text(f"{when(e.when)} · {e.title}{who}", weight=ft.FontWeight.W_600),
                    ft.Text(e.detail or "", size=13),
                ],
                spacing=2,
                expand=True,
            ),
        ],
        vertical_alignment=ft.CrossAxisAlignment.START,
    )


def _orientation(e: TimelineEntryOut, state: PersonsState) -> ft.Control:
    """An orientation, whose status the supervisor changes here (an op, like the phone's)."""

    async def set_status(status: str) -> None:
        label = OrientationStatus(status).label
        await state.correct(e.row_id, {"status": status}, f"Orientation (« {label} »)")

    def pick(status: str) -> None:
        ft.context.page.run_task(set_status, status)

    chips = choice_chips(OrientationStatus.choices(), None, pick, key_prefix=f"status-{e.row_id}")
    return ft.Column(
        [_entry(e), ft.Row([ft.Text("Changer le statut :", size=13), chips], wrap=True)],
        spacing=4,
    )


CORRECTED_FIELDS = (
    ("first_name", "Prénom"),
    ("last_name", "Nom d'usage"),
    ("phone", "Téléphone"),
    ("email", "E-mail"),
    ("need", "Besoin exprimé"),
)


def _correction_form(state: PersonsState, person_id: str) -> ft.Control:
    """Correct the person's record from the console: only the fields filled in change."""
    draft = state.draft

    async def save(_: Any) -> None:
        if await state.correct(person_id, dict(state.draft), "Fiche"):
            state.draft = {}

    def typed(name: str, value: str) -> None:
        state.draft = {**state.draft, name: value}

    warning = sensitivity_warning(draft.get("need", ""))
    return ft.Column(
        [
            ft.Text("Corriger la fiche", weight=ft.FontWeight.BOLD),
            ft.Text("Seuls les champs remplis sont modifiés.", size=13),
            ft.Row(
                [
                    ft.TextField(
                        label=label,
                        value=draft.get(name, ""),
                        key=f"correct-{name}",
                        width=260,
                        dense=True,
                        on_change=lambda e, n=name: typed(n, e.control.value or ""),
                    )
                    for name, label in CORRECTED_FIELDS
                ],
                wrap=True,
            ),
            *([banner(warning, error=True)] if warning else []),
            ft.OutlinedButton("Enregistrer la correction", key="correct-save", on_click=save),
        ],
        spacing=8,
    )


def _referent_text(p: PathwayOut) -> str:
    if not p.referent_name:
        return "—"
    how = "désigné·e" if p.referent_chosen else "dernier contact"
    return f"{p.referent_name} ({how})"


def _referent_chips(p: PathwayOut, state: PersonsState) -> ft.Control:
    """« Nommer référent·e »: one chip per mediator of the cité, the current one ticked."""
    chosen = p.referent_id if p.referent_chosen else None
    return ft.Row(
        [
            ft.Text("Nommer référent·e :", size=14),
            *[
                ft.Chip(
                    label=ft.Text(name, size=14),
                    selected=mid == chosen,
                    key=f"referent-{mid}",
                    on_select=act(state.name_referent, mid, name),
                )
                for mid, name in state.mediators
            ],
        ],
        wrap=True,
        spacing=8,
    )


def _facts(p: PathwayOut, state: PersonsState) -> list[ft.Control]:
    merged = ", ".join(m.display_name for m in p.merged_persons)
    referents = ", ".join(referent_label(r.name, r.since, r.until) for r in p.referent_periods)
    exit_text = f"{p.exit_label} {when(p.exit_date)}" if p.exit_label else ""
    return [
        label_value("Statut", p.status_label),
        label_value("Premier contact", when(p.first_contact)),
        label_value("Dernier contact", when(p.last_contact)),
        label_value("Contacts", str(p.contact_count)),
        label_value("Orientations", str(p.orientation_count)),
        label_value("Référent·e", _referent_text(p)),
        _referent_chips(p, state),
        # A server from before the referent periods gives the names alone.
        label_value("Référents", referents or ", ".join(p.referents)),
        label_value("Sortie", exit_text),
        *([label_value("Fiches fusionnées", merged)] if merged else []),
    ]


def _pathway(p: PathwayOut, rights: RightsState, state: PersonsState) -> ft.Control:
    due = rights.due_on(p.person.id)
    followups = [
        ft.Text(f"{when(f.when)} · {f.title} {f.detail}".strip(), size=14) for f in p.open_followups
    ]

    def close(_: Any) -> None:
        rights.dismiss()
        state.close()

    return card(
        ft.Row(
            [
                ft.Text(
                    f"Parcours de {p.person.display_name}",
                    size=20,
                    weight=ft.FontWeight.BOLD,
                    expand=True,
                ),
                ft.TextButton("Fermer", icon=ft.Icons.CLOSE, key="pathway-close", on_click=close),
            ]
        ),
        rights_actions(rights, p),
        *([due_notice(due)] if due else []),
        *_facts(p, state),
        ft.Divider(),
        ft.Text("Relances à faire", weight=ft.FontWeight.BOLD),
        *(followups or [ft.Text("Aucune.", size=14)]),
        ft.Divider(),
        _correction_form(state, p.person.id),
        ft.Divider(),
        ft.Text("Chronologie", weight=ft.FontWeight.BOLD),
        *[_orientation(e, state) if e.kind == "orientation" else _entry(e) for e in p.timeline],
        expand=True,
    )


def _search(state: PersonsState, show: Callable[[str], Awaitable[None]]) -> ft.Control:
    async def search(_: Any = None) -> None:
        await state.search(state.typed)

    def typed(e: ft.Event[ft.TextField]) -> None:
        state.typed = e.control.value

    return ft.Column(
        [
            title(f"Personnes ({state.total})"),
            ft.Row(
                [
                    ft.TextField(
                        label="Rechercher (nom, prénom ou téléphone)",
                        key="persons-query",
                        value=state.typed,
                        expand=True,
                        dense=True,
                        on_change=typed,
                        on_submit=search,
                    ),
                    ft.FilledButton("Rechercher", key="persons-search", on_click=search),
                ]
            ),
            *status_lines(state.busy, state.error, state.notice),
            _results(state, show),
            pager(
                state.page,
                state.total,
                state.page_size,
                functools.partial(state.search, None),
                "persons-page",
            ),
        ],
        spacing=12,
        width=460,
        scroll=ft.ScrollMode.AUTO,
    )


@ft.component
def ConsolePersonsScreen() -> ft.Control:
    state = use_section(PersonsState)
    rights = use_section(RightsState)

    async def first_page() -> None:
        await state.search(None, state.page)
        await state.load_mediators()
        await rights.load_upcoming()

    async def erase(_: Any = None) -> None:
        await rights.erase(state.forget)

    async def show(person_id: str) -> None:
        rights.dismiss()  # a message about the person shown before would mislead
        state.draft = {}
        await state.open(person_id)

    ft.on_mounted(first_page)
    ft.use_dialog(erase_dialog(rights, erase))
    shown: list[ft.Control] = (
        [_pathway(state.pathway, rights, state)]
        if state.pathway
        else [
            retention_panel(rights, show),
            ft.Text("Choisissez une personne pour voir son parcours.", size=16),
        ]
    )
    # While the erasure dialog is open, it shows the messages itself.
    messages = [] if rights.erasing else status_lines(rights.busy, rights.error, rights.notice)
    right = ft.Column([*messages, *shown], spacing=12, scroll=ft.ScrollMode.AUTO, expand=True)
    return ft.Row(
        [_search(state, show), ft.VerticalDivider(width=1), right],
        expand=True,
        vertical_alignment=ft.CrossAxisAlignment.START,
    )
