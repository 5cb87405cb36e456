"""What the mediator typed in the Personnes search, held by the session state.

Kept out of the screen's own `use_state` so that a re-mount of the screen (a tab
switch answered twice by the router on a busy phone) never drops what was typed,
and so that coming back to the tab shows the last search. It is a name or a phone
number: it is emptied when the app locks, signs out or is wiped.
"""

from __future__ import annotations

from dataclasses import dataclass

import flet as ft


@ft.observable
@dataclass
class PersonSearch:
    query: str = ""

    def set(self, text: str) -> None:
        self.query = text

    def clear(self) -> None:
        self.query = ""
