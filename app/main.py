"""Relais app entry point: the mediators' field app or the supervisors' console.

Run it in a browser with `python -m app.main` (port from RELAIS_APP_PORT); on a phone
the root `main.py` (what `flet build apk|ipa` packages) starts the field app. Each mode
imports only its own screens: the phone never loads the console.
"""

from __future__ import annotations

import os
from dataclasses import replace

import flet as ft

from app.config import AppConfig, AppMode
from app.ui.theme import high_contrast_theme
from domain.runtime import settle_heap


def main(page: ft.Page, *, mode: AppMode | None = None) -> None:
    config = AppConfig.from_env()
    if mode is not None:
        config = replace(config, mode=mode)
    page.theme = high_contrast_theme()
    page.theme_mode = ft.ThemeMode.LIGHT
    # Flutter's own strings (field counters, date pickers, screen-reader hints) in French.
    french = ft.Locale("fr", "FR")
    page.locale_configuration = ft.LocaleConfiguration(
        supported_locales=[french], current_locale=french
    )
    page.padding = 0
    if config.mode == "console":
        from app.console.app import ConsoleApp
        from app.console.state.console_state import ConsoleState

        page.title = "Relais · Console"
        page.render(ConsoleApp, ConsoleState.open(config))
    else:
        from app.field.app import FieldApp
        from app.field.state.field_state import FieldState

        page.title = "Relais · Terrain"
        page.render(FieldApp, FieldState.open(config))


def field_main(page: ft.Page) -> None:
    """The phone app: the field app whatever the environment says."""
    main(page, mode="field")


def run() -> None:
    port = int(os.environ.get("RELAIS_APP_PORT", "8551"))
    settle_heap()  # a sync of thousands of rows must not keep walking Flet's objects
    ft.run(
        main,
        view=ft.AppView.WEB_BROWSER,
        no_cdn=True,
        port=port,
        host="127.0.0.1",
        assets_dir=os.path.abspath("assets"),
    )


if __name__ == "__main__":
    run()
