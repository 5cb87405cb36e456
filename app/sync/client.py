"""The sync client: push the outbox, then pull until up to date (docs/architecture.md §3.12).

Synchronous httpx, called from a worker thread. Every step is resumable: ops
leave the outbox only through a server acknowledgement, and the pull cursor
moves only in the transaction that applied its page, so an interruption at any
point is followed by a sync that resends the same op_ids (answered `duplicate`)
and re-pulls at most one page.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any, Literal, TypeVar

import httpx
import zstandard
from pydantic import ValidationError

from app.store import DeviceSession, LocalStore
from app.store.outbox import PendingBatch
from app.sync.errors import (
    BAD_CREDENTIALS,
    BAD_ENROL_CODE,
    NO_SERVER_THERE,
    PARTNER_ON_PHONE,
    AuthError,
    DeviceRevoked,
    NotRelaisServer,
    ServerError,
    ServerUnreachable,
    SyncError,
    UpgradeRequired,
)
from app.sync.read_ahead import lines, pages_ahead
from app.sync.replies import PullPage, PushReply, read_pull_page, read_push_reply
from domain.sync import (
    MAX_PUSH_OPS,
    MAX_STREAM_PAGES,
    SCHEMA_VERSION,
    LoginRequest,
    LoginResponse,
    PushResponse,
    ReferentialsOut,
)
from domain.vocabulary import Role

# Larger batches mean fewer round trips and server transactions; the server caps them.
DEFAULT_PUSH_BATCH = MAX_PUSH_OPS
DEFAULT_PULL_PAGE = 500
PROBE_TIMEOUT = 5.0
SCHEMA_HEADER = "X-Relais-Schema-Version"

T = TypeVar("T")


class _NoStream(Exception):
    """The server has no `GET /sync/pull/stream` (a version older than this app)."""


@dataclass(frozen=True)
class SyncProgress:
    phase: Literal["push", "pull"]
    done: int
    total: int | None
    """Known for the push (ops pending at start), unknown for the pull."""


@dataclass
class SyncReport:
    pushed: int = 0
    acked: int = 0
    rejected: int = 0
    conflicts: int = 0
    pulled: int = 0
    clock_flagged: int = 0
    duplicates: int = 0
    """Ops the server already had (a resend after a lost reply): acknowledged, applied once."""
    removed: int = 0
    """Rows a full pull from scratch did not bring back (gone from the server): removed."""
    requeued: int = 0
    """Rows pushed again whole because the server's database was restored from a backup."""


