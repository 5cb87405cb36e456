"""Console › Journal d'audit (admin only): the cité's audit events, newest first."""

from __future__ import annotations

from dataclasses import dataclass, field

import flet as ft

from app.console.state.api import ConsoleError
from app.console.state.section import SectionState
from domain.api.insight import AdminUserOut
from domain.api.security import AuditEventOut


@ft.observable
@dataclass
class AuditState(SectionState):
    items: list[AuditEventOut] = field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = 25
    family: str = ""
    actor: str = ""
    users: list[AdminUserOut] = field(default_factory=list)

    async def load(self, page: int | None = None) -> None:
        target = page or self.page
        try:
            if not self.users:
                self.users = (await self._run(self.api.users, page=1, page_size=200)).items
            result = await self._run(
                self.api.audit,
                page=target,
                page_size=self.page_size,
                family=self.family,
                actor=self.actor,
            )
        except ConsoleError:
            return
        self.items, self.total, self.page = result.items, result.total, target

    async def set_family(self, family: str) -> None:
        """Choose an action family; choosing it again shows every family."""
        self.family = "" if family == self.family else family
        await self.load(1)

    async def set_actor(self, user_id: str) -> None:
        """Choose whose actions to show; choosing the same user again shows everyone's."""
        self.actor = "" if user_id == self.actor else user_id
        await self.load(1)
