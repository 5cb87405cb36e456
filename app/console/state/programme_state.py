"""A programme account's console: its cités' aggregated indicators for a period."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import flet as ft

from app.console.state.console_state import ConsoleApi, ConsoleError
from app.console.state.insight_state import api_call, filename_of, parse_custom_period
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
    notice: str | None = None

    @property
    def current(self) -> Period:
        return self.period or self.quarters[0]

    def _params(self) -> dict[str, str]:
        return {
            "date_from": self.current.start.isoformat(),
            "date_to": self.current.end.isoformat(),
        }

    async def load(self) -> None:
        self.busy, self.error, self.notice = True, None, None
        params = self._params()
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

    async def download(self, save: Callable[[str, bytes], Awaitable[Any]]) -> None:
        """The same tables as a workbook, handed to `save(name, bytes)`."""
        self.busy, self.error, self.notice = True, None, None
        try:
            res = await asyncio.to_thread(
                api_call, self.api, "GET", "/programme/indicators.xlsx", params=self._params()
            )
            name = filename_of(res, "relais-programme.xlsx")
            await save(name, res.content)
            self.notice = f"« {name} » prêt."
        except ConsoleError as exc:
            self.error = str(exc)
        finally:
            self.busy = False
