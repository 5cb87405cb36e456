"""Today: the current action de terrain, quick contacts, and what was logged today."""

from __future__ import annotations

import datetime as dt

import flet as ft

from app.context import use_field
from app.screens.followups import followup_line
from app.state import FieldState
from app.store import LocalRow
from app.ui.nav import field_nav, scope_switch
from app.ui.sync_bar import SyncBar
from app.ui.widgets import TAP, banner, big_button, choice_chips, screen, section, tappable
from domain.vocabulary import AgeBand, EventType, Gender, TriState


def _time(iso: str) -> str:
    return f"{dt.datetime.fromisoformat(iso).astimezone():%H:%M}"


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
                ft.Text(_time(data["occurred_at"]), size=15, weight=ft.FontWeight.BOLD),
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
    state = use_field()
    gender, set_gender = ft.use_state("")
    qpv, set_qpv = ft.use_state("")

    def count(band: AgeBand) -> None:
        state.quick_contact(band.value, gender or None, qpv or None)
        set_gender("")
        set_qpv("")

    genders = [(g.value, g.label) for g in (Gender.FEMALE, Gender.MALE, Gender.OTHER)]
    return section(
        "Contact rapide (anonyme)",
        ft.Text("Facultatif : genre et résidence QPV, puis touchez la tranche d'âge.", size=13),
        choice_chips(
            genders, gender, lambda v: set_gender("" if v == gender else v), key_prefix="qc-gender"
        ),
        choice_chips(
            [(TriState.YES.value, "Habite un QPV"), (TriState.NO.value, "Hors QPV")],
            qpv,
            lambda v: set_qpv("" if v == qpv else v),
            key_prefix="qc-qpv",
        ),
        # One full-width button per band: three side by side wrapped their labels.
        ft.Column(
            [
                ft.Row(
                    [
                        big_button(
                            band.label,
                            key=f"qc-band-{band.value}",
                            icon=ft.Icons.ADD,
                            on_click=lambda e, b=band: count(b),
                        )
                    ]
                )
                for band in AgeBand
            ],
            spacing=8,
        ),
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

    if event is not None:
        data = event.data
        place = data.get("place") or "lieu non précisé"
        me = state.user.get("id")
        others = [state.member_name(m) for m in data.get("mediator_ids") or [] if m != me]
        event_card: ft.Control = ft.Container(
            content=ft.Column(
                [
                    ft.Text("Action en cours", size=13),
                    ft.Text(
                        f"{EventType(data['type']).label} · {place}",
                        size=18,
                        weight=ft.FontWeight.BOLD,
                    ),
                    ft.Text(
                        f"Démarrée à {_time(data['starts_at'])} · {event_count} contact(s)",
                        size=15,
                        key="event-tally",
                    ),
                    *(
                        [ft.Text(f"Avec {', '.join(others)}", size=15, key="event-colleagues")]
                        if others
                        else []
                    ),
                    ft.Row(
                        [
                            big_button(
                                "Terminer l'action",
                                key="event-end",
                                icon=ft.Icons.STOP_CIRCLE_OUTLINED,
                                filled=False,
                                on_click=lambda e, eid=event.id: state.end_event(eid),
                            )
                        ]
                    ),
                ],
                spacing=2,
            ),
            bgcolor=ft.Colors.INDIGO_50,
            padding=12,
            border_radius=10,
        )
    else:
        event_card = ft.Row(
            [
                big_button(
                    "Démarrer une action de terrain",
                    key="event-start",
                    icon=ft.Icons.FLAG,
                    on_click=lambda e: ft.context.page.navigate("/action/nouvelle"),
                )
            ]
        )

    messages: list[ft.Control] = []
    if state.error:
        messages.append(banner(state.error, error=True))
    if state.notice:
        undo = (
            [
                ft.TextButton(
                    "Annuler",
                    key="undo-contact",
                    on_click=lambda e: state.undo_quick_contact(),
                    style=ft.ButtonStyle(color=ft.Colors.WHITE),
                    height=TAP,
                )
            ]
            if state.undo_contact_id
            else []
        )
        messages.append(banner(state.notice, actions=undo))

    name = state.user.get("display_name", "")
    return screen(
        "Aujourd'hui",
        [
            SyncBar(),
            *messages,
            *_to_fix_section(state),
            *_due_section(state),
            event_card,
            QuickContact(),
            ft.Row(
                [
                    big_button(
                        "Nouvelle personne",
                        key="person-new",
                        icon=ft.Icons.PERSON_ADD,
                        on_click=lambda e: ft.context.page.navigate("/personne/nouvelle"),
                    )
                ]
            ),
            section(
                f"Contacts du jour ({len(live)})",
                *[_contact_line(c, state.person_name(c.data.get("person_id"))) for c in live],
            ),
        ],
        top=[
            ft.Text(name, color=ft.Colors.WHITE, size=14),
            # In the title bar: the list of actions never pushes the tally down.
            ft.Semantics(
                label="Mes actions",
                button=True,
                exclude_semantics=True,
                on_tap=lambda e: _open_events(state),
                content=ft.IconButton(
                    ft.Icons.HISTORY,
                    key="events-list",
                    icon_color=ft.Colors.WHITE,
                    icon_size=26,
                    width=48,
                    height=48,
                    on_click=lambda e: _open_events(state),
                ),
            ),
        ],
        bottom=field_nav("nav-today"),
    )


def _open_events(state: FieldState) -> None:
    state.open_events()
    ft.context.page.navigate("/actions")


def _to_fix_section(state: FieldState) -> list[ft.Control]:
    """Contacts a supervisor sent back: first thing the mediator sees."""
    rows = state.contacts_to_fix()
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
                            f"{who} · {_day(c.data['occurred_at'])}",
                            size=16,
                            weight=ft.FontWeight.BOLD,
                        ),
                        ft.Text(comment, size=15, color=ft.Colors.RED_900),
                    ],
                    spacing=2,
                ),
                label=f"Corriger : {who}, {comment}",
                key=f"tofix-{c.id}",
                on_click=lambda e, cid=c.id: ft.context.page.navigate(f"/contact/{cid}"),
            )
        )
    return [section(f"À corriger ({len(rows)})", *items)]


def _due_section(state: FieldState) -> list[ft.Control]:
    due = state.due_followups()
    if not due and not state.due_followups(mine=not state.scope_mine):
        return []
    title = "Relances du jour" if state.scope_mine else "Relances du jour (toute la cité)"
    return [
        section(
            f"{title} ({len(due)})",
            scope_switch(state.scope_mine, state.set_scope, key="today-scope"),
            *[followup_line(state, d) for d in due],
        )
    ]


def _day(iso: str) -> str:
    return f"{dt.datetime.fromisoformat(iso).astimezone():%d/%m}"
