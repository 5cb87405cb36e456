"""State of the console's review sections (contacts, review queue, conflicts,
duplicates, persons): one `SectionState` each, kept while signed in."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import flet as ft

from app.console.state.api import ConsoleError
from app.console.state.merge_choice_state import MergeChoice
from app.console.state.section import LoadedSection, PagedSection
from app.ui.format import require_day
from domain.api.console import ConsoleContact, EventBrief
from domain.api.review import (
    DuplicatePair,
    HeldOpOut,
    HistoryEntry,
    MergeOut,
    PathwayOut,
    PersonSummary,
    ReadableConflict,
    UndoEntry,
)
from domain.sync import ReferentialsOut
from domain.vocabulary import Role


def parse_day(text: str) -> str | None:
    """'14/03/2025' → '2025-03-14'; '' → None; raises ValueError with a French message."""
    return require_day(text).isoformat() if text.strip() else None


def mediators(refs: ReferentialsOut) -> list[tuple[str, str]]:
    """The cité's mediators as (id, name) choices."""
    return [(m.id, m.display_name) for m in refs.members if m.role == Role.MEDIATOR]


@ft.observable
@dataclass
class ContactsState(PagedSection[ConsoleContact]):
    """The « Contacts » section: every synced contact, newest first."""

    page_size: int = 50
    review_filter: str = ""

    async def load(self, page: int | None = None) -> None:
        await self._load_page(page, self.api.contacts, review_state=self.review_filter)

    async def set_review_filter(self, value: str) -> None:
        self.review_filter = "" if value == self.review_filter else value
        await self.load(page=1)


@ft.observable
@dataclass
class ReviewQueue(PagedSection[ConsoleContact]):
    filters: dict[str, str] = field(default_factory=lambda: {"review_state": "received"})
    members: list[tuple[str, str]] = field(default_factory=list)
    qpvs: list[tuple[str, str]] = field(default_factory=list)
    selected: ConsoleContact | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    dates: tuple[str, str] = ("", "")
    """The period typed (JJ/MM/AAAA), applied by « Appliquer la période »."""
    checked: frozenset[str] = frozenset()
    comment: str = ""
    """The comment for the mediator being typed in the open contact's panel."""
    undo: list[UndoEntry] | None = None
    """What « Annuler » sends back after a bulk validation (None: nothing to undo)."""
    started: bool = False

    async def start(self) -> None:
        if self.started:  # back from another section: filters and page as they were
            await self.load()
            return
        try:
            refs = await self._run(self.api.referentials)
        except ConsoleError:
            return
        self.members = mediators(refs)
        self.qpvs = [(q.code, q.name) for q in refs.qpvs]
        self.started = True
        await self.load(1)

    async def load(self, page: int | None = None) -> None:
        await self._load_page(page, self.api.contacts, **self.filters)

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

    async def open(self, item: ConsoleContact) -> None:
        self.selected, self.history, self.notice = item, [], None
        try:
            self.history = await self._run(self.api.history, item.id)
        except ConsoleError:
            return

    def close(self) -> None:
        self.selected, self.history = None, []

    def toggle_check(self, contact_id: str) -> None:
        self.checked = self.checked ^ {contact_id}

    async def validate_many(self, event: EventBrief | None = None) -> None:
        """Validate the contacts ticked, or every contact of `event` still « Reçu »."""
        if event is None and not self.checked:
            self.error, self.notice = "Cochez au moins un contact à valider.", None
            return
        try:
            if event is not None:
                out = await self._run(self.api.validate_contacts, event_id=event.id)
            else:
                ids = [i.id for i in self.items if i.id in self.checked]
                out = await self._run(self.api.validate_contacts, contact_ids=ids)
        except ConsoleError:
            return
        where = f" de l'action « {event.place or 'de terrain'} »" if event else ""
        skipped = f" ({out.skipped} déjà revus, inchangés)" if out.skipped else ""
        self.notice = f"{out.validated} contact(s){where} validé(s){skipped}."
        self.undo = out.undo or None
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
        changed = f" ; {out.skipped} modifié(s) depuis, laissé(s) tel(s) quel(s)"
        self.notice = (
            f"Validation annulée : {out.restored} contact(s) remis dans leur état précédent"
            + (changed if out.skipped else "")
            + "."
        )
        self.undo = None
        await self.load()

    async def decide(self, state: str) -> bool:
        item = self.selected
        if item is None:
            return False
        comment = self.comment.strip()
        if state == "to_fix" and not comment:
            self.error = "Écrivez un commentaire pour le médiateur avant « À corriger »."
            return False
        try:
            out = await self._run(self.api.review, item.id, state, comment or None, item.version)
        except ConsoleError:
            return False
        name = item.person.display_name if item.person else "contact anonyme"
        # The supervisor's comment is read by the mediator: the same warning applies.
        self.notice = f"{out.review_state_label} : {name}. {out.warning or ''}".strip()
        self.selected, self.comment = None, ""
        await self.load()
        return True


