"""The frame of every field screen: a title bar with the lock action, a scrolling
body and, optionally, the bottom navigation."""

from __future__ import annotations

from collections.abc import Sequence

import flet as ft

from app.field.widgets.lock_action import LockAction
from app.ui.widgets import PRIMARY


def screen(
    title: str,
    body: Sequence[ft.Control],
    *,
    top: Sequence[ft.Control] = (),
    pinned: ft.Control | None = None,
    bottom: ft.Control | None = None,
    scroll: ft.Ref[ft.Column] | None = None,
) -> ft.Control:
    """A scrolling phone screen with a title bar and, optionally, a panel pinned under
    the scrolling part (always in reach, whatever is listed) and a bottom bar."""
    return ft.Column(
        [
            ft.Container(
                content=ft.Row(
                    [
                        ft.Text(title, size=22, weight=ft.FontWeight.BOLD, color=ft.Colors.WHITE),
                        ft.Row([*top, LockAction()], spacing=4, tight=True),
                    ],
                    alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
                ),
                bgcolor=PRIMARY,
                padding=ft.Padding.symmetric(horizontal=16, vertical=12),
            ),
            ft.Container(
                content=ft.Column(
                    list(body),
                    ref=scroll,
                    spacing=16,
                    scroll=ft.ScrollMode.AUTO,
                    horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                ),
                padding=ft.Padding.symmetric(horizontal=16, vertical=8),
                expand=True,
            ),
            *([pinned] if pinned is not None else []),
            *([bottom] if bottom is not None else []),
        ],
        expand=True,
        spacing=0,
    )
