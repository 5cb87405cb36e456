"""The console's one client of the server's API: typed answers, one timeout policy, one
error type. The models are the server's own (`domain.api`, `domain.sync`), so a field
renamed on one side is a type error on the other, not a KeyError on screen."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from domain.api.console import ConsoleContact, Page
from domain.api.insight import (
    AdminDeviceOut,
    AdminUserOut,
    EnrolCodeOut,
    IndicatorsOut,
    PartnerAdminOut,
    QpvAdminOut,
    SettingsOut,
)
from domain.api.partner import PartnerOrientationOut, PartnerOrientationsOut
from domain.api.programme import ProgrammeOut
from domain.api.review import (
    BulkUndoOut,
    BulkValidateOut,
    ContactHistory,
    CorrectOut,
    DuplicatePair,
    HeldDecisionOut,
    HeldOpOut,
    HistoryEntry,
    MergeCompareOut,
    MergeOut,
    MergeRequest,
    PathwayOut,
    PersonSummary,
    ReadableConflict,
    ReviewOut,
    UndoEntry,
)
from domain.api.security import AuditEventOut, EraseResult, RetentionDue
from domain.periods import Period
from domain.sync import LoginRequest, LoginResponse, ReferentialsOut

T = TypeVar("T")

UNREACHABLE = "Serveur injoignable : vérifiez votre connexion puis réessayez."
UNEXPECTED = "Réponse inattendue du serveur : prévenez l'administrateur."
LOCAL_SERVER = "http://127.0.0.1:8000"
"""The server the console talks to without RELAIS_SERVER_URL (one on this machine)."""

TIMEOUT = httpx.Timeout(120.0, connect=10.0)
"""One policy for every call: a server out of reach is said within 10 s, and an answer
may take up to 2 minutes (a year's export on a busy server is the slowest)."""


class ConsoleError(Exception):
    """A failure the console shows as is (French: the server's `detail`, or why the
    server could not be read); `status` is the HTTP status, if there was one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Download:
    name: str
    content: bytes

    @property
    def size(self) -> str:
        """« 12,3 Ko »."""
        return f"{len(self.content) / 1024:.1f} Ko".replace(".", ",")


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail) if detail else (response.text or f"Erreur {response.status_code}")


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(kind: Any) -> TypeAdapter[Any]:
    """The validator of one answer type, built once (building one takes milliseconds)."""
    if kind not in _ADAPTERS:
        _ADAPTERS[kind] = TypeAdapter(kind)
    return _ADAPTERS[kind]


def period_params(period: Period, qpv: str = "") -> dict[str, str]:
    params = {"date_from": period.start.isoformat(), "date_to": period.end.isoformat()}
    return {**params, "qpv": qpv} if qpv else params


@dataclass
class ConsoleApi:
    base_url: str
    token: str | None = None
    transport: httpx.BaseTransport | None = None

    # --- Transport -------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One authenticated request; a `ConsoleError` on any failure. A client per
        request: calls run in worker threads and the console makes few of them, so
        nothing is left open when a thread or the console stops."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            with httpx.Client(
                base_url=self.base_url, timeout=TIMEOUT, transport=self.transport
            ) as http:
                response = http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise ConsoleError(UNREACHABLE) from exc
        if response.status_code >= 400:
            raise ConsoleError(_detail(response), response.status_code)
        return response

    def _read(self, kind: type[T], method: str, path: str, **kwargs: Any) -> T:
        response = self._send(method, path, **kwargs)
        try:
            value: T = _adapter(kind).validate_python(response.json())
        except (ValueError, ValidationError) as exc:
            raise ConsoleError(UNEXPECTED, response.status_code) from exc
        return value

    def _download(self, path: str, fallback: str, **kwargs: Any) -> Download:
        response = self._send("GET", path, **kwargs)
        disposition = response.headers.get("content-disposition", "")
        match = re.search(r'filename="([^"]+)"', disposition)
        return Download(match.group(1) if match else fallback, response.content)

    def forget_token(self) -> None:
        """Signed out: later calls are anonymous until the next sign-in."""
        self.token = None

    # --- Session and referentials ----------------------------------------------------

    def login(self, username: str, password: str) -> LoginResponse:
        body = LoginRequest(username=username, password=password, device_name="console")
        result = self._read(LoginResponse, "POST", "/auth/login", json=body.model_dump())
        self.token = result.token
        return result

    def referentials(self) -> ReferentialsOut:
        return self._read(ReferentialsOut, "GET", "/referentials")

    # --- Review ----------------------------------------------------------------------

    def contacts(
        self, *, page: int = 1, page_size: int = 50, **filters: str
    ) -> Page[ConsoleContact]:
        params = {"page": page, "page_size": page_size, **{k: v for k, v in filters.items() if v}}
        return self._read(Page[ConsoleContact], "GET", "/console/contacts", params=params)

    def review(self, contact_id: str, state: str, comment: str | None, version: int) -> ReviewOut:
        body = {"state": state, "comment": comment, "version": version}
        path = f"/console/contacts/{contact_id}/review"
        return self._read(ReviewOut, "POST", path, json=body)

    def validate_contacts(
        self, *, contact_ids: list[str] | None = None, event_id: str | None = None
    ) -> BulkValidateOut:
        body: dict[str, Any] = {"event_id": event_id} if event_id else {"contact_ids": contact_ids}
        return self._read(BulkValidateOut, "POST", "/console/contacts/validate", json=body)

    def undo_validation(self, undo: list[UndoEntry]) -> BulkUndoOut:
        body = {"undo": [u.model_dump(mode="json") for u in undo]}
        return self._read(BulkUndoOut, "POST", "/console/contacts/validate/undo", json=body)

    def history(self, contact_id: str) -> list[HistoryEntry]:
        path = f"/console/contacts/{contact_id}/history"
        return self._read(ContactHistory, "GET", path).entries

    def correct(self, row_id: str, values: dict[str, Any]) -> CorrectOut:
        path = f"/console/records/{row_id}/correct"
        return self._read(CorrectOut, "POST", path, json={"values": values})

    # --- Conflicts and a revoked phone's held entries --------------------------------

    def conflicts(self) -> list[ReadableConflict]:
        return self._read(list[ReadableConflict], "GET", "/console/conflicts")

    def resolve(self, conflict_id: str, choice: str, value: Any = None) -> ReadableConflict:
        path = f"/console/conflicts/{conflict_id}/resolve"
        return self._read(ReadableConflict, "POST", path, json={"choice": choice, "value": value})

    def held_ops(self) -> list[HeldOpOut]:
        return self._read(list[HeldOpOut], "GET", "/console/held-ops")

    def decide_held(self, op_id: str, accept: bool) -> HeldDecisionOut:
        verb = "accept" if accept else "discard"
        return self._read(HeldDecisionOut, "POST", f"/console/held-ops/{op_id}/{verb}")

    # --- Duplicates, merges, persons -------------------------------------------------

    def duplicates(self) -> list[DuplicatePair]:
        return self._read(list[DuplicatePair], "GET", "/console/duplicates")

    def dismiss_pair(self, person_a: str, person_b: str) -> None:
        body = {"person_a": person_a, "person_b": person_b}
        self._send("POST", "/console/duplicates/dismiss", json=body)

    def merges(self) -> list[MergeOut]:
        return self._read(list[MergeOut], "GET", "/console/merges")

    def compare(self, person_id: str, other_id: str) -> MergeCompareOut:
        """Two persons side by side and the fields where they differ."""
        path = f"/console/persons/{person_id}/compare/{other_id}"
        return self._read(MergeCompareOut, "GET", path)

    def merge(
        self,
        person_id: str,
        into: str,
        *,
        survivor: str = "b",
        choices: dict[str, str] | None = None,
        a_version: int | None = None,
        b_version: int | None = None,
    ) -> None:
        """Merge `person_id` (« a ») and `into` (« b »): the record `survivor` is kept,
        each field in `choices` is taken from the side named; with the versions read
        by `compare`, a record changed since is refused (409) rather than merged blind."""
        body = MergeRequest(
            into=into,
            survivor=survivor,
            choices=choices or {},
            a_version=a_version,
            b_version=b_version,
        )
        path = f"/console/persons/{person_id}/merge"
        self._send("POST", path, json=body.model_dump(exclude_none=True))

    def unmerge(self, person_id: str) -> None:
        self._send("POST", f"/console/persons/{person_id}/unmerge")

    def name_referent(self, person_id: str, mediator_id: str) -> None:
        body = {"mediator_id": mediator_id}
        self._send("POST", f"/console/persons/{person_id}/referent", json=body)

    def persons(self, *, q: str = "", page: int = 1, page_size: int = 25) -> Page[PersonSummary]:
        params = {"q": q, "page": page, "page_size": page_size}
        return self._read(Page[PersonSummary], "GET", "/console/persons", params=params)

    def pathway(self, person_id: str) -> PathwayOut:
        return self._read(PathwayOut, "GET", f"/console/persons/{person_id}/pathway")

    # --- Rights and retention (docs/architecture.md §4.6, §4.7) ----------------------

    def export_person(self, person_id: str) -> Download:
        path = f"/console/persons/{person_id}/export"
        return self._download(path, f"relais-personne-{person_id}.json")

    def erase_person(self, person_id: str, reason: str) -> EraseResult:
        path = f"/console/persons/{person_id}/erase"
        return self._read(EraseResult, "POST", path, json={"reason": reason})

    def retention_upcoming(self) -> list[RetentionDue]:
        return self._read(list[RetentionDue], "GET", "/console/retention/upcoming")

    # --- Indicators and exports ------------------------------------------------------

    def indicators(self, period: Period, qpv: str = "") -> IndicatorsOut:
        params = period_params(period, qpv)
        return self._read(IndicatorsOut, "GET", "/console/indicators", params=params)

    def export(self, path: str, fallback: str, params: dict[str, str]) -> Download:
        return self._download(path, fallback, params=params)

    def quarterly_report(self, year: int, quarter: int, format: str) -> Download:
        """The programme's report of one calendar quarter, `format` « pdf » or « xlsx »."""
        params = {"year": str(year), "quarter": str(quarter), "format": format}
        fallback = f"rapport-programme.{format}"
        return self._download("/console/exports/quarterly", fallback, params=params)

    # --- Administration --------------------------------------------------------------

    def users(self, *, page: int = 1, page_size: int = 20) -> Page[AdminUserOut]:
        params = {"page": page, "page_size": page_size}
        return self._read(Page[AdminUserOut], "GET", "/admin/users", params=params)

    def create_user(self, body: dict[str, str]) -> AdminUserOut:
        return self._read(AdminUserOut, "POST", "/admin/users", json=body)

    def deactivate(self, user_id: str) -> AdminUserOut:
        return self._read(AdminUserOut, "POST", f"/admin/users/{user_id}/deactivate")

    def reset_password(self, user_id: str, password: str) -> None:
        self._send("POST", f"/admin/users/{user_id}/password", json={"password": password})

    def devices(self, user_id: str) -> list[AdminDeviceOut]:
        return self._read(list[AdminDeviceOut], "GET", f"/admin/users/{user_id}/devices")

    def revoke(self, device_id: str) -> AdminDeviceOut:
        return self._read(AdminDeviceOut, "POST", f"/admin/devices/{device_id}/revoke")

    def enrol_code(self, user_id: str) -> EnrolCodeOut:
        return self._read(EnrolCodeOut, "POST", f"/admin/users/{user_id}/enrol-codes")

    def qpvs(self) -> list[QpvAdminOut]:
        return self._read(list[QpvAdminOut], "GET", "/admin/qpvs")

    def save_qpv(self, code: str, name: str) -> QpvAdminOut:
        return self._read(QpvAdminOut, "PUT", "/admin/qpvs", json={"code": code, "name": name})

    def partners(self) -> list[PartnerAdminOut]:
        return self._read(list[PartnerAdminOut], "GET", "/admin/partners")

    def add_partner(self, name: str, kind: str, themes: list[str]) -> PartnerAdminOut:
        body = {"name": name, "type": kind, "themes": themes}
        return self._read(PartnerAdminOut, "POST", "/admin/partners", json=body)

    def settings(self) -> SettingsOut:
        return self._read(SettingsOut, "GET", "/admin/settings")

    def save_settings(self, retention_months: int) -> SettingsOut:
        body = {"retention_months": retention_months}
        return self._read(SettingsOut, "PUT", "/admin/settings", json=body)

    def audit(
        self, *, page: int, page_size: int, family: str = "", actor: str = ""
    ) -> Page[AuditEventOut]:
        params: dict[str, Any] = {"page": page, "page_size": page_size}
        params |= {k: v for k, v in (("family", family), ("actor", actor)) if v}
        return self._read(Page[AuditEventOut], "GET", "/admin/audit", params=params)

    # --- A programme account's view of its cités -------------------------------------

    def programme_indicators(self, period: Period) -> ProgrammeOut:
        params = period_params(period)
        return self._read(ProgrammeOut, "GET", "/programme/indicators", params=params)

    def programme_workbook(self, period: Period) -> Download:
        params = period_params(period)
        return self._download("/programme/indicators.xlsx", "relais-programme.xlsx", params=params)

    def programme_report(self, year: int, quarter: int, format: str) -> Download:
        """The quarterly report of the account's cités, `format` « pdf » or « xlsx »."""
        params = {"year": str(year), "quarter": str(quarter), "format": format}
        fallback = f"relais-programme-rapport.{format}"
        return self._download("/programme/quarterly", fallback, params=params)

    # --- A partner structure's orientations ------------------------------------------

    def partner_orientations(self) -> PartnerOrientationsOut:
        return self._read(PartnerOrientationsOut, "GET", "/partner/orientations")

    def partner_answer(self, orientation_id: str, answer: dict[str, Any]) -> PartnerOrientationOut:
        path = f"/partner/orientations/{orientation_id}/answer"
        return self._read(PartnerOrientationOut, "POST", path, json=answer)
