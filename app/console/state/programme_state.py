"""A programme account's console: its cités' aggregated indicators for a period."""

from __future__ import annotations

from dataclasses import dataclass

import flet as ft

from app.console.state.api import ConsoleError, Download
from app.console.state.insight_state import PeriodState
from app.console.state.section import Save
from domain.api.programme import ProgrammeOut


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

    async def download(self, save: Save) -> None:
        """The same tables as a workbook, handed to `save(name, bytes)`."""
        call = self.api.programme_workbook
        await self._download("workbook", save, call, self.current, said=_ready)

    async def download_report(self, save: Save, fmt: str) -> None:
        """The quarterly report (`fmt`: pdf or xlsx) of the period's quarter."""
        call = self.api.programme_report
        await self._download_report(f"report-{fmt}", save, call, fmt, _ready)


def _ready(file: Download) -> str:
    return f"« {file.name} » prêt."
