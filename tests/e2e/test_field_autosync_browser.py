"""Automatic sync in Chromium, with real processes: the server goes away while a
mediator logs contacts, comes back on the same address, and the phone syncs by
itself, without anyone tapping "Synchroniser". The Synchronisation screen tells
what waits and when it last worked."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from domain.ids import uuid7
from scripts.processes import free_port, seed_server, start_app, start_server
from tests.e2e import field_steps
from tests.e2e.ui import PHONE, Ui

pytestmark = [pytest.mark.browser, pytest.mark.processes]

WAITING = "En attente de synchronisation"


def _write_orphan_followup(phone_db: Path) -> None:
    store = field_steps.phone_store(phone_db)
    try:
        store.create(
            "followup",
            {"person_id": uuid7(), "due_date": dt.date.today().isoformat(), "what": "Rappeler"},
        )
    finally:
        store.close()


def _open_details(phone: Ui) -> None:
    phone.tap("Détails de la synchronisation", exact=False)
    phone.see("Dernière synchronisation réussie")


def test_phone_syncs_by_itself_when_the_server_comes_back(
    browser: Browser, out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RELAIS_AUTOSYNC_SECONDS", "1")  # inherited by the app process
    db_url = f"sqlite:///{out_dir / 'server.sqlite3'}"
    seed_server(db_url)
    port = free_port()
    server = start_server(db_url, out_dir, port)
    field = start_app("field", server.url, out_dir / "phone.sqlite3", out_dir)
    try:
        phone = Ui.open(browser, field.url, out_dir / "phone", PHONE)
        field_steps.login(phone, "amina")
        # Right after the login the phone pulls the cité's data by itself.
        phone.see("Tout est synchronisé", timeout=60_000)
        phone.see(re.compile(r"En ligne · Synchro à \d\d:\d\d"))
        phone.shot("online-synced")

        # Out of range: the server goes away; the bar notices without a tap.
        server.stop()
        phone.see(re.compile(r"Hors ligne · Synchro à"), timeout=15_000)
        phone.tap("Moins de 26 ans")
        phone.see("Contact anonyme compté.")
        phone.tap("50 ans et plus")
        phone.see("2 contacts en attente de synchronisation")
        expect(phone.page.get_by_text(WAITING, exact=True)).to_have_count(2)
        phone.shot("offline-waiting")

        phone.tap("Synchroniser")  # a tap out of range: a readable failure
        phone.see("Échec : Serveur injoignable")
        phone.shot("offline-sync-attempt")

        _open_details(phone)
        phone.see("Hors ligne")
        phone.see("2 saisie(s)")
        phone.see("Dernier essai")
        phone.see("Aucune saisie refusée.")
        phone.shot("details-offline")
        phone.tap("Retour")
        phone.see("2 contacts en attente de synchronisation")

        # Back in range on the same address: nobody taps anything.
        server = start_server(db_url, out_dir, port)
        back_at = time.monotonic()
        phone.see("Tout est synchronisé", timeout=30_000)
        synced_after = time.monotonic() - back_at
        expect(phone.page.get_by_text(WAITING, exact=True)).to_have_count(0)
        phone.see(re.compile(r"En ligne · Synchro à"))
        phone.absent(re.compile("Synchronisation terminée"))  # automatic: no banner
        phone.absent(re.compile("Serveur injoignable"))  # the stale failure went too
        phone.shot("synced-by-itself")
        (out_dir / "measures.txt").write_text(
            f"server back -> 'Tout est synchronisé' on screen: {synced_after:.1f} s\n"
        )

        _open_details(phone)
        phone.see("En ligne")
        phone.see("0 saisie(s)")
        phone.see(re.compile(r"le \d\d/\d\d/\d{4} à \d\d:\d\d"))
        phone.see("Aucune saisie refusée.")
        phone.shot("details-online")

        # The screen's own button syncs too, and says so.
        phone.tap("Synchroniser")
        phone.see(re.compile("Synchronisation terminée"), timeout=30_000)
        phone.shot("details-after-manual-sync")

        # A relance about a person the server does not know (an op the phone's file
        # holds, written here by a second connection): refused alone, with its reason.
        _write_orphan_followup(out_dir / "phone.sqlite3")
        phone.tap("Retour")
        phone.see("Envoyé, sauf des saisies refusées", timeout=30_000)
        phone.see("1 refusé(s) par le serveur")
        phone.shot("refused")
        _open_details(phone)
        phone.see("Refusées par le serveur (1)")
        phone.see(re.compile(r"Relance …\w{8} \(Personne, Échéance, Objet\)"))
        phone.see(re.compile("Motif : Personne : référence inconnue dans votre cité"))
        phone.shot("details-refused")

        # Sent again, the server looks at it again: still no such person, refused again.
        phone.tap("Renvoyer")
        phone.see("Saisie remise en attente : elle repart à la prochaine synchronisation.")
        phone.tap("Synchroniser")
        phone.see("Refusées par le serveur (1)", timeout=30_000)
        phone.see(re.compile("Motif : Personne : référence inconnue dans votre cité"))

        # Nothing to correct here (the person does not exist): the mediator withdraws it.
        phone.tap("Retirer")
        phone.see(re.compile("Retirer cette saisie \\? Elle ne sera jamais envoyée"))
        phone.page.mouse.wheel(0, 600)  # the confirmation's buttons, above the bottom bar
        phone.page.wait_for_timeout(400)
        phone.shot("details-drop-confirm")
        assert phone.small_or_unnamed_controls() == []
        phone.tap("Oui, retirer")
        phone.see("Aucune saisie refusée.")
        phone.see("Saisie retirée : la fiche créée sur ce téléphone est supprimée.")
        phone.shot("details-dropped")
    finally:
        field.stop()
        server.stop()
