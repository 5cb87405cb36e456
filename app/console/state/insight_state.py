"""Console state for indicators and exports (online, public API only): one
`SectionState` each, kept while signed in; blocking HTTP runs in a worker thread."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import flet as ft

from app.console.state.api import ConsoleError, Download, period_params
from app.console.state.section import Said, Save, SectionState
from app.ui.format import require_day
from domain.api.insight import IndicatorsOut
from domain.periods import Period, quarter_of, recent_quarters
from domain.sync import QpvOut


def _quarters() -> list[Period]:
    return recent_quarters(dt.date.today(), 4)


def parse_custom_period(start: str, end: str) -> Period:
    """Dates typed as JJ/MM/AAAA (or ISO); a French ValueError when they do not fit."""
    return Period(require_day(start), require_day(end))


@dataclass
class PeriodState(SectionState):
    """A section showing one period (a recent quarter or dates typed), maybe one QPV."""

    quarters: list[Period] = field(default_factory=_quarters)
    period: Period | None = None
    qpv: str = ""
    qpvs: list[QpvOut] = field(default_factory=list)
    typed: tuple[str, str] | None = None
    """The custom dates being typed (JJ/MM/AAAA), while they differ from the period's."""

    @property
    def current(self) -> Period:
        return self.period or self.quarters[0]

    async def load_qpvs(self) -> None:
        """The cité's QPVs, for the filter chips."""
        if self.qpvs:
            return
        try:
            self.qpvs = (await self._run(self.api.referentials)).qpvs
        except ConsoleError:
            return

    async def reload(self) -> None:
        """Read again what depends on the period (nothing by default)."""

    async def choose(self, period: Period | None = None, qpv: str | None = None) -> None:
        if period is not None:
            self.period, self.typed = period, None
        if qpv is not None:
            self.qpv = "" if qpv == self.qpv else qpv
        await self.reload()

    async def choose_custom(self, start: str, end: str) -> None:
        try:
            period = parse_custom_period(start, end)
        except ValueError as exc:
            self.error = str(exc)
            return
        self.error = None
        await self.choose(period=period)

    def set_typed(self, typed: tuple[str, str]) -> None:
        self.typed = typed

    async def _download_report(
        self, key: str, save: Save, call: Callable[..., Download], fmt: str, said: Said
    ) -> None:
        """A quarterly report (`fmt`: pdf or xlsx) of the quarter the period starts in,
        handed to `save(name, bytes)` (see `_download`)."""
        quarter = report_quarter(self.current)
        number = (quarter.start.month - 1) // 3 + 1
        await self._download(key, save, call, quarter.start.year, number, fmt, said=said)


@ft.observable
@dataclass
class IndicatorsState(PeriodState):
    data: IndicatorsOut | None = None

    async def reload(self) -> None:
        await self.load_qpvs()
        try:
            self.data = await self._run(self.api.indicators, self.current, self.qpv)
        except ConsoleError:
            return


@dataclass(frozen=True)
class ExportKind:
    key: str
    label: str
    path: str
    fallback_name: str
    with_qpv: bool


EXPORTS = (
    ExportKind(
        "xlsx",
        "Rapport trimestriel (Excel)",
        "/console/exports/quarterly.xlsx",
        "rapport.xlsx",
        True,
    ),
    ExportKind(
        "csv", "Rapport trimestriel (CSV)", "/console/exports/quarterly.csv", "rapport.csv", True
    ),
    ExportKind(
        "contacts",
        "Contacts détaillés (CSV)",
        "/console/exports/contacts.csv",
        "contacts.csv",
        False,
    ),
)


@ft.observable
@dataclass
class ExportsState(PeriodState):
    """`fetching`: the key of the export being generated (`ExportKind.key`, or
    `programme-<format>`)."""

    async def export(self, kind: ExportKind, save: Save) -> None:
        """Fetch the file, then hand it to `save(name, bytes)` (the FilePicker)."""
        params = period_params(self.current, self.qpv if kind.with_qpv else "")
        await self._download(
            kind.key, save, self.api.export, kind.path, kind.fallback_name, params, said=_ready
        )

    async def programme_report(self, fmt: str, save: Save) -> None:
        """The programme's report (« pdf » or « xlsx »), for the period's quarter."""
        call = self.api.quarterly_report
        await self._download_report(f"programme-{fmt}", save, call, fmt, _ready)


def _ready(file: Download) -> str:
    return f"« {file.name} » prêt ({file.size})."


def report_quarter(period: Period) -> Period:
    """The calendar quarter a programme report covers: the period's, or for dates
    typed, the quarter they start in."""
    return quarter_of(period.start)
