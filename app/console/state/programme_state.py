"""A programme account's console: its cités' aggregated indicators for a period."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import flet as ft

from app.console.state.console_state import ConsoleApi, ConsoleError
from app.console.state.insight_state import api_call, parse_custom_period
from domain.periods import Period, recent_quarters


def _quarters() -> list[Period]:
    return recent_quarters(dt.date.today(), 4)


@ft.observable
@dataclass
class ProgrammeState:
    api: ConsoleApi
    quarters: list[Period] = field(default_factory=_quarters)
    period: Period | None = None
    data: dict[str, Any] | None = None
    busy: bool = False
    error: str | None = None

    @property
    def current(self) -> Period:
        return self.period or self.quarters[0]

    async def load(self) -> None:
        self.busy, self.error = True, None
        params = {
            "date_from": self.current.start.isoformat(),
            "date_to": self.current.end.isoformat(),
        }
        try:
            res = await asyncio.to_thread(
                api_call, self.api, "GET", "/programme/indicators", params=params
            )
            self.data = res.json()
        except ConsoleError as exc:
            self.error = str(exc)
        finally:
            self.busy = False

    async def choose(self, period: Period) -> None:
        self.period = period
        await self.load()

    async def choose_custom(self, start: str, end: str) -> None:
        try:
            period = parse_custom_period(start, end)
        except ValueError as exc:
            self.error = str(exc)
            return
        await self.choose(period)