@ft.observable
@dataclass
class ConflictsState(LoadedSection):
    items: list[ReadableConflict] = field(default_factory=list)
    held: list[HeldOpOut] = field(default_factory=list)
    """A revoked phone's late entries, waiting for a decision (`/console/held-ops`)."""
    customs: dict[str, Any] = field(default_factory=dict)
    """The other value typed or picked for each conflict, by conflict id."""

    async def _read(self) -> None:
        self.items = await self._run(self.api.conflicts)
        self.held = await self._run(self.api.held_ops)

    def set_custom(self, conflict_id: str, value: Any) -> None:
        self.customs = {**self.customs, conflict_id: value}

    async def decide_held(self, item: HeldOpOut, accept: bool) -> None:
        try:
            out = await self._run(self.api.decide_held, item.op_id, accept)
        except ConsoleError:
            return
        if not accept:
            self.notice = f"Saisie de {item.author} écartée : elle ne sera jamais appliquée."
        elif out.outcome == "rejected":
            self.notice = f"Saisie de {item.author} refusée à l'application : {out.reason}"
        else:
            self.notice = f"Saisie de {item.author} appliquée ; elle part vers les téléphones."
        await self.load()

    async def resolve(self, conflict: ReadableConflict, choice: str) -> None:
        """Keep one side, or write another value (`customs`): typed text for a free
        field, the value(s) picked among a closed field's choices."""
        value: Any = None
        if choice == "custom":
            custom = self.customs.get(conflict.id, "")
            value = custom.strip() if isinstance(custom, str) else custom
            if conflict.choices and value in ("", None, []):
                self.error, self.notice = "Choisissez la valeur à garder.", None
                return
        try:
            out = await self._run(self.api.resolve, conflict.id, choice, value)
        except ConsoleError:
            return
        self.notice = f"Conflit résolu : {out.field_label} = {_kept(conflict, choice, value)}."
        self.customs = {k: v for k, v in self.customs.items() if k != conflict.id}
        await self.load()


def _kept(conflict: ReadableConflict, choice: str, value: Any) -> str:
    """The value kept, in French, as the confirmation says it."""
    side = {"server": conflict.server, "incoming": conflict.incoming}.get(choice)
    if side is not None:
        return side.value_label
    labels = {repr(c.value): c.label for c in conflict.choices or []}
    if isinstance(value, list):
        return ", ".join(labels.get(repr(v), str(v)) for v in value) or "(vide)"
    return labels.get(repr(value), str(value) if value not in ("", None) else "(vide)")


