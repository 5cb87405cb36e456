"""What every console section's state shares: the signed-in API client, a busy flag, and
the French error or confirmation shown at the top of the section.

Each section has one such observable, created on the section's first visit and kept by
`ConsoleState` until sign-out (`app.console.context.use_section`): filters, pages, ticks
and text being typed survive a trip to another section."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from app.console.state.api import ConsoleApi, ConsoleError, Download
from domain.api.console import Page

T = TypeVar("T")
Save = Callable[[str, bytes], Awaitable[Any]]
"""Hands a file (name, bytes) to the browser to save; False when the user cancelled."""
Said = Callable[[Download], str]
"""What a file once saved is said to be, in French."""


@dataclass
class SectionState:
    api: ConsoleApi
    busy: bool = False
    error: str | None = None
    notice: str | None = None
    fetching: str = ""
    """The file being fetched for the user to save, by a key of the section's, if any."""

    async def _run(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`call(*args)` in a worker thread (blocking HTTP), watched as `_watch` says."""
        return await self._watch(asyncio.to_thread(call, *args, **kwargs))

    async def _watch(self, work: Awaitable[T]) -> T:
        """Await `work`, busy meanwhile; a failure's French reason goes to `error` and
        the `ConsoleError` is raised again for the caller to stop."""
        self.busy, self.error = True, None
        try:
            return await work
        except ConsoleError as exc:
            self.error = str(exc)
            raise
        finally:
            self.busy = False

    async def _download(
        self,
        key: str,
        save: Save,
        call: Callable[..., Download],
        *args: Any,
        said: Said,
    ) -> None:
        """`call(*args)`'s file handed to `save`, `fetching` being `key` meanwhile; once
        saved, `said(file)` in `notice`. A failure's reason goes to `error`."""
        self.fetching, self.notice = key, None
        try:
            file = await self._run(call, *args)
            saved = await save(file.name, file.content)
        except ConsoleError:
            return
        finally:
            self.fetching = ""
        self.notice = said(file) if saved is not False else "Enregistrement annulé."


@dataclass
class LoadedSection(SectionState):
    """A section read whole from the server by `load`."""

    loaded: bool = False
    """Read at least once: until then, « Aucun … » would be said too early."""

    async def load(self) -> None:
        """Read the section again; on a failure what is shown stays, the reason in `error`."""
        try:
            await self._read()
        except ConsoleError:
            return
        self.loaded = True

    async def _read(self) -> None:
        """Read the section's lists, each with `_run`."""
        raise NotImplementedError


@dataclass
class PagedSection(SectionState, Generic[T]):
    """A section showing one page of a longer list at a time (`page_size` per page)."""

    items: list[T] = field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = 20

    async def _load_page(
        self, page: int | None, call: Callable[..., Page[T]], **filters: Any
    ) -> None:
        """Show page `page` (None: the page shown) of `call(**filters)`; on a failure the
        page shown stays, the reason in `error`."""
        target = page or self.page
        try:
            result = await self._run(call, page=target, page_size=self.page_size, **filters)
        except ConsoleError:
            return
        self.items, self.total, self.page = result.items, result.total, target
