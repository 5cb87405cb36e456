"""State of the console's review sections: one observable per screen.

Each screen creates its own (`ft.use_state`) around the session's ConsoleApi; API
calls run in a worker thread and failures become a French message on screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import flet as ft

from app.console.state.console_state import ConsoleApi, ConsoleError
from app.ui.format import require_day


def parse_day(text: str) -> str | None:
    """'14/03/2025' → '2025-03-14'; '' → None; raises ValueError with a French message."""
    return require_day(text).isoformat() if text.strip() else None


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
    # Kept with the queue across sections: the period typed, the contacts ticked.
    dates: tuple[str, str] = ("", "")
    checked: frozenset[str] = frozenset()
    # What « Annuler » sends back after a bulk validation (None: nothing to undo).
    undo: list[dict[str, Any]] | None = None
    started: bool = False

    async def start(self) -> None:
        if self.started:  # back from another section: filters and page as they were
            await self.load()
            return
        try:
            refs = await self._run(self.api.referentials)
        except ConsoleError:
            return
        self.members = [
            (m["id"], m["display_name"]) for m in refs["members"] if m["role"] == "mediator"
        ]
        self.qpvs = [(q["code"], q["name"]) for q in refs["qpvs"]]
        self.started = True
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

    def toggle_check(self, contact_id: str) -> None:
        self.checked = self.checked ^ {contact_id}

    async def validate_many(self, event: dict[str, Any] | None = None) -> None:
        """Validate the contacts ticked, or every contact of `event` still « Reçu »."""
        if event is None and not self.checked:
            self.error, self.notice = "Cochez au moins un contact à valider.", None
            return
        try:
            if event is not None:
                out = await self._run(self.api.validate_contacts, event_id=event["id"])
            else:
                ids = [i["id"] for i in self.items if i["id"] in self.checked]
                out = await self._run(self.api.validate_contacts, contact_ids=ids)
        except ConsoleError:
            return
        where = f" de l'action « {event.get('place') or 'de terrain'} »" if event else ""
        skipped = f" ({out['skipped']} déjà revus, inchangés)" if out["skipped"] else ""
        self.notice = f"{out['validated']} contact(s){where} validé(s){skipped}."
        self.undo = out["undo"] or None
        self.checked, self.selected = frozenset(), None
        await self.load()

    async def undo_last(self) -> None:
        undo = self.undo
        if not undo:
            return
        try:
            out = await self._run(self.api.undo_validation, undo)
        except ConsoleError:
            return
        changed = f" ; {out['skipped']} modifié(s) depuis, laissé(s) tel(s) quel(s)"
        self.notice = (
            f"Validation annulée : {out['restored']} contact(s) remis dans leur état précédent"
            + (changed if out["skipped"] else "")
            + "."
        )
        self.undo = None
        await self.load()

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
        # The supervisor's comment is read by the mediator: the same warning applies.
        self.notice = f"{out['review_state_label']} : {name}. {out.get('warning') or ''}".strip()
        self.selected = None
        await self.load()
        return True


@ft.observable
@dataclass
class ConflictsState(_Busy):
    items: list[dict[str, Any]] = field(default_factory=list)
    held: list[dict[str, Any]] = field(default_factory=list)
    """A revoked phone's late entries, waiting for a decision (`/console/held-ops`)."""
    loaded: bool = False

    async def load(self) -> None:
        try:
            self.items = await self._run(self.api.conflicts)
            self.held = await self._run(self.api.held_ops)
        except ConsoleError:
            return
        self.loaded = True

    async def decide_held(self, item: dict[str, Any], accept: bool) -> None:
        try:
            out = await self._run(self.api.decide_held, item["op_id"], accept)
        except ConsoleError:
            return
        if not accept:
            self.notice = f"Saisie de {item['author']} écartée : elle ne sera jamais appliquée."
        elif out.get("outcome") == "rejected":
            self.notice = f"Saisie de {item['author']} refusée à l'application : {out['reason']}"
        else:
            self.notice = f"Saisie de {item['author']} appliquée ; elle part vers les téléphones."
        await self.load()

    async def resolve(self, conflict: dict[str, Any], choice: str, custom: Any = "") -> None:
        """Keep one side, or write another value: typed text for a free field, the
        value(s) picked among a closed field's choices."""
        value: Any = None
        if choice == "custom":
            value = custom.strip() if isinstance(custom, str) else custom
            if conflict.get("choices") and value in ("", None, []):
                self.error, self.notice = "Choisissez la valeur à garder.", None
                return
        try:
            out = await self._run(self.api.resolve, conflict["id"], choice, value)
        except ConsoleError:
            return
        sides = {"server": conflict["server"], "incoming": conflict["incoming"]}
        labels = {repr(c["value"]): c["label"] for c in conflict.get("choices") or []}
        if choice in sides:
            kept = sides[choice]["value_label"]
        elif isinstance(value, list):
            kept = ", ".join(labels.get(repr(v), str(v)) for v in value) or "(vide)"
        else:
            kept = labels.get(repr(value), str(value) if value not in ("", None) else "(vide)")
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

    async def correct(self, row_id: str, values: dict[str, Any], what: str) -> bool:
        """Write a correction (the fields filled in only), then show the pathway again."""
        values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
        values = {k: v for k, v in values.items() if v not in ("", None)}
        if not values:
            self.error, self.notice = "Renseignez au moins un champ à corriger.", None
            return False
        try:
            out = await self._run(self.api.correct, row_id, values)
        except ConsoleError:
            return False
        warnings = " ".join(out.get("warnings") or [])
        self.notice = f"{what} corrigé(e) : envoyé(e) aux téléphones. {warnings}".strip()
        person = (self.pathway or {}).get("person", {}).get("id")
        if person:
            notice = self.notice
            await self.open(person)
            await self.search(None, self.page)
            self.notice = notice
        return True

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
