"""A programme account's console: its cités' aggregated indicators for a period."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import flet as ft

from app.console.state.api import ConsoleError
from app.console.state.insight_state import PeriodState
from domain.api.programme import ProgrammeOut
from domain.periods import quarter_of


@ft.observable
@dataclass
class ProgrammeState(PeriodState):
    """No QPV filter: a programme account reads whole cités (`qpvs` stays empty)."""

    data: ProgrammeOut | None = None

    async def reload(self) -> None:
        self.notice = None
        try:
            self.data = await self._run(self.api.programme_indicators, self.current)
        except ConsoleError:
            return

    async def download(self, save: Callable[[str, bytes], Awaitable[Any]]) -> None:
        """The same tables as a workbook, handed to `save(name, bytes)`."""
        await self._save(save, self.api.programme_workbook, self.current)

    async def download_report(self, save: Callable[[str, bytes], Awaitable[Any]], fmt: str) -> None:
        """The quarterly report (`fmt`: pdf or xlsx) of the quarter the period starts in:
        the report covers a calendar quarter."""
        quarter = quarter_of(self.current.start)
        number = (quarter.start.month - 1) // 3 + 1
        await self._save(save, self.api.programme_report, quarter.start.year, number, fmt)

    async def _save(
        self, save: Callable[[str, bytes], Awaitable[Any]], fetch: Callable[..., Any], *args: Any
    ) -> None:
        self.notice = None
        try:
            file = await self._run(fetch, *args)
            saved = await save(file.name, file.content)
        except ConsoleError:
            return
        self.notice = f"« {file.name} » prêt." if saved is not False else "Enregistrement annulé."
