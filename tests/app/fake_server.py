"""An in-memory stand-in for the sync server, served through `httpx.MockTransport`.

Small but faithful where the client's correctness depends on it: an op_id ledger
(replays answer `duplicate`), per-field LWW through `domain.merge.merge_op`,
a global version sequence that pulls page through, and zstd request bodies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import zstandard

from domain.hlc import Hlc
from domain.merge import StoredRow, merge_op
from domain.sync import (
    LoginRequest,
    LoginResponse,
    Op,
    OpResult,
    PullResponse,
    PushRequest,
    PushResponse,
    ReferentialsOut,
    RowOut,
    UserPublic,
)
from tests.factories import make_local_session

PASSWORD = "secret"


@dataclass
class FakeRow:
    entity: str
    values: dict[str, Any] = field(default_factory=dict)
    field_hlc: dict[str, str] = field(default_factory=dict)
    field_version: dict[str, int] = field(default_factory=dict)
    version: int = 0


@dataclass
class FakeServer:
    token: str = make_local_session().token
    rows: dict[str, FakeRow] = field(default_factory=dict)
    ledger: dict[str, OpResult] = field(default_factory=dict)
    version: int = 0
    pushed_op_ids: list[list[str]] = field(default_factory=list)
    duplicates: int = 0
    # Fault injection.
    down: bool = False
    lose_push_replies: int = 0
    lose_pull_reply_at_page: int | None = None
    reset_next_pull: bool = False
    forced: tuple[int, dict[str, Any]] | None = None
    reject: Callable[[Op], str | None] = lambda _op: None
    revoked: bool = False
    """The device was revoked: pushes are answered, then the phone is told so."""
    pull_pages_served: int = 0
    # A server of this version answers `then_pull` with the first pull page; an older
    # one ignores it (the default here, so the fallback is what most tests see).
    serves_pull_with_push: bool = False
    pull_pages_with_push: int = 0
    # False: a server older than `GET /sync/pull/stream` (404), pulled page by page.
    serves_pull_stream: bool = True
    health_checks: int = 0

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("no route to host", request=request)
        if self.forced is not None:
            status, body = self.forced
            return httpx.Response(status, json=body)
        path = request.url.path
        if path == "/health":
            self.health_checks += 1
            return httpx.Response(200, json={"status": "ok"})
        if path == "/auth/login":
            return self._login(request)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return httpx.Response(401, json={"detail": "jeton invalide"})
        if path == "/sync/push":
            return self._push(request)
        if path == "/sync/pull":
            return self._pull(request)
        if path == "/sync/pull/stream" and self.serves_pull_stream:
            return httpx.Response(200, stream=_Lines(self, request))
        if path == "/referentials":
            refs = ReferentialsOut(
                cite_id="c1", cite_name="Cité test", qpvs=[], partners=[], members=[]
            )
            return httpx.Response(200, json=refs.model_dump(mode="json"))
        return httpx.Response(404, json={"detail": "introuvable"})

    def _login(self, request: httpx.Request) -> httpx.Response:
        body = LoginRequest.model_validate_json(request.content)
        if body.password != PASSWORD:
            return httpx.Response(401, json={"detail": "identifiants invalides"})
        s = make_local_session()
        reply = LoginResponse(token=s.token, device_id=s.device_id, user=UserPublic(**s.user))
        return httpx.Response(200, json=reply.model_dump(mode="json"))

    def _push(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Content-Encoding"] == "zstd"
        assert request.headers["Content-Type"] == "application/json"
        raw = zstandard.ZstdDecompressor().decompress(request.content)
        body = PushRequest.model_validate_json(raw)
        self.pushed_op_ids.append([op.op_id for op in body.ops])
        results = [self.apply(op) for op in body.ops]
        if self.lose_push_replies:
            # The server committed; the phone never hears about it.
            self.lose_push_replies -= 1
            raise httpx.ReadError("connection reset by peer", request=request)
        reply = PushResponse(
            results=results,
            server_hlc=Hlc(10**12, 0, "server").encode(),
            device_revoked=self.revoked,
        )
        params = request.url.params
        if self.serves_pull_with_push and params.get("then_pull") == "true":
            self.pull_pages_with_push += 1
            limit = int(params.get("limit") or 500)
            reply.pull = self._page(int(params.get("cursor") or 0), limit)
        return httpx.Response(200, json=reply.model_dump(mode="json"))

    def apply(self, op: Op) -> OpResult:
        if op.op_id in self.ledger:
            self.duplicates += 1
            return self.ledger[op.op_id].model_copy(update={"outcome": "duplicate"})
        reason = self.reject(op)
        if reason is not None:
            result = OpResult(op_id=op.op_id, outcome="rejected", reason=reason)
        else:
            row = self.rows.get(op.row_id)
            stored = (
                StoredRow(row.values, row.field_hlc, row.field_version, row.version)
                if row
                else None
            )
            merged = merge_op(stored, values=op.set, hlc=op.hlc, base_version=op.base_version)
            row = row or FakeRow(op.entity)
            if merged.changes or op.row_id not in self.rows:
                self.version += 1
                row.version = self.version
                row.values.update(merged.changes)
                row.field_version.update(dict.fromkeys(merged.changes, self.version))
            row.field_hlc.update(merged.field_hlc)
            self.rows[op.row_id] = row
            result = OpResult(op_id=op.op_id, outcome=merged.outcome, version=row.version)
        self.ledger[op.op_id] = result
        return result

    def _pull(self, request: httpx.Request) -> httpx.Response:
        cursor = int(request.url.params.get("cursor") or 0)
        limit = int(request.url.params.get("limit") or 500)
        page = self.serve_page(request, cursor, limit)
        return httpx.Response(200, content=json.dumps(page.model_dump(mode="json")))

    def serve_page(self, request: httpx.Request, cursor: int, limit: int) -> PullResponse:
        """One pull page, with the faults asked for (a lost reply, a reset)."""
        self.pull_pages_served += 1
        if self.lose_pull_reply_at_page == self.pull_pages_served:
            raise httpx.ReadError("connection reset by peer", request=request)
        if self.reset_next_pull and cursor:
            self.reset_next_pull = False
            return PullResponse(rows=[], cursor="0", has_more=False, reset_required=True)
        return self._page(cursor, limit)

    def _page(self, cursor: int, limit: int) -> PullResponse:
        newer = sorted(
            ((rid, r) for rid, r in self.rows.items() if r.version > cursor),
            key=lambda item: item[1].version,
        )
        chunk = newer[:limit]
        out = [
            RowOut(
                entity=r.entity,  # type: ignore[arg-type]
                id=rid,
                version=r.version,
                deleted=bool(r.values.get("deleted")),
                data={k: v for k, v in r.values.items() if k != "deleted"},
            )
            for rid, r in chunk
        ]
        last = chunk[-1][1].version if chunk else cursor
        return PullResponse(rows=out, cursor=str(last), has_more=len(newer) > limit)


class _Lines(httpx.SyncByteStream):
    """`GET /sync/pull/stream`'s reply, one page per line, each page made when the
    client reads that far (as a real server runs ahead only as the socket allows)."""

    def __init__(self, server: FakeServer, request: httpx.Request) -> None:
        self._server = server
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        params = self._request.url.params
        cursor = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or 500)
        for _ in range(int(params.get("pages") or 50)):
            page = self._server.serve_page(self._request, cursor, limit)
            yield json.dumps(page.model_dump(mode="json")).encode() + b"\n"
            if not page.has_more or page.reset_required:
                return
            cursor = int(page.cursor)
