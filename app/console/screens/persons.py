"""Console: search persons and read a pathway (timeline across mediators, status, sortie);
export or erase a person's data, and see whose data is anonymised within 30 days."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from app.console.context import use_console
from app.console.screens.person_rights import (
    due_notice,
    erase_dialog,
    retention_panel,
    rights_actions,
)
from app.console.state.insight_state import kept_state
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
from app.ui.form_state import use_form
from app.ui.widgets import PRIMARY, banner, choice_chips
from domain.minimisation import sensitivity_warning
from domain.pathway import referent_label
from domain.vocabulary import OrientationStatus

KIND_ICONS = {
    "contact": ft.Icons.FORUM,
    "orientation": ft.Icons.ARROW_FORWARD,
    "followup": ft.Icons.ALARM,
    "exit": ft.Icons.FLAG,
}


def _results(state: PersonsState, show: Callable[[str], Awaitable[None]]) -> ft.Control:
    opened = (state.pathway or {}).get("person", {}).get("id")
    tiles = [
        ft.ListTile(
            title=ft.Text(p["display_name"], weight=ft.FontWeight.W_600),
            subtitle=ft.Text(
                " · ".join(
                    s
                    for s in (
                        f"{p['age']} ans" if p.get("age") is not None else "",
                        p.get("qpv_name") or "",
                        f"{p['contact_count']} contact(s)",
                        p.get("status_label") or "",
                    )
                    if s
                )
            ),
            key=f"person-{p['id']}",
            selected=p["id"] == opened,
            on_click=act(show, p["id"]),
        )
        for p in state.items
    ]
    empty: list[ft.Control] = [ft.Text("Aucune personne trouvée.")]
    return ft.Column(list(tiles) or empty, spacing=0)


def _entry(e: dict[str, Any], set_status: Callable[[str, str], Any] | None = None) -> ft.Control:
    who = f" · {e['author_name']}" if e.get("author_name") else ""
    if e["kind"] == "orientation" and set_status is not None:
        # The supervisor changes an orientation's status here (an op, like the phone's).
        return ft.Column(
            [
                _entry(e),
                ft.Row(
                    [
                        ft.Text("Changer le statut :", size=13),
                        choice_chips(
                            OrientationStatus.choices(),
                            None,
                            functools.partial(set_status, e["row_id"]),
                            key_prefix=f"status-{e['row_id']}",
                        ),
                    ],
                    wrap=True,
                ),
            ],
            spacing=4,
        )
    return ft.Row(
        [
            ft.Icon(KIND_ICONS.get(e["kind"], ft.Icons.CIRCLE), color=PRIMARY),
            ft.Column(
                [
                    ft.Text(f"{when(e['when'])} · {e['title']}{who}", weight=ft.FontWeight.W_600),
                    ft.Text(e.get("detail") or "", size=13),
                ],
                spacing=2,
                expand=True,
            ),
        ],
        vertical_alignment=ft.CrossAxisAlignment.START,
    )


@ft.component
def CorrectionForm(state: PersonsState, person_id: str) -> ft.Control:
    """Correct the person's record from the console: only the fields filled in change."""
    form = use_form(first_name="", last_name="", phone="", email="", need="")

    async def save(_: Any) -> None:
        if await state.correct(person_id, form.values(), "Fiche"):
            for name in form.values():
                form.set(name, "")

    fields = [
        ("first_name", "Prénom"),
        ("last_name", "Nom d'usage"),
        ("phone", "Téléphone"),
        ("email", "E-mail"),
        ("need", "Besoin exprimé"),
    ]
    warning = sensitivity_warning(form["need"])
    return ft.Column(
        [
            ft.Text("Corriger la fiche", weight=ft.FontWeight.BOLD),
            ft.Text("Seuls les champs remplis sont modifiés.", size=13),
            ft.Row(
                [
                    ft.TextField(
                        label=label,
                        value=form[name],
                        key=f"correct-{name}",
                        width=260,
                        dense=True,
                        on_change=lambda e, n=name: form.set(n, e.control.value or ""),
                    )
                    for name, label in fields
                ],
                wrap=True,
            ),
            *([banner(warning, error=True)] if warning else []),
            ft.OutlinedButton("Enregistrer la correction", key="correct-save", on_click=save),
        ],
        spacing=8,
    )


def _referent_text(p: dict[str, Any]) -> str:
    if not p.get("referent_name"):
        return "—"
    how = "désigné·e" if p.get("referent_chosen") else "dernier contact"
    return f"{p['referent_name']} ({how})"


