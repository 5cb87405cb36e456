"""The app's theme, shared by the field app and the console."""

from __future__ import annotations

import flet as ft


def high_contrast_theme() -> ft.Theme:
    """Readable in sunlight: near-black text on white, a dark, saturated primary.

    Standard density everywhere: Flutter compacts controls on desktop and web
    (chips 44 px, icon buttons 40 px); a thumb outdoors needs the 48 px targets.
    """
    return ft.Theme(
        visual_density=ft.VisualDensity.STANDARD,
        color_scheme_seed=ft.Colors.INDIGO,
        color_scheme=ft.ColorScheme(
            primary=ft.Colors.INDIGO_900,
            on_primary=ft.Colors.WHITE,
            secondary_container=ft.Colors.INDIGO_100,
            on_secondary_container=ft.Colors.BLACK,
            surface=ft.Colors.WHITE,
            on_surface=ft.Colors.BLACK,
            on_surface_variant=ft.Colors.GREY_900,
            outline=ft.Colors.GREY_800,
            error=ft.Colors.RED_900,
        ),
    )
