"""A partner structure's console: the orientations addressed to it and its answers."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import flet as ft

from app.console.state.api import ConsoleError
from app.console.state.section import SectionState

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
class PartnerState(SectionState):
    partner_name: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)
    loaded: bool = False

    async def load(self) -> None:
        self.busy, self.error = True, None
        try:
            result = (await asyncio.to_thread(self.api.partner_orientations)).model_dump(
                mode="json"
            )
            self.partner_name, self.items = result["partner_name"], list(result["items"])
            self.loaded = True
        except ConsoleError as exc:
            self.error = str(exc)
        finally:
            self.busy = False

    async def answer(self, item: dict[str, Any], answer: dict[str, Any]) -> bool:
        """Send one answer; the list shows the orientation as the server now holds it."""
        self.busy, self.error, self.notice = True, None, None
        try:
            body = {**answer, "version": item["version"]}
            answered = await asyncio.to_thread(self.api.partner_answer, item["id"], body)
            out = answered.model_dump(mode="json")
        except ConsoleError as exc:
            self.error = str(exc)
            if exc.status == 409:  # changed meanwhile: show what it now reads
                await self.load()
                self.error = str(exc)
            return False
        finally:
            self.busy = False
        self.items = [out if i["id"] == out["id"] else i for i in self.items]
        person = out["person"]
        name = " ".join(p for p in (person["first_name"], person["last_name"]) if p)
        self.notice = f"Réponse enregistrée pour {name} : {summary(out)}."
        return True

    async def set_appointment(self, item: dict[str, Any], text: str) -> bool:
        try:
            day = parse_french_date(text)
        except ConsoleError as exc:
            self.error, self.notice = str(exc), None
            return False
        return await self.answer(item, {"action": "appointment", "appointment_date": str(day)})


def summary(item: dict[str, Any]) -> str:
    """« Rendez-vous pris, rendez-vous le 14/12/2026, Rendez-vous honoré »."""
    parts = [item["status_label"]]
    if item.get("appointment_date"):
        parts.append(f"rendez-vous le {dt.date.fromisoformat(item['appointment_date']):%d/%m/%Y}")
    parts += [t for t in (item.get("decline_reason_label"), item.get("outcome_label")) if t]
    return ", ".join(parts)
