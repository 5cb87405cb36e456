"""Today: the current action de terrain, quick contacts, and what was logged today."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.field.context import use_field
from app.field.screens.followups import followup_line
from app.field.state.field_state import FieldState
from app.field.widgets.flash import Flash
from app.field.widgets.frame import screen
from app.field.widgets.nav import field_nav, scope_switch
from app.field.widgets.sync_bar import SyncBar
from app.store import LocalRow
from app.ui.format import day_month, time_of_day
from app.ui.widgets import (
    PRIMARY,
    TAP,
    banner,
    choice_chips,
    go_button,
    section,
    tappable,
    title_icon,
    wide_button,
)
from domain.vocabulary import AgeBand, EventType, Gender, TriState


def _contact_line(row: LocalRow, person_name: str | None) -> ft.Control:
    data = row.data
    if person_name:
        who = person_name
    else:
        band = AgeBand(data["age_band"]).label if data.get("age_band") else "âge non renseigné"
        who = f"Contact anonyme · {band}"
    if row.error:
        state_text, color = f"Refusé : {row.error}", ft.Colors.RED_900
    elif row.pending:
        state_text, color = "En attente de synchronisation", ft.Colors.AMBER_900
    else:
        state_text, color = "Synchronisé", ft.Colors.GREEN_900
    return ft.Container(
        content=ft.Row(
            [
                ft.Text(time_of_day(data["occurred_at"]), size=15, weight=ft.FontWeight.BOLD),
                ft.Column(
                    [ft.Text(who, size=15), ft.Text(state_text, size=13, color=color)],
                    spacing=0,
                    expand=True,
                ),
            ],
        ),
        padding=ft.Padding.symmetric(vertical=6),
        border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.GREY_300)),
    )


@ft.component
def QuickContact() -> ft.Control:
    """The quick tally, pinned above the navigation bar: it never moves (nothing above
    it on the panel changes height), so taps in a row each land on their band."""
    state = use_field()
    _ = state.revision  # the count follows every local write
    gender, set_gender = ft.use_state("")
    qpv, set_qpv = ft.use_state("")
    # Read by the handlers: two taps arriving before a re-render see the same choice.
    choice = ft.use_ref(("", ""))
    choice.current = (gender, qpv)

    def count(band: AgeBand) -> None:
        chosen_gender, chosen_qpv = choice.current or ("", "")
        state.quick_contact(band.value, chosen_gender or None, chosen_qpv or None)
        choice.current = ("", "")
        set_gender("")
        set_qpv("")

    genders = [(g.value, g.label) for g in (Gender.FEMALE, Gender.MALE, Gender.OTHER)]
    return ft.Container(
        content=ft.Column(
            [
                ft.Text(
                    "Contact rapide (anonyme) · genre et QPV facultatifs",
                    size=14,
                    weight=ft.FontWeight.BOLD,
                    color=PRIMARY,
                ),
                choice_chips(
                    genders,
                    gender,
                    lambda v: set_gender("" if v == gender else v),
                    key_prefix="qc-gender",
                ),
                choice_chips(
                    [(TriState.YES.value, "Habite un QPV"), (TriState.NO.value, "Hors QPV")],
                    qpv,
                    lambda v: set_qpv("" if v == qpv else v),
                    key_prefix="qc-qpv",
                ),
                *_band_buttons(count),
                _tally_count(state),
            ],
            spacing=6,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        ),
        bgcolor=ft.Colors.INDIGO_50,
        padding=ft.Padding.only(left=16, right=16, top=8),
        border=ft.Border.only(top=ft.BorderSide(1, ft.Colors.GREY_400)),
    )


def _band_buttons(count: Callable[[AgeBand], None]) -> list[ft.Control]:
    # One full-width button per band: three side by side wrapped their labels.
    return [
        wide_button(
            band.label,
            key=f"qc-band-{band.value}",
            icon=ft.Icons.ADD,
            on_click=lambda _, b=band: count(b),
        )
        for band in AgeBand
    ]


def _tally_count(state: FieldState) -> ft.Control:
    """How many anonymous contacts so far, and « Annuler le dernier »; at a fixed height,
    so that the count and the button coming and going move nothing."""
    event = state.current_event()
    anonymous = [
        c
        for c in state.today_contacts()
        if not c.deleted
        and not c.data.get("person_id")
        and (event is None or c.data.get("event_id") == event.id)
    ]
    where = "dans cette action" if event is not None else "aujourd'hui"
    undo = (
        [
            ft.TextButton(
                "Annuler le dernier",
                key="qc-undo",
                on_click=lambda _: state.undo_last_contact(),
                height=TAP,
            )
        ]
        if state.last_contact_is_anonymous()
        else []
    )
    return ft.Container(
        content=ft.Row(
            [
                ft.Text(
                    f"{len(anonymous)} contact(s) anonyme(s) {where}",
                    size=15,
                    weight=ft.FontWeight.W_600,
                    key="qc-count",
                    expand=True,
                ),
                *undo,
            ],
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        ),
        height=TAP,
    )


@ft.component
def TodayScreen() -> ft.Control:
    state = use_field()
    _ = state.revision  # re-render after local writes
    if not state.readable:
        return ft.Container()  # locked or signed out: FieldHome shows the right screen
    event = state.current_event()
    contacts = state.today_contacts()
    live = [c for c in contacts if not c.deleted]
    event_count = sum(1 for c in live if event and c.data.get("event_id") == event.id)

    event_card = (
        _event_card(state, event, event_count) if event is not None else _start_event_button()
    )

    messages: list[ft.Control] = [banner(state.error, error=True)] if state.error else []

    return screen(
        "Aujourd'hui",
        [
            SyncBar(),
            *messages,
            Flash("/"),
            event_card,
            *_to_fix_section(state),
            *_due_section(state),
            go_button(
                "Nouvelle personne",
                "/personne/nouvelle",
                key="person-new",
                icon=ft.Icons.PERSON_ADD,
            ),
            section(
                f"Contacts du jour ({len(live)})",
                *[_contact_line(c, state.person_name(c.data.get("person_id"))) for c in live],
            ),
        ],
        top=_title_bar(state),
        pinned=QuickContact(),
        bottom=field_nav("nav-today"),
    )


def _event_card(state: FieldState, event: LocalRow, event_count: int) -> ft.Control:
    """The action running now: its type and place, its tally, « Terminer l'action »."""
    data = event.data
    place = data.get("place") or "lieu non précisé"
    me = state.user.get("id")
    others = [state.pathways.member_name(m) for m in data.get("mediator_ids") or [] if m != me]
    return ft.Container(
        content=ft.Column(
            [
                ft.Text("Action en cours", size=13),
                ft.Text(
                    f"{EventType(data['type']).label} · {place}",
                    size=18,
                    weight=ft.FontWeight.BOLD,
                ),
                ft.Text(
                    f"Démarrée à {time_of_day(data['starts_at'])} · {event_count} contact(s)",
                    size=15,
                    key="event-tally",
                ),
                *(
                    [ft.Text(f"Avec {', '.join(others)}", size=15, key="event-colleagues")]
                    if others
                    else []
                ),
                wide_button(
                    "Terminer l'action",
                    key="event-end",
                    icon=ft.Icons.STOP_CIRCLE_OUTLINED,
                    filled=False,
                    on_click=lambda _, eid=event.id: state.end_event(eid),
                ),
            ],
            spacing=2,
        ),
        bgcolor=ft.Colors.INDIGO_50,
        padding=12,
        border_radius=10,
    )


