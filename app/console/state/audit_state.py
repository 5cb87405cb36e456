"""Console › Journal d'audit (admin only): the cité's audit events, newest first."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import flet as ft

from app.console.state.api import ConsoleError
from app.console.state.section import SectionState


@ft.observable
@dataclass
class AuditState(SectionState):
    items: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = 25
    family: str = ""
    actor: str = ""
    users: list[dict[str, Any]] = field(default_factory=list)

    async def _get(self, path: str, params: dict[str, Any]) -> Any:
        res = await asyncio.to_thread(self.api.send, "GET", path, params=params)
        return res.json()

    async def load(self, page: int | None = None) -> None:
        target = page or self.page
        params: dict[str, Any] = {"page": target, "page_size": self.page_size}
        if self.family:
            params["family"] = self.family
        if self.actor:
            params["actor"] = self.actor
        self.busy, self.error = True, None
        try:
            if not self.users:
                users = await self._get("/admin/users", {"page": 1, "page_size": 200})
                self.users = users["items"]
            result = await self._get("/admin/audit", params)
            self.items, self.total, self.page = result["items"], result["total"], target
        except ConsoleError as exc:
            self.error = str(exc)
        finally:
            self.busy = False

    async def set_family(self, family: str) -> None:
        """Choose an action family; choosing it again shows every family."""
        self.family = "" if family == self.family else family
        await self.load(1)

    async def set_actor(self, user_id: str) -> None:
        """Choose whose actions to show; choosing the same user again shows everyone's."""
        self.actor = "" if user_id == self.actor else user_id
        await self.load(1)
