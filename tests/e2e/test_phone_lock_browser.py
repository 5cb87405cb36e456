"""The phone's PIN, in Chromium: PIN setup, automatic and manual lock, unlock."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from scripts.processes import free_port, seed_server, start_app, start_server
from tests.e2e.ui import PHONE, Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]

LOCK_SECONDS = 6
PIN = "246813"

# What the browser does when its tab goes to the background or comes back (Flutter web
# turns it into the app lifecycle's hide / resume).
TAB_VISIBILITY = """state => {
  Object.defineProperty(document, "visibilityState", {configurable: true, get: () => state});
  Object.defineProperty(document, "hidden", {configurable: true, get: () => state === "hidden"});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def _unlock(phone: Ui, pin: str, *, again: bool = False) -> None:
    """The unlock screen opens with the cursor in the PIN field; after a wrong PIN
    the mediator taps the field to type again."""
    if again:
        phone.fill("Code PIN", pin)
    else:
        phone.type_at_cursor("Code PIN", pin)
    phone.tap("Déverrouiller")


def test_pin_setup_autolock_unlock(
    browser: Browser, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELAIS_LOCK_SECONDS", str(LOCK_SECONDS))
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    server = start_server(db_url, out_dir, free_port())
    phone_db = out_dir / "phone.sqlite3"
    field = start_app("field", server.url, phone_db, out_dir)
    try:
        phone = Ui.open(browser, field.url, out_dir / "phone", PHONE)
        phone.type_at_cursor("Identifiant", "amina")
        phone.fill("Mot de passe", "relais-demo")
        phone.tap("Se connecter")

        phone.see("Choisissez un code PIN")
        phone.type_at_cursor("Code PIN (6 chiffres minimum)", PIN)
        phone.fill("Confirmez le code PIN", "246800")
        phone.tap("Enregistrer le code PIN")
        phone.see("Les deux codes PIN ne sont pas identiques.")
        phone.shot("pin-mismatch")
        phone.fill("Confirmez le code PIN", PIN)
        phone.tap("Enregistrer le code PIN")
        phone.see("Aujourd'hui")
        phone.tap("Moins de 26 ans")
        phone.see("Contact anonyme compté.")
        phone.shot("today-with-lock-action")
        assert b"Amina Diallo" not in phone_db.read_bytes()

        # Left alone longer than the lock delay: the app locks itself.
        phone.see("Application verrouillée", timeout=(LOCK_SECONDS + 10) * 1000)
        phone.absent("Contact anonyme · Moins de 26 ans")
        phone.shot("auto-locked")

        _unlock(phone, "000000")
        phone.see("Code PIN incorrect. Encore 9 essai(s) avant blocage.")
        phone.shot("wrong-pin")
        _unlock(phone, PIN, again=True)
        phone.see("Contact anonyme · Moins de 26 ans")

        # Sent to the background (another app, the home button, the screen off): the
        # browser hides the page as a phone hides the app; back, the PIN is asked.
        phone.page.evaluate(TAB_VISIBILITY, "hidden")
        phone.page.evaluate(TAB_VISIBILITY, "visible")
        # Well before the inactivity lock (just unlocked: LOCK_SECONDS from now).
        phone.see("Application verrouillée", timeout=2_500)
        phone.shot("locked-after-background")
        _unlock(phone, PIN)
        phone.see("Contact anonyme · Moins de 26 ans")

        # On demand, from the title bar.
        phone.tap("Verrouiller")
        phone.see("Application verrouillée")

        # A restart opens on the unlock screen; the data is still there.
        field.stop()
        field = start_app("field", server.url, phone_db, out_dir)
        phone.goto(field.url)
        phone.see("Application verrouillée")
        phone.shot("locked-at-start")
        _unlock(phone, PIN)
        phone.see("Contact anonyme · Moins de 26 ans")
        phone.shot("unlocked-again")
    finally:
        field.stop()
        server.stop()
