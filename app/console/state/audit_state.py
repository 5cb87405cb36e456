"""Console › Journal d'audit (admin only): the cité's audit events, newest first."""

from __future__ import annotations

from dataclasses import dataclass, field

import flet as ft

from app.console.state.api import ConsoleError
from app.console.state.section import PagedSection
from domain.api.insight import AdminUserOut
from domain.api.security import AuditEventOut


@ft.observable
@dataclass
class AuditState(PagedSection[AuditEventOut]):
    page_size: int = 25
    family: str = ""
    actor: str = ""
    users: list[AdminUserOut] = field(default_factory=list)

    async def load(self, page: int | None = None) -> None:
        if not self.users:
            try:
                self.users = (await self._run(self.api.users, page=1, page_size=200)).items
            except ConsoleError:
                return
        await self._load_page(page, self.api.audit, family=self.family, actor=self.actor)

    async def set_family(self, family: str) -> None:
        """Choose an action family; choosing it again shows every family."""
        self.family = "" if family == self.family else family
        await self.load(1)

    async def set_actor(self, user_id: str) -> None:
        """Choose whose actions to show; choosing the same user again shows everyone's."""
        self.actor = "" if user_id == self.actor else user_id
        await self.load(1)
