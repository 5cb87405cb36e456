"""State of a person's rights and of the retention preview (docs/architecture.md
§4.6, §4.7), for the console's Parcours section: export a person's data, erase it,
and see whose data is anonymised within 30 days.

Public API only, through the signed-in `ConsoleApi`; blocking HTTP runs in a worker
thread and failures become a French message on screen (see SectionState).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import flet as ft

from app.console.state.api import ConsoleError, Download
from app.console.state.section import Save, SectionState
from domain.api.review import PathwayOut, PersonSummary
from domain.api.security import RetentionDue

# The bounds of the server's EraseRequest.reason, checked here first so that a
# supervisor reads a sentence rather than the server's validation message.
REASON_MIN, REASON_MAX = 3, 200


def reason_problem(reason: str) -> str | None:
    """Why an erasure reason cannot be sent, in French; None when it can."""
    text = reason.strip()
    if not text:
        return "Indiquez le motif de l'effacement (par exemple : demande de la personne)."
    if len(text) < REASON_MIN:
        return f"Motif trop court : {REASON_MIN} caractères au moins."
    if len(text) > REASON_MAX:
        return f"Motif trop long : {REASON_MAX} caractères au plus."
    return None


def _ids(pathway: PathwayOut) -> set[str]:
    """The person shown and the duplicates merged into it: what an erasure removes."""
    return {pathway.person.id, *(m.id for m in pathway.merged_persons)}


@ft.observable
@dataclass
class RightsState(SectionState):
    """`fetching`: the id of the person whose export is being fetched."""

    upcoming: list[RetentionDue] = field(default_factory=list)
    """Persons anonymised within 30 days (`RetentionDue`), soonest first."""
    loaded: bool = False
    erasing: PathwayOut | None = None
    """The pathway of the person whose erasure is being confirmed (the dialog is open)."""
    reason: str = ""
    """The erasure's reason being typed in that dialog."""

    async def load_upcoming(self) -> None:
        try:
            self.upcoming = await self._run(self.api.retention_upcoming)
        except ConsoleError:
            return
        self.loaded = True

    def due_on(self, person_id: str) -> str | None:
        """The anonymisation date (ISO) of a person on the 30-day list, if it is on it."""
        return next(
            (d.anonymised_on.isoformat() for d in self.upcoming if d.person_id == person_id), None
        )

    async def export(self, person: PersonSummary, save: Save) -> None:
        """Fetch everything held on the person, then hand it to `save(name, bytes)`."""

        def said(file: Download) -> str:
            return f"Données de {person.display_name} exportées ({file.size}) : « {file.name} »."

        await self._download(person.id, save, self.api.export_person, person.id, said=said)

    def dismiss(self) -> None:
        """Forget the last message (another person is shown), unless the dialog is open."""
        if self.erasing is None:
            self.notice, self.error = None, None

    def ask_erase(self, pathway: PathwayOut) -> None:
        self.erasing, self.reason, self.error, self.notice = pathway, "", None, None

    def reason_edited(self, text: str) -> None:
        """The reason is being typed: a message about the one sent before is out of date."""
        self.reason = text
        if self.error is not None and not self.busy:
            self.error = None

    def cancel_erase(self) -> None:
        # Also the dialog's on_dismiss, which follows its closing after an erasure:
        # the message that erasure left must stay.
        if self.erasing is not None:
            self.erasing, self.error = None, None

    async def erase(self, forget: Callable[[set[str]], Awaitable[Any]]) -> bool:
        """Erase the person being confirmed; `forget(ids)` then drops them from the
        screen. True once the server erased them; on failure the reason is in `error`."""
        pathway = self.erasing
        if pathway is None:
            return False
        reason = self.reason
        problem = reason_problem(reason)
        if problem:
            self.error = problem
            return False
        ids = _ids(pathway)
        try:
            out = await self._run(self.api.erase_person, pathway.person.id, reason.strip())
        except ConsoleError as exc:
            if exc.status not in (404, 409):
                return False  # nothing erased: the dialog stays open with the message
            # Already erased, or not in the cité any more: nothing to show either.
            await self._forget(ids, forget)
            self.error = str(exc)
            return False
        await self._forget(ids, forget)
        self.notice = out.detail
        return True

    async def _forget(self, ids: set[str], forget: Callable[[set[str]], Awaitable[Any]]) -> None:
        self.erasing = None
        self.upcoming = [d for d in self.upcoming if d.person_id not in ids]
        await forget(ids)
        await self.load_upcoming()
