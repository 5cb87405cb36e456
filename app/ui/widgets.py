"""Small building blocks shared by the screens.

Every tappable control gets a `key` and a readable name (its text or a
Semantics label) so that screen readers and browser tests can find it.
Tap targets are at least 48 px high: mediators use the app standing, one-handed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import flet as ft

from app.ui.format import parse_day
from app.ui.handlers import handler
from domain.vocabulary import FamilySituation, Gender

TAP = 52  # minimum height of a tap target, in logical pixels
PRIMARY = ft.Colors.INDIGO_900


def big_button(
    label: str,
    *,
    key: str,
    icon: Any = None,
    on_click: Callable[..., Any] | None = None,
    filled: bool = True,
    disabled: bool = False,
) -> ft.Control:
    kind = ft.FilledButton if filled else ft.OutlinedButton
    return kind(
        content=ft.Text(label, size=17, weight=ft.FontWeight.W_600),
        icon=icon,
        key=key,
        on_click=on_click,
        disabled=disabled,
        height=TAP + 8,
        expand=True,
    )


def wide_button(
    label: str,
    *,
    key: str,
    on_click: Callable[..., Any],
    icon: Any = None,
    filled: bool = True,
    disabled: bool = False,
) -> ft.Control:
    """A button as wide as the screen, on a row of its own."""
    button = big_button(
        label, key=key, icon=icon, on_click=on_click, filled=filled, disabled=disabled
    )
    return ft.Row([button])


def go_button(label: str, route: str, *, key: str, icon: Any, filled: bool = True) -> ft.Control:
    """A wide button that opens the screen at `route`."""

    def go(_: ft.Event) -> None:
        ft.context.page.navigate(route)

    return wide_button(label, key=key, icon=icon, filled=filled, on_click=go)


def busy_button(
    label: str,
    busy_label: str,
    *,
    busy: bool,
    key: str,
    on_click: Callable[..., Any],
    icon: Any = None,
) -> ft.Control:
    """A form's one submit button, saying what runs while it runs (a server call, the
    PIN's key derivation) and refusing a second tap meanwhile."""
    label = busy_label if busy else label
    return wide_button(label, key=key, icon=icon, on_click=on_click, disabled=busy)


def narrow_frame(controls: list[ft.Control], *, spacing: int = 16) -> ft.Control:
    """The sign-in and PIN screens: one column at the top of the page, as wide as a
    phone and no wider in a desktop browser."""
    return ft.Container(
        content=ft.Column(
            controls,
            spacing=spacing,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            width=420,
        ),
        padding=24,
        alignment=ft.Alignment.TOP_CENTER,
        expand=True,
    )


def icon_action(icon: Any, label: str, *, key: str, on_click: Callable[..., Any]) -> ft.Control:
    # An icon alone has no accessible name: Semantics gives it one, and replaces the
    # icon button's own (unnamed) node instead of nesting it. Sized to a thumb: an
    # icon button is 44 px by itself.
    return ft.Semantics(
        label=label,
        button=True,
        exclude_semantics=True,
        on_tap=on_click,
        content=ft.IconButton(
            icon, key=key, on_click=on_click, icon_size=28, width=TAP, height=TAP
        ),
    )


def named_button(
    text: str,
    name: str,
    *,
    key: str,
    on_click: Callable[..., Any],
    outlined: bool = False,
) -> ft.Control:
    """A short button whose accessible name says what it acts on: a screen reader lists
    a screen's controls by name, and several « Fait » or « Acceptée » told nothing apart."""
    kind = ft.OutlinedButton if outlined else ft.TextButton
    return ft.Semantics(
        label=name,
        button=True,
        exclude_semantics=True,
        on_tap=on_click,
        content=kind(text, key=key, height=48, on_click=on_click),
    )


def title_icon(icon: Any, label: str, *, key: str, on_click: Callable[[Any], None]) -> ft.Control:
    """An icon button of a title bar (white on the app's colour)."""
    # An icon alone has no accessible name: Semantics gives it one, and replaces the
    # icon button's own (unnamed) node instead of nesting it.
    button = ft.IconButton(
        icon, key=key, icon_color=ft.Colors.WHITE, icon_size=26, on_click=on_click
    )
    button.width = button.height = 48  # a tap target, although the icon is smaller
    return ft.Semantics(
        label=label, button=True, exclude_semantics=True, on_tap=on_click, content=button
    )


def choice_chips(
    choices: Sequence[tuple[str, str]],
    selected: set[str] | str | None,
    on_toggle: Callable[[str], Any],
    *,
    key_prefix: str,
) -> ft.Control:
    """A wrap of chips; each reads as a checkbox with its French label."""
    chosen = {selected} if isinstance(selected, str) else set(selected or ())
    return ft.Row(
        [
            ft.Chip(
                label=ft.Text(label, size=15),
                selected=value in chosen,
                on_select=handler(on_toggle, value),  # awaits an async on_toggle too
                key=f"{key_prefix}-{value}",
                height=TAP,
            )
            for value, label in choices
        ],
        wrap=True,
        spacing=8,
        run_spacing=8,
    )


