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
from domain.periods import Period, quarter_of, recent_quarters


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
        await self._fetch(save, "/programme/indicators.xlsx", self._params(), "xlsx")

    async def download_report(self, save: Callable[[str, bytes], Awaitable[Any]], fmt: str) -> None:
        """The quarterly report (`fmt`: pdf or xlsx) of the quarter the period starts in:
        the report covers a calendar quarter."""
        quarter = quarter_of(self.current.start)
        params = {
            "year": str(quarter.start.year),
            "quarter": str((quarter.start.month - 1) // 3 + 1),
            "format": fmt,
        }
        await self._fetch(save, "/programme/quarterly", params, fmt)

    async def _fetch(
        self,
        save: Callable[[str, bytes], Awaitable[Any]],
        path: str,
        params: dict[str, str],
        fmt: str,
    ) -> None:
        self.busy, self.error, self.notice = True, None, None
        try:
            res = await asyncio.to_thread(api_call, self.api, "GET", path, params=params)
            name = filename_of(res, f"relais-programme.{fmt}")
            await save(name, res.content)
            self.notice = f"« {name} » prêt."
        except ConsoleError as exc:
            self.error = str(exc)
        finally:
            self.busy = False
