"""A partner structure's console: the orientations addressed to it and its answers."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import flet as ft

from app.console.state.api import ConsoleError
from app.console.state.section import LoadedSection
from domain.api.partner import PartnerOrientationOut

_FRENCH_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def parse_french_date(text: str) -> dt.date:
    """« 14/12/2026 » → a date; a French reason otherwise."""
    m = _FRENCH_DATE.match(text or "")
    if m is None:
        raise ConsoleError("Saisissez la date du rendez-vous au format JJ/MM/AAAA.")
    try:
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        raise ConsoleError(f"« {text.strip()} » n'est pas une date du calendrier.") from None


@ft.observable
@dataclass
class PartnerState(LoadedSection):
    partner_name: str = ""
    items: list[PartnerOrientationOut] = field(default_factory=list)
    drafts: dict[str, dict[str, str]] = field(default_factory=dict)
    """Each card's answer being written, by orientation id: the panel open (`mode`:
    decline, appointment or outcome), the reason, outcome or date chosen."""

    def draft(self, item: PartnerOrientationOut) -> dict[str, str]:
        day = f"{item.appointment_date:%d/%m/%Y}" if item.appointment_date else ""
        return self.drafts.get(item.id) or {"mode": "", "reason": "", "outcome": "", "day": day}

    def edit(self, item: PartnerOrientationOut, key: str, value: str) -> None:
        self.drafts = {**self.drafts, item.id: {**self.draft(item), key: value}}

    def open_mode(self, item: PartnerOrientationOut, mode: str) -> None:
        """Open an answer's panel under the card; opening it again closes it."""
        self.edit(item, "mode", "" if self.draft(item)["mode"] == mode else mode)

    async def _read(self) -> None:
        result = await self._run(self.api.partner_orientations)
        self.partner_name, self.items = result.partner_name, result.items

    async def answer(self, item: PartnerOrientationOut, answer: dict[str, Any]) -> bool:
        """Send one answer; the list shows the orientation as the server now holds it."""
        self.notice = None
        try:
            body = {**answer, "version": item.version}
            out = await self._run(self.api.partner_answer, item.id, body)
        except ConsoleError as exc:
            if exc.status == 409:  # changed meanwhile: show what it now reads
                await self.load()
                self.error = str(exc)
            return False
        self.items = [out if i.id == out.id else i for i in self.items]
        self.drafts = {k: v for k, v in self.drafts.items() if k != item.id}
        person = out.person
        name = " ".join(p for p in (person.first_name, person.last_name) if p)
        self.notice = f"Réponse enregistrée pour {name} : {summary(out)}."
        return True

    async def decline(self, item: PartnerOrientationOut) -> bool:
        answer = {"action": "decline", "decline_reason": self.draft(item)["reason"]}
        return await self._answer_picked(item, answer, "Choisissez le motif du refus.")

    async def set_outcome(self, item: PartnerOrientationOut) -> bool:
        answer = {"action": "outcome", "outcome": self.draft(item)["outcome"]}
        return await self._answer_picked(item, answer, "Choisissez la suite donnée.")

    async def _answer_picked(
        self, item: PartnerOrientationOut, answer: dict[str, str], missing: str
    ) -> bool:
        """Send `answer` once its value is picked in the card's panel; else say `missing`."""
        if not all(answer.values()):
            return self._refuse(missing)
        return await self.answer(item, answer)

    async def set_appointment(self, item: PartnerOrientationOut) -> bool:
        try:
            day = parse_french_date(self.draft(item)["day"])
        except ConsoleError as exc:
            return self._refuse(str(exc))
        return await self.answer(item, {"action": "appointment", "appointment_date": str(day)})

    def _refuse(self, reason: str) -> bool:
        """An answer not sent: why, in French; False, for the caller to return."""
        self.error, self.notice = reason, None
        return False


def summary(item: PartnerOrientationOut) -> str:
    """« Rendez-vous pris, rendez-vous le 14/12/2026, Rendez-vous honoré »."""
    parts = [item.status_label]
    if item.appointment_date:
        parts.append(f"rendez-vous le {item.appointment_date:%d/%m/%Y}")
    parts += [t for t in (item.decline_reason_label, item.outcome_label) if t]
    return ", ".join(parts)
