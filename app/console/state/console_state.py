"""The supervisor console's state: online only, it talks to the server's public API."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import flet as ft
import httpx

from app.config import AppConfig
from domain.sync import LoginRequest, LoginResponse

UNREACHABLE = "Serveur injoignable : vérifiez votre connexion puis réessayez."
LOCAL_SERVER = "http://127.0.0.1:8000"
"""The server the console talks to without RELAIS_SERVER_URL (one on this machine)."""


class ConsoleError(Exception):
    """A failure the console shows as is (French); `status` is the HTTP status, if any."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))
    except ValueError:
        return response.text or f"Erreur {response.status_code}"


@dataclass
class ConsoleApi:
    base_url: str
    token: str | None = None
    transport: httpx.BaseTransport | None = None

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            with httpx.Client(base_url=self.base_url, timeout=20, transport=self.transport) as http:
                response = http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise ConsoleError(UNREACHABLE) from exc
        if response.status_code >= 400:
            raise ConsoleError(_detail(response), response.status_code)
        if response.status_code == 204:
            return None
        return response.json()

    def login(self, username: str, password: str) -> LoginResponse:
        body = LoginRequest(username=username, password=password, device_name="console")
        result = LoginResponse.model_validate(
            self._request("POST", "/auth/login", json=body.model_dump())
        )
        self.token = result.token
        return result

    def contacts(self, *, page: int = 1, page_size: int = 50, **filters: str) -> dict[str, Any]:
        params = {"page": page, "page_size": page_size, **{k: v for k, v in filters.items() if v}}
        return dict(self._request("GET", "/console/contacts", params=params))

    # --- Review, conflicts, duplicates, persons --------------------------------------

    def referentials(self) -> dict[str, Any]:
        return dict(self._request("GET", "/referentials"))

    def review(self, contact_id: str, state: str, comment: str | None, version: int) -> Any:
        body = {"state": state, "comment": comment, "version": version}
        return self._request("POST", f"/console/contacts/{contact_id}/review", json=body)

    def validate_contacts(
        self, *, contact_ids: list[str] | None = None, event_id: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"event_id": event_id} if event_id else {"contact_ids": contact_ids}
        return dict(self._request("POST", "/console/contacts/validate", json=body))

    def undo_validation(self, undo: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(self._request("POST", "/console/contacts/validate/undo", json={"undo": undo}))

    def correct(self, row_id: str, values: dict[str, Any]) -> dict[str, Any]:
        body = {"values": values}
        return dict(self._request("POST", f"/console/records/{row_id}/correct", json=body))

    def history(self, contact_id: str) -> list[dict[str, Any]]:
        return list(self._request("GET", f"/console/contacts/{contact_id}/history")["entries"])

    def conflicts(self) -> list[dict[str, Any]]:
        return list(self._request("GET", "/console/conflicts"))

    def resolve(self, conflict_id: str, choice: str, value: Any = None) -> Any:
        body = {"choice": choice, "value": value}
        return self._request("POST", f"/console/conflicts/{conflict_id}/resolve", json=body)

    def held_ops(self) -> list[dict[str, Any]]:
        return list(self._request("GET", "/console/held-ops"))

    def decide_held(self, op_id: str, accept: bool) -> Any:
        verb = "accept" if accept else "discard"
        return self._request("POST", f"/console/held-ops/{op_id}/{verb}")

    def duplicates(self) -> list[dict[str, Any]]:
        return list(self._request("GET", "/console/duplicates"))

    def dismiss_pair(self, person_a: str, person_b: str) -> None:
        body = {"person_a": person_a, "person_b": person_b}
        self._request("POST", "/console/duplicates/dismiss", json=body)

    def merges(self) -> list[dict[str, Any]]:
        return list(self._request("GET", "/console/merges"))

    def merge(self, person_id: str, into: str) -> None:
        self._request("POST", f"/console/persons/{person_id}/merge", json={"into": into})

    def name_referent(self, person_id: str, mediator_id: str) -> None:
        self._request(
            "POST", f"/console/persons/{person_id}/referent", json={"mediator_id": mediator_id}
        )

    def unmerge(self, person_id: str) -> None:
        self._request("POST", f"/console/persons/{person_id}/unmerge")

    def persons(self, *, q: str = "", page: int = 1, page_size: int = 25) -> dict[str, Any]:
        params = {"q": q, "page": page, "page_size": page_size}
        return dict(self._request("GET", "/console/persons", params=params))

    def pathway(self, person_id: str) -> dict[str, Any]:
        return dict(self._request("GET", f"/console/persons/{person_id}/pathway"))

    # --- Rights and retention (docs/architecture.md §4.6, §4.7) ---
    # The export file goes through insight_state.api_call.

    def erase_person(self, person_id: str, reason: str) -> dict[str, Any]:
        body = {"reason": reason}
        return dict(self._request("POST", f"/console/persons/{person_id}/erase", json=body))

    def retention_upcoming(self) -> list[dict[str, Any]]:
        return list(self._request("GET", "/console/retention/upcoming"))

    # --- Partner structures: their orientations and answers ---------------------------

    def partner_orientations(self) -> dict[str, Any]:
        return dict(self._request("GET", "/partner/orientations"))

    def partner_answer(self, orientation_id: str, answer: dict[str, Any]) -> dict[str, Any]:
        path = f"/partner/orientations/{orientation_id}/answer"
        return dict(self._request("POST", path, json=answer))


@ft.observable
@dataclass
class ConsoleState:
    config: AppConfig
    api: ConsoleApi
    login: LoginResponse | None = None
    error: str | None = None
    busy: bool = False
    contacts: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = 50
    review_filter: str = ""
    # States of the indicators/exports/admin screens, kept while signed in so that a
    # re-mounted screen finds its data again (see app/console/state/insight_state.py).
    section_states: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, config: AppConfig) -> ConsoleState:
        return cls(config=config, api=ConsoleApi(config.server_url or LOCAL_SERVER))

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
        if result.user.role == "mediator":
            self.error = "La console est réservée aux superviseurs et administrateurs."
            self.api.token = None
            return False
        self.login = result
        # Partner and programme accounts have their own screen (screens/partner.py,
        # screens/programme.py): no contacts list.
        if result.user.role not in ("partner", "programme"):
            await self.load_contacts()
        return True

    def sign_out(self) -> None:
        self.login = None
        self.api.token = None
        self.contacts = []
        self.section_states = {}

    async def load_contacts(self, page: int | None = None) -> None:
        self.busy = True
        self.error = None
        try:
            target = page or self.page
            result = await asyncio.to_thread(
                self.api.contacts,
                page=target,
                page_size=self.page_size,
                review_state=self.review_filter,
            )
            self.contacts = list(result["items"])
            self.total = int(result["total"])
            self.page = target
        except ConsoleError as exc:
            self.error = str(exc)
        finally:
            self.busy = False

    async def set_review_filter(self, value: str) -> None:
        self.review_filter = value
        await self.load_contacts(page=1)
