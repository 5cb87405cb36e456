"""A merge chosen field by field: which record survives, and for each field where
the two persons differ, which value is kept (server: POST …/merge with `survivor`
and `choices`, after GET …/compare)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import flet as ft

from app.console.state.console_state import ConsoleApi, ConsoleError
from app.console.state.insight_state import api_call


@ft.observable
@dataclass
class MergeChoice:
    api: ConsoleApi
    a_id: str
    b_id: str
    comparison: dict[str, Any] | None = None
    survivor: str = "a"
    # Fields the supervisor set explicitly; the others follow the survivor.
    chosen: dict[str, str] = field(default_factory=dict)
    busy: bool = False
    error: str | None = None

    def side_of(self, field_name: str) -> str:
        return self.chosen.get(field_name, self.survivor)

    async def load(self) -> None:
        self.busy, self.error = True, None
        try:
            path = f"/console/persons/{self.a_id}/compare/{self.b_id}"
            res = await asyncio.to_thread(api_call, self.api, "GET", path)
            self.comparison = res.json()
        except ConsoleError as exc:
            self.error = str(exc)
        finally:
            self.busy = False

    def keep(self, survivor: str) -> None:
        self.survivor = survivor

    def choose(self, field_name: str, side: str) -> None:
        self.chosen = {**self.chosen, field_name: side}

    def body(self) -> dict[str, Any]:
        """What the merge sends: every differing field with the side it is taken from."""
        seen = self.comparison or {}
        fields = [d["field"] for d in seen.get("differences", [])]
        return {
            "into": self.b_id,
            "survivor": self.survivor,
            "choices": {f: self.side_of(f) for f in fields},
            "a_version": seen.get("a_version"),
            "b_version": seen.get("b_version"),
        }

    async def merge(self) -> bool:
        self.busy, self.error = True, None
        try:
            path = f"/console/persons/{self.a_id}/merge"
            await asyncio.to_thread(api_call, self.api, "POST", path, json=self.body())
        except ConsoleError as exc:
            self.error = str(exc)
            if exc.status == 409:  # changed meanwhile: show the records as they now read
                await self.load()
                self.error = str(exc)
            return False
        finally:
            self.busy = False
        return True