# Yes/no answers named after their question: a screen reader lists every control of a
# screen by name, and three « Oui » on one form told nothing apart.
QPV_ANSWERS = [("yes", "Oui, en QPV"), ("no", "Non, hors QPV"), ("unknown", "QPV : ne sait pas")]
FT_ANSWERS = [
    ("yes", "Oui, inscrit·e"),
    ("no", "Non inscrit·e"),
    ("unknown", "France Travail : ne sait pas"),
]
# Two closed lists on one form both end with « Non renseigné »: each says which.
GENDER_ANSWERS = [
    (g.value, "Genre non renseigné" if g is Gender.UNKNOWN else g.label) for g in Gender
]
FAMILY_ANSWERS = [
    (f.value, "Situation non renseignée" if f is FamilySituation.UNKNOWN else f.label)
    for f in FamilySituation
]
ML_ANSWERS = [
    ("yes", "Oui, suivi·e"),
    ("no", "Non suivi·e"),
    ("unknown", "Mission Locale : ne sait pas"),
]


def section(title: str, *controls: ft.Control) -> ft.Control:
    return ft.Column(
        [ft.Text(title, size=15, weight=ft.FontWeight.BOLD, color=PRIMARY), *controls],
        spacing=8,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )


def banner(
    text: str,
    *,
    error: bool = False,
    actions: Sequence[ft.Control] = (),
    reveal_key: str | None = None,
) -> ft.Control:
    """A message; `reveal_key` lets `use_reveal` scroll it into view."""
    return ft.Container(
        key=ft.ScrollKey(reveal_key) if reveal_key else None,  # type: ignore[call-arg]
        content=ft.Row(
            [ft.Text(text, size=15, expand=True, color=ft.Colors.WHITE), *actions],
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        ),
        bgcolor=ft.Colors.RED_900 if error else ft.Colors.GREEN_900,
        padding=ft.Padding.symmetric(horizontal=14, vertical=10),
        border_radius=10,
    )


def use_reveal(scroll: ft.Ref[ft.Column] | None, key: str, shown: object) -> None:
    """Hook: scroll the banner keyed `key` into view whenever `shown` (its text) changes
    to something: a warning or an error under the fold is never read."""

    async def bring() -> None:
        if not shown or scroll is None:
            return
        # The client builds the banner at its next frame; the scroll looks it up then.
        await asyncio.sleep(0.2)
        if scroll.current is not None:
            await scroll.current.scroll_to(scroll_key=key, duration=250)

    ft.use_effect(bring, [shown])


def tappable(
    content: ft.Control, *, label: str, key: str, on_click: Callable[..., Any]
) -> ft.Control:
    """A card the whole of which is a button named `label` (for screen readers and tests)."""
    return ft.Semantics(
        label=label,
        button=True,
        content=ft.Container(
            content=content,
            key=key,
            on_click=on_click,
            ink=True,
            padding=ft.Padding.symmetric(horizontal=8, vertical=10),
            border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.GREY_400)),
        ),
    )


def warning_for(text: str, warning: str | None) -> list[ft.Control]:
    """The live minimisation warning under a free-text field, if any."""
    return [banner(warning, error=True)] if text and warning else []


def text_field(
    label: str,
    value: str,
    on_change: Callable[[str], Any],
    *,
    key: str,
    text_size: int | None = 17,
    **extra: Any,
) -> ft.Control:
    """A text field handing its text to `on_change`; `text_size` None: the theme's;
    `extra`: any other setting of `ft.TextField` (`multiline`, `max_length`…)."""
    return ft.TextField(
        label=label,
        key=key,
        value=value,
        text_size=text_size,
        on_change=lambda e: on_change(e.control.value or ""),
        **extra,
    )


def date_field(
    label: str,
    value: str,
    on_change: Callable[[str], Any],
    *,
    key: str,
    first: dt.date,
    last: dt.date,
    opens_on: dt.date | None = None,
) -> ft.Control:
    """A date typed as JJ/MM/AAAA, or picked in Flutter's calendar (in French: the page's
    locale), whichever is handier. The calendar opens on the date typed, else on
    `opens_on` (default: today, or `last` if earlier)."""

    def picked(e: ft.Event[ft.DatePicker]) -> None:
        chosen = e.control.value
        if isinstance(chosen, dt.datetime | dt.date):
            on_change(f"{chosen:%d/%m/%Y}")

    def open_calendar(_: ft.Event) -> None:
        shown = parse_day(value)
        fallback = opens_on or min(dt.date.today(), last)
        start = shown if shown is not None and first <= shown <= last else fallback
        ft.context.page.show_dialog(
            ft.DatePicker(
                value=dt.datetime.combine(start, dt.time()),
                first_date=dt.datetime.combine(first, dt.time()),
                last_date=dt.datetime.combine(last, dt.time()),
                help_text=label.split(" (")[0],
                on_change=picked,
            )
        )

    return ft.Row(
        [
            text_field(
                label,
                value,
                on_change,
                key=key,
                keyboard_type=ft.KeyboardType.DATETIME,
                expand=True,
            ),
            icon_action(
                ft.Icons.CALENDAR_MONTH,
                f"Calendrier : {label.split(' (')[0]}",
                key=f"{key}-calendar",
                on_click=open_calendar,
            ),
        ],
        spacing=4,
        vertical_alignment=ft.CrossAxisAlignment.START,
    )


def sync_marker(pending: bool, error: str | None, *, key: str) -> list[ft.Control]:
    """« En attente de synchronisation » or « Refusé : … » under an entry; nothing once
    the server has it (lists stay short)."""
    if error:
        return [ft.Text(f"Refusé : {error}", size=13, color=ft.Colors.RED_900, key=key)]
    if pending:
        return [
            ft.Text("En attente de synchronisation", size=13, color=ft.Colors.AMBER_900, key=key)
        ]
    return []
