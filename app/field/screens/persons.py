"""Personnes: find anyone met before by any part of a name or a phone number."""

from __future__ import annotations

import datetime as dt

import flet as ft

from app.field.context import use_field
from app.field.state.pathway_actions import PathwayActions
from app.field.state.person_search import PersonSearch
from app.field.widgets.frame import screen
from app.field.widgets.nav import field_nav, scope_switch
from app.store import LocalRow
from app.ui.format import age_on, day
from app.ui.widgets import go_button, sync_marker, tappable
from domain.entities import person_display_name

SEARCH_LABEL = "Rechercher (nom, prénom ou téléphone)"


def _age(data: dict[str, object]) -> str:
    if data.get("declared_age"):
        return f"{data['declared_age']} ans"
    birth = data.get("birth_date")
    if isinstance(birth, str) and len(birth) >= 10:
        return f"{age_on(dt.date.fromisoformat(birth[:10]), dt.date.today())} ans"
    return "âge inconnu"


def _seen(iso: str | None) -> str:
    return f"vu·e le {day(iso)}" if iso else "jamais rencontré·e"


def _result(row: LocalRow, last_contact: str | None, qpv_names: dict[str, str]) -> ft.Control:
    data = row.data
    name = person_display_name(data)
    qpv = qpv_names.get(
        str(data.get("qpv_code")), "hors QPV" if data.get("qpv_code") is None else ""
    )
    details = " · ".join(p for p in (_age(data), qpv, _seen(last_contact)) if p)
    return tappable(
        ft.Column(
            [
                ft.Text(name, size=17, weight=ft.FontWeight.BOLD),
                ft.Text(details, size=14),
                *sync_marker(row.pending, row.error, key=f"person-sync-{row.id}"),
            ],
            spacing=2,
        ),
        label=f"{name}, {details}",
        key=f"person-{row.id}",
        on_click=lambda _: ft.context.page.navigate(f"/personne/{row.id}"),
    )


def _listed(
    pathways: PathwayActions,
    listed: list[LocalRow],
    last: dict[str, str],
    qpv_names: dict[str, str],
) -> list[ft.Control]:
    """Without a search: the mediator's own persons, or the cité's met lately. A search
    always looks through the whole cité (a person not found is a duplicate created)."""
    mine = pathways.scope_mine
    title = "Mes personnes" if mine else "Personnes de la cité vues récemment"
    return [
        scope_switch(mine, pathways.set_scope, key="persons-scope"),
        ft.Text(
            f"{title} ({len(listed)})", size=15, weight=ft.FontWeight.BOLD, key="persons-title"
        ),
        *[_result(r, last.get(r.id), qpv_names) for r in listed],
        ft.Text("Tapez quelques lettres du nom ou des chiffres du téléphone.", size=15),
    ]


@ft.component
def PersonsScreen() -> ft.Control:
    return PersonsView(use_field().search)


@ft.component
def PersonsView(search: PersonSearch) -> ft.Control:
    # The search is an observable of its own, given as a prop so that typing
    # re-renders this screen (see app/field/state/person_search.py for why it is not use_state).
    state = use_field()
    pathways = state.pathways
    query = search.query
    revision = state.revision

    # One indexed query per local write, not per keystroke.
    last = ft.use_memo(state.view.latest_contact_dates, [revision])
    found = state.view.search_persons(query, limit=40) if query.strip() else []
    # Read once per local write (a hook: called on every render, whatever is typed).
    listed = ft.use_memo(
        lambda: pathways.my_persons() if pathways.scope_mine else pathways.cite_persons(),
        [revision, pathways.scope_mine],
    )
    refs = state.referentials
    qpv_names = {q.code: f"QPV {q.name}" for q in refs.qpvs} if refs else {}

    if not query.strip():
        results = _listed(pathways, listed, last, qpv_names)
    elif not found:
        results = [ft.Text("Personne ne correspond sur ce téléphone.", size=15, key="no-result")]
    else:
        results = [
            ft.Text(f"{len(found)} personne(s)", size=14, key="result-count"),
            *[_result(r, last.get(r.id), qpv_names) for r in found],
        ]
    return screen(
        "Personnes",
        [
            ft.TextField(
                label=SEARCH_LABEL,
                key="person-search",
                value=query,
                text_size=17,
                prefix_icon=ft.Icons.SEARCH,
                on_change=lambda e: state.search_typed(e.control.value or ""),
            ),
            *results,
            go_button(
                "Nouvelle personne",
                "/personne/nouvelle",
                key="persons-new",
                icon=ft.Icons.PERSON_ADD,
                filled=False,
            ),
        ],
        bottom=field_nav("nav-persons"),
    )