def _start_event_button() -> ft.Control:
    return go_button(
        "Démarrer une action de terrain", "/action/nouvelle", key="event-start", icon=ft.Icons.FLAG
    )


def _title_bar(state: FieldState) -> list[ft.Control]:
    """The mediator's name, and « Mes actions » in the title bar: the list of actions
    never pushes the tally down."""
    return [
        ft.Text(state.user.get("display_name", ""), color=ft.Colors.WHITE, size=14),
        title_icon(
            ft.Icons.HISTORY,
            "Mes actions",
            key="events-list",
            on_click=lambda _: _open_events(state),
        ),
    ]


def _open_events(state: FieldState) -> None:
    state.open_events()
    ft.context.page.navigate("/actions")


def _to_fix_section(state: FieldState) -> list[ft.Control]:
    """Contacts a supervisor sent back: first thing the mediator sees."""
    rows = state.pathways.contacts_to_fix()
    if not rows:
        return []
    items = []
    for c in rows:
        who = state.person_name(c.data.get("person_id")) or "Contact anonyme"
        comment = c.data.get("review_comment") or "voir avec votre superviseur"
        items.append(
            tappable(
                ft.Column(
                    [
                        ft.Text(
                            f"{who} · {day_month(c.data['occurred_at'])}",
                            size=16,
                            weight=ft.FontWeight.BOLD,
                        ),
                        ft.Text(comment, size=15, color=ft.Colors.RED_900),
                    ],
                    spacing=2,
                ),
                label=f"Corriger : {who}, {comment}",
                key=f"tofix-{c.id}",
                on_click=lambda _, cid=c.id: ft.context.page.navigate(f"/contact/{cid}"),
            )
        )
    return [section(f"À corriger ({len(rows)})", *items)]


def _due_section(state: FieldState) -> list[ft.Control]:
    due = state.pathways.due_followups()
    if not due and not state.pathways.due_followups(mine=not state.pathways.scope_mine):
        return []
    title = "Relances du jour" if state.pathways.scope_mine else "Relances du jour (toute la cité)"
    return [
        section(
            f"{title} ({len(due)})",
            scope_switch(state.pathways.scope_mine, state.pathways.set_scope, key="today-scope"),
            *[followup_line(state, d) for d in due],
        )
    ]
