"""Console state for indicators, exports and administration (online, public API only).

Sibling of `console_state`: each screen keeps one of these observables (via
`ft.use_state`) built on the signed-in `ConsoleApi`; blocking HTTP runs in a thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import flet as ft
import httpx

from app.console.state.console_state import UNREACHABLE, ConsoleApi, ConsoleError, _detail
from app.ui.format import require_day
from domain.periods import Period, recent_quarters


def kept_state(console: Any, name: str, create: Callable[[], Any]) -> Any:
    """The screen state `name` of this signed-in console, created on first use."""
    states: dict[str, Any] = console.section_states
    if name not in states:
        states[name] = create()
    return states[name]


def api_call(api: ConsoleApi, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One authenticated request; a French `ConsoleError` on any failure."""
    headers = {"Authorization": f"Bearer {api.token}"} if api.token else {}
    try:
        # Exports of a whole year can take a while on a busy server: generous timeout.
        with httpx.Client(base_url=api.base_url, timeout=120, transport=api.transport) as http:
            response = http.request(method, path, headers=headers, **kwargs)
    except httpx.TransportError as exc:
        raise ConsoleError(UNREACHABLE) from exc
    if response.status_code >= 400:
        raise ConsoleError(_detail(response), response.status_code)
    return response


def filename_of(response: httpx.Response, fallback: str) -> str:
    match = re.search(r'filename="([^"]+)"', response.headers.get("content-disposition", ""))
    return match.group(1) if match else fallback


def _period_params(period: Period, qpv: str = "") -> dict[str, str]:
    params = {"date_from": period.start.isoformat(), "date_to": period.end.isoformat()}
    return {**params, "qpv": qpv} if qpv else params


def _quarters() -> list[Period]:
    return recent_quarters(dt.date.today(), 4)


def parse_custom_period(start: str, end: str) -> Period:
    """Dates typed as JJ/MM/AAAA (or ISO); a French ValueError when they do not fit."""
    return Period(require_day(start), require_day(end))


@ft.observable
@dataclass
class IndicatorsState:
    api: ConsoleApi
    quarters: list[Period] = field(default_factory=_quarters)
    period: Period | None = None
    qpv: str = ""
    qpvs: list[dict[str, str]] = field(default_factory=list)
    data: dict[str, Any] | None = None
    busy: bool = False
    error: str | None = None

    @property
    def current(self) -> Period:
        return self.period or self.quarters[0]

    async def load(self) -> None:
        self.busy, self.error = True, None
        try:
            if not self.qpvs:
                refs = await asyncio.to_thread(api_call, self.api, "GET", "/referentials")
                self.qpvs = list(refs.json().get("qpvs", []))
            params = _period_params(self.current, self.qpv)
            res = await asyncio.to_thread(
                api_call, self.api, "GET", "/console/indicators", params=params
            )
            self.data = res.json()
        except ConsoleError as exc:
            self.error = str(exc)
        finally:
            self.busy = False

    async def choose(self, period: Period | None = None, qpv: str | None = None) -> None:
        if period is not None:
            self.period = period
        if qpv is not None:
            self.qpv = "" if qpv == self.qpv else qpv
        await self.load()

    async def choose_custom(self, start: str, end: str) -> None:
        try:
            period = parse_custom_period(start, end)
        except ValueError as exc:
            self.error = str(exc)
            return
        await self.choose(period=period)


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
class ExportsState:
    api: ConsoleApi
    quarters: list[Period] = field(default_factory=_quarters)
    period: Period | None = None
    qpv: str = ""
    qpvs: list[dict[str, str]] = field(default_factory=list)
    running: str = ""  # the key of the export being generated, if any
    message: str | None = None
    error: str | None = None

    @property
    def current(self) -> Period:
        return self.period or self.quarters[0]

    async def load_qpvs(self) -> None:
        """The cité's QPVs, for the filter chips (the detailed list is not filtered)."""
        if self.qpvs:
            return
        try:
            refs = await asyncio.to_thread(api_call, self.api, "GET", "/referentials")
            self.qpvs = list(refs.json().get("qpvs", []))
        except ConsoleError as exc:
            self.error = str(exc)

    async def export(self, kind: ExportKind, save: Callable[[str, bytes], Any]) -> None:
        """Fetch the file, then hand it to `save(name, bytes)` (the FilePicker)."""
        self.running, self.message, self.error = kind.key, None, None
        try:
            params = _period_params(self.current, self.qpv if kind.with_qpv else "")
            res = await asyncio.to_thread(api_call, self.api, "GET", kind.path, params=params)
            name = filename_of(res, kind.fallback_name)
            saved = await save(name, res.content)
            size = f"{len(res.content) / 1024:.1f} Ko".replace(".", ",")
            self.message = (
                f"« {name} » prêt ({size})." if saved is not False else "Enregistrement annulé."
            )
        except ConsoleError as exc:
            self.error = str(exc)
        finally:
            self.running = ""

    def choose(self, period: Period | None = None, qpv: str | None = None) -> None:
        if period is not None:
            self.period = period
        if qpv is not None:
            self.qpv = "" if qpv == self.qpv else qpv
