"""Console administration state (admin role): users, devices, enrolment, referentials."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlencode

import flet as ft
import segno

from app.console.state.api import ConsoleError
from app.console.state.section import SectionState
from domain.api.insight import AdminDeviceOut, AdminUserOut, PartnerAdminOut, QpvAdminOut
from domain.vocabulary import Role

T = TypeVar("T")


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


NEW_USER = {
    "username": "",
    "display_name": "",
    "role": "mediator",
    "password": "",
    "structure": "",
    "partner_id": "",
}
NEW_PARTNER = {"name": "", "type": "association", "themes": ""}
NEW_QPV = {"code": "", "name": ""}

P = ParamSpec("P")


def _action(
    method: Callable[Concatenate[AdminState, P], Awaitable[str | None]],
) -> Callable[Concatenate[AdminState, P], Awaitable[bool]]:
    """One admin action, made of several calls: busy meanwhile, the French confirmation
    it returns (if any) in `notice`, or the failure's reason in `error`. The action
    returns True when it went through."""

    @functools.wraps(method)
    async def run(state: AdminState, /, *args: P.args, **kwargs: P.kwargs) -> bool:
        state.notice = None
        try:
            state.notice = await state._watch(method(state, *args, **kwargs))
        except ConsoleError:
            return False
        return True

    return run


@ft.observable
@dataclass
class AdminState(SectionState):
    users: list[AdminUserOut] = field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = 20
    selected: AdminUserOut | None = None
    devices: list[AdminDeviceOut] = field(default_factory=list)
    enrol: EnrolCode | None = None
    qpvs: list[QpvAdminOut] = field(default_factory=list)
    partners: list[PartnerAdminOut] = field(default_factory=list)
    retention_months: int = 24
    tab: str = "users"
    """The tab shown: users, or the referentials."""
    # What is being typed in the section's forms.
    new_user: dict[str, str] = field(default_factory=lambda: dict(NEW_USER))
    password: str = ""
    new_qpv: dict[str, str] = field(default_factory=lambda: dict(NEW_QPV))
    new_partner: dict[str, str] = field(default_factory=lambda: dict(NEW_PARTNER))
    months: str | None = None
    """The retention typed, while it differs from the one saved."""

    def _call(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> Awaitable[T]:
        return asyncio.to_thread(call, *args, **kwargs)

    @_action
    async def load(self, page: int | None = None) -> None:
        target = page or self.page
        result = await self._call(self.api.users, page=target, page_size=self.page_size)
        self.users, self.total, self.page = result.items, result.total, target
        self.qpvs = await self._call(self.api.qpvs)
        self.partners = await self._call(self.api.partners)
        self.retention_months = (await self._call(self.api.settings)).retention_months

    @_action
    async def create_user(self) -> str:
        form = self.new_user
        # A partner account is attached to its structure; no other account is.
        partner = form["partner_id"] if form["role"] == Role.PARTNER else ""
        body = {k: v for k, v in {**form, "partner_id": partner}.items() if k != "partner_id" or v}
        user = await self._call(self.api.create_user, body)
        await self.load()
        self.new_user = {**NEW_USER, "role": form["role"], "partner_id": partner}
        return f"Compte « {user.username} » créé ({user.role_label})."

    @_action
    async def select(self, user: AdminUserOut) -> None:
        self.devices = await self._call(self.api.devices, user.id)
        self.selected, self.enrol, self.password = user, None, ""

    @_action
    async def deactivate(self, user: AdminUserOut) -> str:
        await self._call(self.api.deactivate, user.id)
        await self.load()
        return f"Compte de {user.display_name} désactivé."

    @property
    def _chosen(self) -> AdminUserOut:
        """The user whose devices are shown: what the devices panel acts on."""
        assert self.selected is not None
        return self.selected

    @_action
    async def reset_password(self) -> str:
        user = self._chosen
        await self._call(self.api.reset_password, user.id, self.password)
        self.password = ""
        return f"Mot de passe de {user.display_name} réinitialisé."

    @_action
    async def revoke(self, device: AdminDeviceOut) -> str:
        user = self._chosen
        await self._call(self.api.revoke, device.id)
        self.devices = await self._call(self.api.devices, user.id)
        return f"Appareil « {device.name} » révoqué."

    @_action
    async def new_enrol_code(self) -> str:
        user = self._chosen
        out = await self._call(self.api.enrol_code, user.id)
        png = await self._call(enrol_qr_png, self.api.base_url, out.code)
        self.enrol = EnrolCode(user.display_name, out.code, out.expires_at, png)
        return "Code d'enrôlement créé : valable 15 minutes, une seule fois."

    @_action
    async def save_qpv(self) -> str:
        code, name = self.new_qpv["code"].strip(), self.new_qpv["name"]
        await self._call(self.api.save_qpv, code, name)
        self.qpvs = await self._call(self.api.qpvs)
        self.new_qpv = dict(NEW_QPV)
        return f"QPV {code} enregistré."

    @_action
    async def add_partner(self) -> str:
        form = self.new_partner
        themes = [t for t in form["themes"].split(",") if t.strip()]
        await self._call(self.api.add_partner, form["name"], form["type"], themes)
        self.partners = await self._call(self.api.partners)
        self.new_partner = {**NEW_PARTNER, "type": form["type"]}
        return f"Partenaire « {form['name'].strip()} » ajouté."

    @_action
    async def save_retention(self) -> str:
        months = self.months if self.months is not None else str(self.retention_months)
        if not months.strip().isdigit() or not 1 <= int(months) <= 36:
            raise ConsoleError("La durée de conservation doit être comprise entre 1 et 36 mois.")
        out = await self._call(self.api.save_settings, int(months))
        self.retention_months, self.months = out.retention_months, None
        return f"Conservation réglée à {self.retention_months} mois après le dernier contact."
