"""The supervisor console's state: online only, it talks to the server's public API."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, TypeVar

import flet as ft

from app.config import AppConfig
from app.console.state.api import LOCAL_SERVER, ConsoleApi, ConsoleError
from app.console.state.section import SectionState
from domain.sync import LoginResponse
from domain.vocabulary import Role

S = TypeVar("S", bound=SectionState)


@ft.observable
@dataclass
class ConsoleState:
    config: AppConfig
    api: ConsoleApi
    login: LoginResponse | None = None
    error: str | None = None
    busy: bool = False
    sections: dict[type[Any], Any] = field(default_factory=dict)
    """Each section's state, by its class: one lifetime, the sign-in."""

    @classmethod
    def open(cls, config: AppConfig) -> ConsoleState:
        return cls(config=config, api=ConsoleApi(config.server_url or LOCAL_SERVER))

    def section(self, kind: type[S]) -> S:
        """The state of one section of this sign-in, created on its first visit."""
        if kind not in self.sections:
            self.sections[kind] = kind(api=self.api)
        state: S = self.sections[kind]
        return state

    async def sign_in(self, username: str, password: str) -> bool:
        self.error = None
        if not username.strip() or not password:
            self.error = "Saisissez votre identifiant et votre mot de passe."
            return False
        self.busy = True
        try:
            result = await asyncio.to_thread(self.api.login, username.strip(), password)
        except ConsoleError as exc:
            self.error = str(exc)
            return False
        finally:
            self.busy = False
        if result.user.role == Role.MEDIATOR:
            self.error = "La console est réservée aux superviseurs et administrateurs."
            self.api.forget_token()
            return False
        self.login = result
        return True

    def sign_out(self) -> None:
        self.login = None
        self.api.forget_token()
        self.sections = {}
