"""Steps shared by the console's browser tests: the demo server with its console app,
and signing in as a supervisor, an admin, a partner or a programme account would."""

from __future__ import annotations

from dataclasses import dataclass

from scripts.processes import Proc
from tests.e2e.ui import Ui

SUPERVISION = "Relais · Console de supervision"
"""The header of the console of a supervisor or an admin."""


@dataclass
class DemoConsole:
    """The server on the demo cité's data and the console app in front of it (the
    `demo_console` fixture)."""

    server: Proc
    app: Proc
    db_url: str


def sign_in(ui: Ui, login: str, password: str, *, header: str = SUPERVISION) -> None:
    """On the console's sign-in screen (it opens with the cursor in « Identifiant »):
    the identifier, the password, « Se connecter », then the account's console, known
    by its `header`."""
    ui.type_at_cursor("Identifiant", login)
    ui.fill("Mot de passe", password)
    ui.tap("Se connecter")
    ui.see(header)
