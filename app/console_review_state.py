"""State of the console's review sections: one observable per screen.

Each screen creates its own (`ft.use_state`) around the session's ConsoleApi; API
calls run in a worker thread and failures become a French message on screen.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import flet as ft

from app.console_state import ConsoleApi, ConsoleError


def parse_day(text: str) -> str | None:
    """'14/03/2025' → '2025-03-14'; '' → None; raises ValueError with a French message."""
    text = text.strip()
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%d/%m/%Y").date().isoformat()
    except ValueError:
        raise ValueError(f"Date illisible « {text} » : écrivez JJ/MM/AAAA.") from None


@dataclass
class _Busy:
    api: ConsoleApi
    busy: bool = False
    error: str | None = None
    notice: str | None = None

    async def _run(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.busy, self.error = True, None
        try:
            return await asyncio.to_thread(call, *args, **kwargs)
        except ConsoleError as exc:
            self.error = str(exc)
            raise
        finally:
            self.busy = False


@ft.observable
@dataclass
class ReviewQueue(_Busy):
    items: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = 20
    filters: dict[str, str] = field(default_factory=lambda: {"review_state": "received"})
    members: list[tuple[str, str]] = field(default_factory=list)
    qpvs: list[tuple[str, str]] = field(default_factory=list)
    selected: dict[str, Any] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    async def start(self) -> None:
        try:
            refs = await self._run(self.api.referentials)
        except ConsoleError:
            return
        self.members = [
            (m["id"], m["display_name"]) for m in refs["members"] if m["role"] == "mediator"
        ]
        self.qpvs = [(q["code"], q["name"]) for q in refs["qpvs"]]
        await self.load(1)

    async def load(self, page: int | None = None) -> None:
        target = page or self.page
        try:
            result = await self._run(
                self.api.contacts, page=target, page_size=self.page_size, **self.filters
            )
        except ConsoleError:
            return
        self.items, self.total, self.page = list(result["items"]), int(result["total"]), target

    async def toggle_filter(self, name: str, value: str) -> None:
        current = self.filters.get(name, "")
        self.filters = {**self.filters, name: "" if current == value else value}
        await self.load(1)

    async def set_dates(self, start: str, end: str) -> None:
        try:
            days = {"date_from": parse_day(start) or "", "date_to": parse_day(end) or ""}
        except ValueError as exc:
            self.error = str(exc)
            return
        self.filters = {**self.filters, **days}
        await self.load(1)

    async def open(self, item: dict[str, Any]) -> None:
        self.selected, self.history, self.notice = item, [], None
        try:
            self.history = await self._run(self.api.history, item["id"])
        except ConsoleError:
            return

    def close(self) -> None:
        self.selected, self.history = None, []

    async def decide(self, state: str, comment: str) -> bool:
        item = self.selected
        if item is None:
            return False
        if state == "to_fix" and not comment.strip():
            self.error = "Écrivez un commentaire pour le médiateur avant « À corriger »."
            return False
        try:
            out = await self._run(
                self.api.review, item["id"], state, comment.strip() or None, item["version"]
            )
        except ConsoleError:
            return False
        name = (item.get("person") or {}).get("display_name") or "contact anonyme"
        self.notice = f"{out['review_state_label']} : {name}."
        self.selected = None
        await self.load()
        return True


@ft.observable
@dataclass
class ConflictsState(_Busy):
    items: list[dict[str, Any]] = field(default_factory=list)
    loaded: bool = False

    async def load(self) -> None:
        try:
            self.items = await self._run(self.api.conflicts)
        except ConsoleError:
            return
        self.loaded = True

    async def resolve(self, conflict: dict[str, Any], choice: str, custom: str = "") -> None:
        value: Any = custom.strip() if choice == "custom" else None
        try:
            out = await self._run(self.api.resolve, conflict["id"], choice, value)
        except ConsoleError:
            return
        sides = {"server": conflict["server"], "incoming": conflict["incoming"]}
        kept = sides[choice]["value_label"] if choice in sides else value or "(vide)"
        self.notice = f"Conflit résolu : {out['field_label']} = {kept}."
        await self.load()


@ft.observable
@dataclass
class DuplicatesState(_Busy):
    pairs: list[dict[str, Any]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    loaded: bool = False

    async def load(self) -> None:
        try:
            self.pairs = await self._run(self.api.duplicates)
            self.merges = await self._run(self.api.merges)
        except ConsoleError:
            return
        self.loaded = True

    async def merge(self, person: dict[str, Any], into: dict[str, Any]) -> None:
        try:
            await self._run(self.api.merge, person["id"], into["id"])
        except ConsoleError:
            return
        self.notice = f"{person['display_name']} fusionné·e dans {into['display_name']}."
        await self.load()

    async def dismiss(self, pair: dict[str, Any]) -> None:
        try:
            await self._run(self.api.dismiss_pair, pair["a"]["id"], pair["b"]["id"])
        except ConsoleError:
            return
        self.notice = "Paire écartée : elle ne sera plus proposée."
        await self.load()

    async def unmerge(self, merge: dict[str, Any]) -> None:
        try:
            await self._run(self.api.unmerge, merge["person"]["id"])
        except ConsoleError:
            return
        self.notice = (
            f"Fusion annulée : {merge['person']['display_name']} est de nouveau une fiche à part."
        )
        await self.load()


@ft.observable
@dataclass
class PersonsState(_Busy):
    query: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = 15
    pathway: dict[str, Any] | None = None
    mediators: list[tuple[str, str]] = field(default_factory=list)
    """The cité's mediators, (id, name): who may be named référent."""

    async def load_mediators(self) -> None:
        try:
            refs = await self._run(self.api.referentials)
        except ConsoleError:
            return
        self.mediators = [
            (m["id"], m["display_name"]) for m in refs["members"] if m["role"] == "mediator"
        ]

    async def search(self, query: str | None = None, page: int = 1) -> None:
        if query is not None:
            self.query = query
        try:
            result = await self._run(
                self.api.persons, q=self.query, page=page, page_size=self.page_size
            )
        except ConsoleError:
            return
        self.items, self.total, self.page = list(result["items"]), int(result["total"]), page

    async def open(self, person_id: str) -> None:
        try:
            self.pathway = await self._run(self.api.pathway, person_id)
        except ConsoleError:
            return

    def close(self) -> None:
        self.pathway = None

    async def name_referent(self, mediator_id: str, name: str) -> None:
        """Name a mediator the shown person's référent; the pathway is read again."""
        person = (self.pathway or {}).get("person") or {}
        if not person:
            return
        try:
            await self._run(self.api.name_referent, person["id"], mediator_id)
        except ConsoleError:
            return
        self.notice = f"{name} est référent·e de {person['display_name']}."
        await self.open(person["id"])

    async def forget(self, person_ids: set[str]) -> None:
        """Erased persons leave the screen at once (their pathway, their lines), then
        the page is read again from the server."""
        if (self.pathway or {}).get("person", {}).get("id") in person_ids:
            self.pathway = None
        self.items = [p for p in self.items if p["id"] not in person_ids]
        await self.search(None, self.page)
        if not self.items and self.page > 1:  # the page erased was the last one's only line
            await self.search(None, self.page - 1)