@ft.observable
@dataclass
class DuplicatesState(LoadedSection):
    pairs: list[DuplicatePair] = field(default_factory=list)
    merges: list[MergeOut] = field(default_factory=list)
    choice: MergeChoice | None = None
    """The merge being chosen field by field, for one pair at a time."""

    async def _read(self) -> None:
        self.pairs = await self._run(self.api.duplicates)
        self.merges = await self._run(self.api.merges)
        # A chooser whose pair is gone (merged, dismissed) is not reopened with it.
        if self.choice and not any(self.choice.is_for(p.a.id, p.b.id) for p in self.pairs):
            self.choice = None

    async def merge(self, person: PersonSummary, into: PersonSummary) -> None:
        try:
            await self._run(self.api.merge, person.id, into.id)
        except ConsoleError:
            return
        self.notice = f"{person.display_name} fusionné·e dans {into.display_name}."
        await self.load()

    async def open_choice(self, pair: DuplicatePair) -> None:
        """The field-by-field chooser under `pair`, with the two records as they read."""
        self.choice = MergeChoice(pair.a.id, pair.b.id)
        await self._compare()

    async def _compare(self) -> None:
        choice = self.choice
        if choice is None:
            return
        try:
            comparison = await self._run(self.api.compare, choice.a_id, choice.b_id)
        except ConsoleError:
            return
        if self.choice is not None and self.choice.is_for(choice.a_id, choice.b_id):
            self.choice = replace(self.choice, comparison=comparison)

    def close_choice(self) -> None:
        self.choice = None

    def keep(self, survivor: str) -> None:
        if self.choice is not None:
            self.choice = self.choice.keep(survivor)

    def pick(self, field_name: str, side: str) -> None:
        if self.choice is not None:
            self.choice = self.choice.choose(field_name, side)

    async def merge_chosen(self) -> None:
        """Merge with the choices made, on the versions compared: a record changed
        meanwhile (409) is shown again as it now reads, with the reason."""
        choice = self.choice
        if choice is None or choice.comparison is None:
            return
        seen = choice.comparison
        kept = seen.a if choice.survivor == "a" else seen.b
        try:
            await self._run(
                self.api.merge,
                choice.a_id,
                choice.b_id,
                survivor=choice.survivor,
                choices=choice.choices(),
                a_version=seen.a_version,
                b_version=seen.b_version,
            )
        except ConsoleError as exc:
            # Said under the pair the merge was chosen for, not at the top of the page.
            self.error, self.choice = None, replace(choice, error=str(exc))
            if exc.status == 409:
                await self._compare()
            return
        self.choice = None
        self.notice = f"Fiches fusionnées : la fiche de {kept.display_name} est conservée."
        await self.load()

    async def dismiss(self, pair: DuplicatePair) -> None:
        try:
            await self._run(self.api.dismiss_pair, pair.a.id, pair.b.id)
        except ConsoleError:
            return
        self.notice = "Paire écartée : elle ne sera plus proposée."
        await self.load()

    async def unmerge(self, merge: MergeOut) -> None:
        try:
            await self._run(self.api.unmerge, merge.person.id)
        except ConsoleError:
            return
        self.notice = (
            f"Fusion annulée : {merge.person.display_name} est de nouveau une fiche à part."
        )
        await self.load()


@ft.observable
@dataclass
class PersonsState(PagedSection[PersonSummary]):
    query: str = ""
    """The search as last sent."""
    typed: str = ""
    """The search box's text (sent by « Rechercher »)."""
    draft: dict[str, str] = field(default_factory=dict)
    """The correction of the shown person's record being typed, by field."""
    page_size: int = 15
    pathway: PathwayOut | None = None
    mediators: list[tuple[str, str]] = field(default_factory=list)
    """The cité's mediators, (id, name): who may be named référent."""

    async def load_mediators(self) -> None:
        try:
            self.mediators = mediators(await self._run(self.api.referentials))
        except ConsoleError:
            return

    async def search(self, query: str | None = None, page: int = 1) -> None:
        if query is not None:
            self.query = query
        await self._load_page(page, self.api.persons, q=self.query)

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
        warnings = " ".join(out.warnings)
        self.notice = f"{what} corrigé(e) : envoyé(e) aux téléphones. {warnings}".strip()
        if self.pathway is not None:
            notice = self.notice
            await self.open(self.pathway.person.id)
            await self.search(None, self.page)
            self.notice = notice
        return True

    async def name_referent(self, mediator_id: str, name: str) -> None:
        """Name a mediator the shown person's référent; the pathway is read again."""
        if self.pathway is None:
            return
        person = self.pathway.person
        try:
            await self._run(self.api.name_referent, person.id, mediator_id)
        except ConsoleError:
            return
        self.notice = f"{name} est référent·e de {person.display_name}."
        await self.open(person.id)

    async def forget(self, person_ids: set[str]) -> None:
        """Erased persons leave the screen at once (their pathway, their lines), then
        the page is read again from the server."""
        if self.pathway is not None and self.pathway.person.id in person_ids:
            self.pathway = None
        self.items = [p for p in self.items if p.id not in person_ids]
        await self.search(None, self.page)
        if not self.items and self.page > 1:  # the page erased was the last one's only line
            await self.search(None, self.page - 1)
