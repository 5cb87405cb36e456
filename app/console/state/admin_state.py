"""Console administration state (admin role): users, devices, enrolment, referentials."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import flet as ft
import segno

from app.console.state.api import ConsoleError
from app.console.state.section import SectionState


def enrol_qr_png(server_url: str, code: str) -> bytes:
    """The QR code a phone scans to enrol: the server address and the one-time code."""
    payload = "relais://enrol?" + urlencode({"server": server_url, "code": code})
    out = io.BytesIO()
    segno.make(payload, error="m").save(out, kind="png", scale=6, border=2)
    return out.getvalue()


@dataclass(frozen=True)
class EnrolCode:
    user_name: str
    code: str
    expires_at: dt.datetime
    qr_png: bytes


@ft.observable
@dataclass
class AdminState(SectionState):
    users: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = 20
    selected: dict[str, Any] | None = None
    devices: list[dict[str, Any]] = field(default_factory=list)
    enrol: EnrolCode | None = None
    qpvs: list[dict[str, Any]] = field(default_factory=list)
    partners: list[dict[str, Any]] = field(default_factory=list)
    retention_months: int = 24
    message: str | None = None
    tab: str = "users"
    """The tab shown: users, or the referentials."""

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        res = await asyncio.to_thread(self.api.send, method, path, **kwargs)
        return None if res.status_code == 204 else res.json()

    async def _act(self, action: Callable[[], Awaitable[str | None]]) -> bool:
        """Run one admin action: busy flag, French error or success message."""
        self.busy, self.error, self.message = True, None, None
        try:
            self.message = await action()
            return True
        except ConsoleError as exc:
            self.error = str(exc)
            return False
        finally:
            self.busy = False

    async def load(self, page: int | None = None) -> None:
        async def action() -> None:
            target = page or self.page
            result = await self._call(
                "GET", "/admin/users", params={"page": target, "page_size": self.page_size}
            )
            self.users, self.total, self.page = result["items"], result["total"], target
            self.qpvs = await self._call("GET", "/admin/qpvs")
            self.partners = await self._call("GET", "/admin/partners")
            self.retention_months = (await self._call("GET", "/admin/settings"))["retention_months"]

        await self._act(action)

    async def create_user(self, form: dict[str, str]) -> bool:
        # No structure chosen (any account but a partner's): the field is left out.
        body = {k: v for k, v in form.items() if k != "partner_id" or v}

        async def action() -> str:
            user = await self._call("POST", "/admin/users", json=body)
            await self.load()
            return f"Compte « {user['username']} » créé ({user['role_label']})."

        return await self._act(action)

    async def select(self, user: dict[str, Any]) -> None:
        async def action() -> None:
            self.devices = await self._call("GET", f"/admin/users/{user['id']}/devices")
            self.selected, self.enrol = user, None

        await self._act(action)

    async def deactivate(self, user: dict[str, Any]) -> None:
        async def action() -> str:
            await self._call("POST", f"/admin/users/{user['id']}/deactivate")
            await self.load()
            return f"Compte de {user['display_name']} désactivé."

        await self._act(action)

    async def reset_password(self, password: str) -> bool:
        user = self.selected
        assert user is not None

        async def action() -> str:
            await self._call(
                "POST", f"/admin/users/{user['id']}/password", json={"password": password}
            )
            return f"Mot de passe de {user['display_name']} réinitialisé."

        return await self._act(action)

    async def revoke(self, device: dict[str, Any]) -> None:
        user = self.selected
        assert user is not None

        async def action() -> str:
            await self._call("POST", f"/admin/devices/{device['id']}/revoke")
            self.devices = await self._call("GET", f"/admin/users/{user['id']}/devices")
            return f"Appareil « {device['name']} » révoqué."

        await self._act(action)

    async def new_enrol_code(self) -> None:
        user = self.selected
        assert user is not None

        async def action() -> str:
            out = await self._call("POST", f"/admin/users/{user['id']}/enrol-codes")
            png = await asyncio.to_thread(enrol_qr_png, self.api.base_url, out["code"])
            expires = dt.datetime.fromisoformat(out["expires_at"])
            self.enrol = EnrolCode(user["display_name"], out["code"], expires, png)
            return "Code d'enrôlement créé : valable 15 minutes, une seule fois."

        await self._act(action)

    async def save_qpv(self, code: str, name: str) -> bool:
        async def action() -> str:
            await self._call("PUT", "/admin/qpvs", json={"code": code.strip(), "name": name})
            self.qpvs = await self._call("GET", "/admin/qpvs")
            return f"QPV {code.strip()} enregistré."

        return await self._act(action)

    async def add_partner(self, name: str, kind: str, themes: str) -> bool:
        body = {"name": name, "type": kind, "themes": [t for t in themes.split(",") if t.strip()]}

        async def action() -> str:
            await self._call("POST", "/admin/partners", json=body)
            self.partners = await self._call("GET", "/admin/partners")
            return f"Partenaire « {name.strip()} » ajouté."

        return await self._act(action)

    async def save_retention(self, months: str) -> None:
        async def action() -> str:
            if not months.strip().isdigit() or not 1 <= int(months) <= 36:
                raise ConsoleError(
                    "La durée de conservation doit être comprise entre 1 et 36 mois."
                )
            out = await self._call("PUT", "/admin/settings", json={"retention_months": int(months)})
            self.retention_months = out["retention_months"]
            return f"Conservation réglée à {self.retention_months} mois après le dernier contact."

        await self._act(action)
