"""The pathway actions: orientations, relances, sorties, corrections, links.

A part of `FieldState` owning the relances' scope and the orientation « Annuler »
brings back. Every write goes through the local store (row + outbox op in one
transaction) and then reports through `done`, which shows the message and makes the
screens reading the store re-render.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import flet as ft

from app.field.state.store_view import person_name
from domain.pathway import Pathway, referent_of
from domain.vocabulary import OrientationOutcome, OrientationStatus, ReviewState

if TYPE_CHECKING:
    from app.field.state.store_view import LockedView
    from app.store import LocalRow, LocalStore
    from domain.sync import ReferentialsOut

LINK_DAYS = 60
"""How far back anonymous contacts are offered for linking to a person."""
FIXED_REVIEWS = "fixed_reviews"
"""Draft key of {contact id: review comment answered}: corrections not yet re-reviewed."""


@dataclass(frozen=True)
class DueFollowup:
    row: LocalRow
    person_name: str
    overdue: bool


@dataclass(eq=False, kw_only=True)
class PathwayActions(ft.Observable):
    """`store_of` gives the store written to, `view_of` the one read from (empty while
    locked); `user_of` the signed-in mediator, `referentials_of` what the server lists;
    `on_write` shows a message and refreshes the screens after a write."""

    store_of: Callable[[], LocalStore] = field(repr=False)
    view_of: Callable[[], LocalStore | LockedView] = field(repr=False)
    user_of: Callable[[], dict[str, Any]] = field(repr=False)
    referentials_of: Callable[[], ReferentialsOut | None] = field(repr=False)
    on_write: Callable[[str], None] = field(repr=False)
    scope_mine: bool = True
    """Relances, Aujourd'hui and Personnes show the mediator's own by default; off: the
    whole cité's."""
    undo_orientation_id: str | None = None
    """The orientation « Annuler » brings back after « Retirer »."""

    @property
    def store(self) -> LocalStore:
        return self.store_of()

    @property
    def view(self) -> LocalStore | LockedView:
        return self.view_of()

    @property
    def user(self) -> dict[str, Any]:
        return self.user_of()

    @property
    def referentials(self) -> ReferentialsOut | None:
        return self.referentials_of()

    def person_name(self, person_id: str | None) -> str | None:
        return person_name(self.view, person_id)

    # --- reads -------------------------------------------------------------------------
    def pathway(self, person_id: str) -> Pathway | None:
        return self.view.pathway(person_id)

    def member_name(self, user_id: str | None) -> str:
        if user_id and user_id == self.user.get("id"):
            return str(self.user.get("display_name") or "moi")
        refs = self.referentials
        for m in refs.members if refs else []:
            if m.id == user_id:
                return m.display_name
        return "médiateur inconnu"

    def partner_choices(self) -> list[tuple[str, str]]:
        refs = self.referentials
        return [(p.id, p.name) for p in refs.partners] if refs else []

    def partner_themes(self, partner_id: str) -> list[str]:
        """The thématiques an orientation to this partner is chosen from."""
        refs = self.referentials
        return refs.themes_of(partner_id) if refs and partner_id else []

    def _open_followups(self, mine: bool | None) -> list[LocalRow]:
        """Open relances, earliest first: the mediator's own (`mine`, default: the
        screens' switch), or the whole cité's."""
        only_mine = self.scope_mine if mine is None else mine
        me = self.user.get("id")
        return [
            r
            for r in self.view.rows("followup", order_by="due_date")
            if not r.data.get("done") and (not only_mine or r.data.get("mediator_id") == me)
        ]

    def _due(self, rows: list[LocalRow], day: str) -> list[DueFollowup]:
        return [
            DueFollowup(
                r,
                self.person_name(r.data.get("person_id")) or "(personne inconnue)",
                str(r.data["due_date"]) < day,
            )
            for r in rows
        ]

    def due_followups(
        self, today: dt.date | None = None, *, mine: bool | None = None
    ) -> list[DueFollowup]:
        """Open relances due today or earlier, oldest first."""
        day = (today or dt.date.today()).isoformat()
        rows = self._open_followups(mine)
        return self._due([r for r in rows if str(r.data.get("due_date", "")) <= day], day)

    def upcoming_followups(
        self, today: dt.date | None = None, *, mine: bool | None = None
    ) -> tuple[list[DueFollowup], list[DueFollowup]]:
        """Open relances to come: within the next 7 days, and later."""
        first = today or dt.date.today()
        day, week_end = first.isoformat(), (first + dt.timedelta(days=7)).isoformat()
        rows = [r for r in self._open_followups(mine) if str(r.data.get("due_date", "")) > day]
        soon = [r for r in rows if str(r.data["due_date"]) <= week_end]
        later = [r for r in rows if str(r.data["due_date"]) > week_end]
        return self._due(soon, day), self._due(later, day)

    def due_count(self) -> int:
        """The Relances tab's badge: the mediator's own relances due today or late."""
        return len(self.due_followups(mine=True))

    def set_scope(self, mine: bool) -> None:
        """« Mes relances / personnes » or the whole cité's, on every screen."""
        self.scope_mine = mine

    def contacts_to_fix(self, person_id: str | None = None) -> list[LocalRow]:
        """This mediator's contacts a supervisor sent back and not corrected yet."""
        answered = self.view.draft(FIXED_REVIEWS) or {}
        me = self.user.get("id")
        found = [
            r
            for r in self.view.rows(
                "contact",
                equals={"review_state": ReviewState.TO_FIX.value},
                order_by="occurred_at",
                descending=True,
            )
            if r.data.get("mediator_id") == me
            and answered.get(r.id) != r.data.get("review_comment")
            and (person_id is None or r.data.get("person_id") == person_id)
        ]
        return found

    def anonymous_contacts(self, days: int = LINK_DAYS, limit: int = 30) -> list[LocalRow]:
        """Anonymous contacts of the last `days` days, latest first: the ones a person
        met at the building and seen again may be linked to."""
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
        found = []
        for r in self.view.rows("contact", order_by="occurred_at", descending=True, limit=2000):
            when = dt.datetime.fromisoformat(str(r.data["occurred_at"]))
            if when < since:
                break
            if not r.data.get("person_id"):
                found.append(r)
                if len(found) == limit:
                    break
        return found

    def my_persons(self, limit: int = 200) -> list[LocalRow]:
        """« Mes personnes »: those the mediator is the référent of (chosen, or by the
        latest contact when none was chosen), latest contact first."""
        me = self.user.get("id")
        latest: dict[str, tuple[str, str | None]] = {}
        for c in self.view.rows("contact", order_by="occurred_at"):
            if pid := c.data.get("person_id"):
                latest[pid] = (str(c.data["occurred_at"]), c.data.get("mediator_id"))
        mine = [
            p
            for p in self.view.rows("person")
            if not p.data.get("merged_into")
            and referent_of(p.data, latest.get(p.id, ("", None))[1]) == me
        ]
        mine.sort(key=lambda p: latest.get(p.id, ("", None))[0], reverse=True)
        return mine[:limit]

    def cite_persons(self, limit: int = 60) -> list[LocalRow]:
        """The cité's persons met most recently (the Personnes tab, whole cité)."""
        dates = self.view.latest_contact_dates()
        ids = sorted(dates, key=lambda pid: dates[pid], reverse=True)
        found = []
        for pid in ids:
            row = self.view.get("person", pid)
            if row is not None and not row.deleted and not row.data.get("merged_into"):
                found.append(row)
                if len(found) == limit:
                    break
        return found

    # --- writes ------------------------------------------------------------------------
    def become_referent(self, person_id: str) -> None:
        """« Devenir référent·e »: the mediator follows this person from now on."""
        me = self.user["id"]
        if not self.store.update("person", person_id, {"referent_id": me}):
            self._done("Vous êtes déjà référent·e de cette personne.")
            return
        self._done(f"Vous êtes référent·e de {self.person_name(person_id) or 'cette personne'}.")

    def link_contact(self, contact_id: str, person_id: str) -> None:
        """Link an anonymous contact to the person it turned out to be. Raises
        ValueError with a French reason (a contact already linked stays as it is)."""
        row = self.view.get("contact", contact_id)
        if row is None or row.deleted:
            raise ValueError("Ce contact n'est pas (ou plus) sur ce téléphone.")
        linked = row.data.get("person_id")
        if linked:
            who = self.person_name(linked) or "une autre personne"
            raise ValueError(f"Ce contact est déjà rattaché à {who}.")
        self.store.update("contact", contact_id, {"person_id": person_id})
        when = dt.datetime.fromisoformat(str(row.data["occurred_at"])).astimezone()
        name = self.person_name(person_id) or "la personne"
        self._done(f"Contact du {when:%d/%m à %H:%M} rattaché à {name}.")

    def add_orientation(self, person_id: str, partner_id: str, theme: str, reason: str) -> str:
        values: dict[str, Any] = {
            "person_id": person_id,
            "partner_id": partner_id,
            "date": dt.date.today().isoformat(),
            "status": OrientationStatus.PROPOSED.value,
        }
        values.update({k: v.strip() for k, v in {"theme": theme, "reason": reason}.items() if v})
        orientation_id = self.store.create("orientation", values)
        self._done("Orientation enregistrée.")
        return orientation_id

    def set_orientation_status(self, orientation_id: str, status: OrientationStatus) -> None:
        changes: dict[str, Any] = {"status": status.value}
        if status in (OrientationStatus.ATTENDED, OrientationStatus.REFUSED):
            changes["feedback_date"] = dt.date.today().isoformat()
        self.store.update("orientation", orientation_id, changes)
        self._done(f"Orientation : {status.label}.")

    def _live_orientation(self, orientation_id: str) -> LocalRow:
        row = self.view.get("orientation", orientation_id)
        if row is None or row.deleted:
            raise ValueError(
                "Aucune orientation à compléter : elle n'est pas sur ce téléphone ou a été "
                "retirée. Rien n'est enregistré."
            )
        return row

    def correct_orientation(self, orientation_id: str, changes: dict[str, Any]) -> None:
        """A wrong partner, thématique, motif or date, corrected (ValueError: none)."""
        self._live_orientation(orientation_id)
        if not self.store.update("orientation", orientation_id, changes):
            self._done("Aucune modification : l'orientation est inchangée.")
            return
        self._done("Orientation corrigée.")

    def set_appointment(self, orientation_id: str, day: dt.date) -> None:
        self._live_orientation(orientation_id)
        self.store.update(
            "orientation",
            orientation_id,
            {"appointment_date": day.isoformat(), "status": OrientationStatus.APPOINTMENT.value},
        )
        self._done(f"Rendez-vous noté le {day:%d/%m/%Y}.")

    def report_outcome(self, orientation_id: str, outcome: OrientationOutcome) -> None:
        """What came of the orientation; refused (ValueError) without a live one."""
        self._live_orientation(orientation_id)
        changes: dict[str, Any] = {
            "outcome": outcome.value,
            "feedback_date": dt.date.today().isoformat(),
        }
        if outcome.attended:
            changes["status"] = OrientationStatus.ATTENDED.value
        self.store.update("orientation", orientation_id, changes)
        self._done(f"Résultat : {outcome.label}.")

    def withdraw_orientation(self, orientation_id: str) -> None:
        """An orientation entered by mistake, withdrawn (no longer counted); « Annuler »
        brings it back."""
        self._live_orientation(orientation_id)
        self.store.delete("orientation", orientation_id)
        self._done("Orientation retirée.", undo_orientation=orientation_id)

    def undo_withdraw_orientation(self) -> None:
        if self.undo_orientation_id:
            self.store.update("orientation", self.undo_orientation_id, {"deleted": False})
            self._done("Orientation rétablie.")

    def add_followup(self, person_id: str, due_date: dt.date, what: str) -> str:
        followup_id = self.store.create(
            "followup",
            {
                "person_id": person_id,
                "mediator_id": self.user["id"],
                "due_date": due_date.isoformat(),
                "what": what.strip(),
            },
        )
        self._done(f"Relance prévue le {due_date:%d/%m/%Y}.")
        return followup_id

    def mark_followup_done(self, followup_id: str) -> None:
        self.store.update("followup", followup_id, {"done": True})
        self._done("Relance faite.")

    def record_exit(self, person_id: str, exit_type: str, exit_date: dt.date) -> None:
        self.store.update(
            "person", person_id, {"exit_type": exit_type, "exit_date": exit_date.isoformat()}
        )
        self._done("Sortie enregistrée.")

    def update_person(self, person_id: str, changes: dict[str, Any]) -> bool:
        """Rectify a person's record (docs/architecture.md §4.7): the changed fields
        only, one op that syncs like any edit. False when nothing differs from what the
        phone holds."""
        if not self.store.update("person", person_id, changes):
            self._done("Aucune modification : la fiche est inchangée.")
            return False
        self._done("Fiche mise à jour.")
        return True

    def fix_contact(self, contact_id: str, changes: dict[str, Any]) -> None:
        """Save a correction (a normal update) and remember which comment it answers."""
        row = self.view.get("contact", contact_id)
        self.store.update("contact", contact_id, changes)
        if row is not None:
            answered = dict(self.view.draft(FIXED_REVIEWS) or {})
            answered[contact_id] = row.data.get("review_comment")
            self.store.save_draft(FIXED_REVIEWS, answered)
        self._done("Correction enregistrée : elle partira à la prochaine synchronisation.")

    def _done(self, message: str, *, undo_orientation: str | None = None) -> None:
        # « Annuler » undoes the entry the message is about, never an earlier one.
        self.undo_orientation_id = undo_orientation
        self.on_write(message)