class SyncClient:
    def __init__(
        self,
        store: LocalStore,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
        push_batch: int = DEFAULT_PUSH_BATCH,
        pull_limit: int = DEFAULT_PULL_PAGE,
        pull_with_push: bool = True,
    ) -> None:
        """`pull_with_push`: the last push batch asks for the first pull page (off only
        to time a push alone, in `benchmarks/`)."""
        self._store = store
        self._base_url = base_url.rstrip("/")
        self._push_batch = max(1, min(push_batch, MAX_PUSH_OPS))
        self._pull_limit = pull_limit
        self._pull_with_push = pull_with_push
        self._streams = True  # until the server shows it has no streamed pull
        self._http = httpx.Client(
            base_url=self._base_url,
            transport=transport,
            timeout=timeout,
            headers={SCHEMA_HEADER: str(SCHEMA_VERSION), "Accept": "application/json"},
        )

    @property
    def base_url(self) -> str:
        return self._base_url

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public ---------------------------------------------------------------------------

    def check_server(self) -> None:
        """Raise unless a Relais server answers its health check at this address (before
        an enrolment: a phone is not tied to an address that is wrong)."""
        try:
            response = self._http.get("/health", timeout=PROBE_TIMEOUT)
        except httpx.HTTPError as exc:
            raise ServerUnreachable(NO_SERVER_THERE) from exc
        try:
            relais = response.status_code == 200 and response.json() == {"status": "ok"}
        except ValueError:
            relais = False
        if not relais:
            raise NotRelaisServer()

    def login(self, username: str, password: str, device_name: str) -> DeviceSession:
        body = LoginRequest(username=username, password=password, device_name=device_name)
        reply = self._call(
            "POST",
            "/auth/login",
            LoginResponse.model_validate_json,
            json_body=body.model_dump(mode="json"),
            authenticated=False,
            unauthorized=BAD_CREDENTIALS,
        )
        return self._keep_session(reply)

    def enrol(self, code: str, device_name: str) -> DeviceSession:
        """Enrol this phone with the one-time code an admin generated (no password typed)."""
        reply = self._call(
            "POST",
            "/auth/enrol",
            LoginResponse.model_validate_json,
            json_body={"code": code, "device_name": device_name},
            authenticated=False,
            unauthorized=BAD_ENROL_CODE,
        )
        return self._keep_session(reply)

    def _keep_session(self, reply: LoginResponse) -> DeviceSession:
        if reply.user.role in (Role.PARTNER, Role.PROGRAMME):
            # Nothing of the cité syncs to a partner account: it answers in the console.
            raise SyncError(PARTNER_ON_PHONE)
        session = DeviceSession(
            server_url=self._base_url,
            token=reply.token,
            device_id=reply.device_id,
            user=reply.user.model_dump(mode="json"),
        )
        self._store.save_session(session)
        return session

    def probe(self, timeout: float = 3.0) -> bool:
        """Whether the server answers its health check, on this client's connection:
        the sync that follows reuses it instead of opening another (one round trip
        less on a mobile link)."""
        try:
            return self._http.get("/health", timeout=timeout).status_code == 200
        except httpx.HTTPError:
            return False

    def fetch_referentials(self) -> ReferentialsOut:
        refs = self._call("GET", "/referentials", ReferentialsOut.model_validate_json)
        self._store.save_referentials(refs)
        return refs

    def sync(self, progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
        report = SyncReport()
        notify = progress or (lambda _p: None)
        try:
            revoked, first_page = self._push(report, notify)
            if revoked:
                raise DeviceRevoked()
            self._pull(report, notify, first_page)
            if report.requeued:
                # The server was restored: what this phone holds goes back first, then
                # a pull from scratch brings every row as the server now has it.
                revoked, first_page = self._push(report, notify)
                if revoked:
                    raise DeviceRevoked()
                self._pull(report, notify, first_page)
        except DeviceRevoked:
            # Everything that could be pushed was; nothing may stay on a revoked phone.
            self._http.close()
            self._store.wipe()
            raise
        except SyncError as exc:
            self._store.record_sync(ok=False, error=str(exc))
            raise
        except Exception:
            self._store.record_sync(ok=False, error="Erreur inattendue pendant la synchronisation.")
            raise
        self._store.record_sync(ok=True, error=None)
        return report

    # -- steps ----------------------------------------------------------------------------

    def _push(
        self, report: SyncReport, notify: Callable[[SyncProgress], None]
    ) -> tuple[bool, PullPage | None]:
        """Push every pending op, preparing batch n+1 while batch n is on its way.

        Batch n+1 (the pending ops after batch n's last `device_seq`) is read from
        the outbox and compressed while the server works on batch n, and leaves
        once the server has answered n, so the server has committed n before it
        reads n+1 (a contact may name a person created in n). The phone stores n's
        answers while n+1 is on its way. An interruption anywhere leaves unanswered
        ops pending; the next sync resends them and the server answers `duplicate`
        for those it had. The helper thread never touches the store and no request
        outlives this call.

        The last batch asks the server for the first pull page too (`then_pull`,
        from the cursor held now): the pull then starts without a request. Returns
        (the server says this device is revoked, that page if the server sent it).
        """
        revoked = False
        total = self._store.sync_status().pending
        batch = self._store.pending_batch(self._push_batch)
        if not batch.op_ids:
            return False, None
        bearer = self._bearer()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="relais-push") as ahead:
            sending = ahead.submit(self._send_batch, *self._prepared(batch), bearer)
            while True:
                # Read while the server works: reading batch n+1 needs nothing of n's answer.
                following = self._store.pending_batch(self._push_batch, after_seq=batch.last_seq)
                prepared = self._prepared(following) if following.op_ids else None
                answer = sending.result()
                reply = answer.response
                if prepared is not None:
                    sending = ahead.submit(self._send_batch, *prepared, bearer)
                # Results first: once stored, a lost connection cannot make them be redone.
                self._store.apply_push_results(reply.results, reply.erased)
                self._store.observe_hlc(reply.server_hlc)
                revoked = revoked or reply.device_revoked
                self._count(report, batch.op_ids, reply)
                notify(SyncProgress("push", report.pushed, max(total, report.pushed)))
                answered = {r.op_id for r in reply.results}
                if any(op_id not in answered for op_id in batch.op_ids):
                    # Sent again, they would get the same answer: stop, keep them pending.
                    raise ServerError("réponse incomplète à l'envoi des saisies")
                if prepared is None:
                    # Only the last answer's page counts: one asked for by an earlier
                    # batch (ops were written meanwhile) is dropped with its answer.
                    return revoked, answer.page
                batch = following

    def _prepared(self, batch: PendingBatch) -> tuple[bytes, dict[str, Any]]:
        """A batch's compressed body and query parameters, made on the calling thread."""
        return zstandard.ZstdCompressor().compress(batch.body), self._page_asked(batch)

    def _page_asked(self, batch: PendingBatch) -> dict[str, Any]:
        """Query parameters asking the first pull page with the last batch's answer
        (read here, not in the helper thread: it never touches the store)."""
        if not self._pull_with_push or batch.more:
            return {}
        return {"then_pull": "true", **self._page_params(self._store.cursor())}

    def _send_batch(self, body: bytes, params: dict[str, Any], bearer: str) -> PushReply:
        return self._call(
            "POST",
            "/sync/push",
            read_push_reply,
            content=body,
            params=params,
            headers={"Content-Encoding": "zstd", "Content-Type": "application/json"},
            bearer=bearer,
        )

    @staticmethod
    def _count(report: SyncReport, op_ids: list[str], reply: PushResponse) -> None:
        report.pushed += len(op_ids)
        for r in reply.results:
            report.acked += r.outcome != "rejected"
            report.rejected += r.outcome == "rejected"
            report.conflicts += r.outcome == "conflict"
            report.clock_flagged += r.clock_flagged
            report.duplicates += r.outcome == "duplicate"

    def _pull(
        self,
        report: SyncReport,
        notify: Callable[[SyncProgress], None],
        first: PullPage | None = None,
    ) -> None:
        """Pull until up to date, reading page n+1 while page n is being applied.

        Pages come streamed, many per reply (`GET /sync/pull/stream`): the server
        reads the next page while this phone writes the last one, and a reply ends
        after `MAX_STREAM_PAGES` pages or at the last page. They are read in a
        helper thread (`read_ahead`) that never touches the store (the token is
        read here first). Pages are applied in order, each with its cursor in the
        same transaction, and a failure (reading or applying) stops the pull after
        the last applied page. `first`, the page the last push's answer carried
        (asked for from the cursor held now), comes first without a request.
        """
        cursor = self._store.cursor()
        bearer = self._bearer()
        reset_done = False
        while True:
            # From `cursor`: the page after the last one applied (or `first`).
            restart = False
            last: PullPage | None = None
            with pages_ahead(partial(self._pages, cursor, bearer, first)) as pages:
                first = None
                for item in pages:
                    page = item if isinstance(item, PullPage) else _parsed(item)
                    last = page
                    if page.reset_required:
                        if reset_done:
                            raise ServerError("le serveur redemande une resynchronisation complète")
                        if page.restored and not report.requeued:
                            # The server was restored from a backup: everything held
                            # goes back to the outbox; `sync` pushes it, then pulls
                            # from scratch (nothing is removed: the server has it all
                            # again once pushed).
                            report.requeued = self._store.requeue_held_rows()
                            return
                        # From scratch; rows the server no longer has leave at the end.
                        reset_done, restart, cursor = True, True, None
                        self._store.begin_resync()
                        break
                    if page.has_more and not page.rows and page.cursor == cursor:
                        raise ServerError("pagination du serveur bloquée")
                    self._store.apply_pull_page(page.rows, page.cursor)
                    report.pulled += len(page.rows)
                    notify(SyncProgress("pull", report.pulled, None))
                    if not page.has_more:
                        report.removed += self._store.finish_resync()
                        return
                    cursor = page.cursor
            if not restart and last is None:
                raise ServerError("pagination du serveur bloquée")  # an empty reply
            # Else the reply ended before the last page (or a reset): ask again.

    def _pages(
        self, cursor: str | None, bearer: str, first: PullPage | None
    ) -> Iterator[PullPage | bytes]:
        """The pages after `cursor`, `first` first, up to the end of one reply (run
        in the helper thread). Pages come as their JSON: parsing them here would
        hold the interpreter while the caller's writes wait for it (CPython runs one
        thread's Python at a time, and SQLite gives it back at every row)."""
        if first is not None:
            yield first
            if not first.has_more or first.reset_required:
                return
            cursor = first.cursor
        if self._streams:
            try:
                yield from self._stream_pages(cursor, bearer)
                return
            except _NoStream:
                self._streams = False  # an older server: one page per request
        while True:
            # Page by page, each request needs the last cursor: parsed here, then.
            page = self._fetch_page(cursor, bearer)
            yield page
            if not page.has_more or page.reset_required:
                return
            cursor = page.cursor

    def _stream_pages(self, cursor: str | None, bearer: str) -> Iterator[bytes]:
        params = {**self._page_params(cursor), "pages": MAX_STREAM_PAGES}
        headers = {"Authorization": f"Bearer {bearer}"}
        read = 0
        # As in `_call`: a kept-alive connection the server just closed fails at once;
        # asked again once, unless pages already came (the pull then stops there).
        for attempt in (1, 2):
            try:
                with self._http.stream(
                    "GET", "/sync/pull/stream", params=params, headers=headers
                ) as response:
                    if response.status_code == 404:
                        raise _NoStream()
                    if response.status_code >= 400:
                        response.read()
                        _raise_for_status(response, None)
                    for line in lines(response.iter_bytes()):
                        read += 1
                        yield line
                    return
            except httpx.RemoteProtocolError as exc:
                if attempt == 2 or read:
                    raise ServerUnreachable() from exc
            except httpx.TransportError as exc:
                raise ServerUnreachable() from exc
            except httpx.HTTPError as exc:
                raise ServerError("réponse illisible") from exc
            except ValueError as exc:  # the reply stopped in the middle of a page
                raise ServerUnreachable() from exc

    def _fetch_page(self, cursor: str | None, bearer: str) -> PullPage:
        params = self._page_params(cursor)
        return self._call("GET", "/sync/pull", read_pull_page, params=params, bearer=bearer)

    def _page_params(self, cursor: str | None) -> dict[str, Any]:
        """Which pull page to serve: `limit` rows after `cursor` (from the start without)."""
        params: dict[str, Any] = {"limit": self._pull_limit}
        if cursor is not None:
            params["cursor"] = cursor
        return params

    def _bearer(self) -> str:
        session = self._store.session()
        if session is None:
            raise AuthError()
        return session.token

    # -- HTTP -------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        read: Callable[[bytes], T],
        *,
        json_body: Any = None,
        content: bytes | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        authenticated: bool = True,
        unauthorized: str | None = None,
        bearer: str | None = None,
    ) -> T:
        all_headers = dict(headers or {})
        if authenticated:
            all_headers["Authorization"] = f"Bearer {bearer or self._bearer()}"
        # A kept-alive connection the server closed while we were busy fails at once
        # with "disconnected without a response": resend once if that is harmless
        # (reads, and pushes, which the server de-duplicates by op id).
        attempts = 2 if method == "GET" or path == "/sync/push" else 1
        for attempt in range(1, attempts + 1):
            try:
                response = self._http.request(
                    method,
                    path,
                    json=json_body,
                    content=content,
                    params=params,
                    headers=all_headers,
                )
                break
            except httpx.RemoteProtocolError as exc:
                if attempt == attempts:
                    raise ServerUnreachable() from exc
            except httpx.TransportError as exc:
                raise ServerUnreachable() from exc
            except httpx.HTTPError as exc:
                raise ServerError("réponse illisible") from exc
        _raise_for_status(response, unauthorized)
        try:
            return read(response.content)
        except (ValueError, ValidationError) as exc:
            raise ServerError("réponse inattendue", response.status_code) from exc


def _parsed(line: bytes) -> PullPage:
    """A streamed pull page (one line of `GET /sync/pull/stream`)."""
    try:
        return read_pull_page(line)
    except (ValueError, ValidationError) as exc:
        raise ServerError("réponse inattendue", 200) from exc


def _detail(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _raise_for_status(response: httpx.Response, unauthorized: str | None) -> None:
    status = response.status_code
    if status < 400:
        return
    body = _detail(response)
    if status == 401:
        if body.get("code") == "device_revoked":
            raise DeviceRevoked()
        raise AuthError(unauthorized) if unauthorized else AuthError()
    if status == 426:
        raise UpgradeRequired(body.get("min_schema_version"))
    detail = body.get("detail")
    # FastAPI's validation errors carry a list: not for a person's eyes.
    text = detail if isinstance(detail, str) and detail else "requête refusée"
    raise ServerError(text, status, retry_after_of(response.headers.get("Retry-After")))


def retry_after_of(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delay in seconds or an HTTP date);
    None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