def _referent_chips(p: dict[str, Any], state: PersonsState) -> ft.Control:
    """« Nommer référent·e »: one chip per mediator of the cité, the current one ticked."""
    chosen = p.get("referent_id") if p.get("referent_chosen") else None
    names = dict(state.mediators)
    return ft.Row(
        [
            ft.Text("Nommer référent·e :", size=14),
            *[
                ft.Chip(
                    label=ft.Text(name, size=14),
                    selected=mid == chosen,
                    key=f"referent-{mid}",
                    on_select=act(state.name_referent, mid, names.get(mid, "")),
                )
                for mid, name in state.mediators
            ],
        ],
        wrap=True,
        spacing=8,
    )


def _pathway(
    p: dict[str, Any],
    rights: RightsState,
    ask_erase: Callable[[], None],
    close: Callable[[], None],
    state: PersonsState,
) -> ft.Control:
    person = p["person"]
    merged = ", ".join(m["display_name"] for m in p["merged_persons"])
    due = rights.due_on(person["id"])
    followups = [
        ft.Text(f"{when(f['when'])} · {f['title']} {f['detail']}".strip(), size=14)
        for f in p["open_followups"]
    ]

    async def set_status(row_id: str, status: str) -> None:
        label = OrientationStatus(status).label
        await state.correct(row_id, {"status": status}, f"Orientation (« {label} »)")

    return card(
        ft.Row(
            [
                ft.Text(
                    f"Parcours de {person['display_name']}",
                    size=20,
                    weight=ft.FontWeight.BOLD,
                    expand=True,
                ),
                ft.TextButton(
                    "Fermer",
                    icon=ft.Icons.CLOSE,
                    key="pathway-close",
                    on_click=lambda _: close(),
                ),
            ]
        ),
        rights_actions(rights, p, ask_erase),
        *([due_notice(due)] if due else []),
        label_value("Statut", p["status_label"]),
        label_value("Premier contact", when(p.get("first_contact"))),
        label_value("Dernier contact", when(p.get("last_contact"))),
        label_value("Contacts", str(p["contact_count"])),
        label_value("Orientations", str(p["orientation_count"])),
        label_value("Référent·e", _referent_text(p)),
        _referent_chips(p, state),
        label_value(
            "Référents",
            ", ".join(
                referent_label(r["name"], r["since"], r["until"])
                for r in p.get("referent_periods") or []
            )
            or ", ".join(p["referents"]),  # a server from before the periods
        ),
        label_value(
            "Sortie", f"{p['exit_label']} {when(p.get('exit_date'))}" if p.get("exit_label") else ""
        ),
        *([label_value("Fiches fusionnées", merged)] if merged else []),
        ft.Divider(),
        ft.Text("Relances à faire", weight=ft.FontWeight.BOLD),
        *(followups or [ft.Text("Aucune.", size=14)]),
        ft.Divider(),
        CorrectionForm(state, person["id"], key=f"correct-{person['id']}"),  # type: ignore[call-arg]
        ft.Divider(),
        ft.Text("Chronologie", weight=ft.FontWeight.BOLD),
        *[_entry(e, set_status) for e in p["timeline"]],
        expand=True,
    )


@ft.component
def ConsolePersonsScreen() -> ft.Control:
    console = use_console()
    # Kept while signed in: the search and the person shown survive a trip elsewhere.
    state: PersonsState = ft.use_state(
        kept_state(console, "persons", lambda: PersonsState(api=console.api))
    )[0]
    rights, _ = ft.use_state(RightsState(api=console.api))
    query, set_query = ft.use_state(state.query)
    form = use_form(reason="")

    async def first_page() -> None:
        await state.search(None, state.page)
        await state.load_mediators()
        await rights.load_upcoming()

    def ask_erase() -> None:
        if state.pathway is not None:
            form.set("reason", "")
            rights.ask_erase(state.pathway)

    async def erase(_: Any = None) -> None:
        await rights.erase(form["reason"], state.forget)

    async def show(person_id: str) -> None:
        rights.dismiss()  # a message about the person shown before would mislead
        await state.open(person_id)

    def close() -> None:
        rights.dismiss()
        state.close()

    ft.on_mounted(first_page)
    ft.use_dialog(erase_dialog(rights, form["reason"], form.setter("reason"), erase))

    left = ft.Column(
        [
            title(f"Personnes ({state.total})"),
            ft.Row(
                [
                    ft.TextField(
                        label="Rechercher (nom, prénom ou téléphone)",
                        key="persons-query",
                        value=query,
                        expand=True,
                        dense=True,
                        on_change=lambda e: set_query(e.control.value),
                        on_submit=act(state.search, query),
                    ),
                    ft.FilledButton(
                        "Rechercher", key="persons-search", on_click=act(state.search, query)
                    ),
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
    shown: list[ft.Control] = (
        [_pathway(state.pathway, rights, ask_erase, close, state)]
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
        [left, ft.VerticalDivider(width=1), right],
        expand=True,
        vertical_alignment=ft.CrossAxisAlignment.START,
    )
