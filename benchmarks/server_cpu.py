"""Server CPU per small sync: what one phone's push and pull cost the server process.

    uv run python -m benchmarks.server_cpu --db sqlite
    uv run python -m benchmarks.server_cpu --db sqlite --profile var/bench/sync.prof

The realistic payload of `benchmarks.concurrency` (cités of 5 phones, each up to
date, then 10 new contacts and one edit to a person its cité shares), synced one
phone at a time so nothing waits: first every phone pushes, then every phone pulls
(so each pull brings its 4 colleagues' ~44 rows, as in the crowd). The figure is
the server process's CPU (user + system, from /proc) per push, per pull and per
sync, the median over the phones; uvicorn's HTTP work is included.

`--profile FILE` runs the same syncs against the app in this process instead
(no uvicorn: the request goes straight to the ASGI app, worker-thread hops run
inline) under cProfile, enabled only while the app handles a request, and writes
the stats to FILE (read with `python -m pstats FILE`).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx

from app.sync.client import SyncClient, SyncReport
from app.sync.replies import read_pull_page
from benchmarks.common import emit, server_db, workdir
from benchmarks.concurrency import (
    HTTP_TIMEOUT_S,
    Phone,
    make_mediators,
    open_phone,
    tree_cpu,
    write_payload,
)
from scripts.processes import start_server
from sync_server.core.settings import Settings
from sync_server.main import create_app

PER_CITE = 5
SHARED = 2


class InProcessTransport(httpx.BaseTransport):
    """Hands each request to the ASGI app on this thread, profiled and CPU-timed."""

    def __init__(self, app: Any, profile: cProfile.Profile, cpu: list[float]) -> None:
        self.app = app
        self.profile = profile
        self.cpu = cpu
        self.loop = asyncio.new_event_loop()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": "http",
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        sent = False
        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        began = time.thread_time()
        self.profile.enable()
        try:
            self.loop.run_until_complete(self.app(scope, receive, send))
        finally:
            self.profile.disable()
            self.cpu.append(time.thread_time() - began)
        return httpx.Response(status, headers=headers, content=b"".join(chunks), request=request)


async def _inline(func: Callable[..., Any], *args: Any, **_kw: Any) -> Any:
    return func(*args)


def _setup(
    url: str, client_of: Callable[[Phone], SyncClient], sdb: Any, work: Path, phones: int
) -> list[Phone]:
    cites = -(-phones // PER_CITE)
    members = make_mediators(sdb, cites, [PER_CITE + 1] * cites)
    out: list[Phone] = []
    for c in range(cites):
        author = open_phone(work, f"author-{c}", url, members[c][-1])
        persons = [author.store.create("person", {"first_name": f"P{n}"}) for n in range(SHARED)]
        with client_of(author) as client:
            client.sync()
            page = client._call("GET", "/sync/pull", read_pull_page, params={"limit": 1000})
        assert set(persons) <= {r.id for r in page.rows}
        author.store.close()
        for m in range(PER_CITE):
            index = c * PER_CITE + m
            phone = open_phone(work, f"phone-{index:03d}", url, members[c][m])
            phone.store.apply_pull_page(page.rows, page.cursor)
            write_payload(phone, index, members[c][m].user_id, persons, 10, 1)
            out.append(phone)
    return out


def _phases(
    phones: list[Phone], client_of: Callable[[Phone], SyncClient], cpu: Callable[[], float]
) -> dict[str, Any]:
    clients = [client_of(p) for p in phones]
    push_cpu: list[float] = []
    pull_cpu: list[float] = []
    pulled: list[int] = []
    for client in clients:  # every phone pushes, then every phone pulls
        before = cpu()
        client._push(SyncReport(), lambda _p: None)
        push_cpu.append(cpu() - before)
    for client in clients:
        report = SyncReport()
        before = cpu()
        client._pull(report, lambda _p: None)
        pull_cpu.append(cpu() - before)
        pulled.append(report.pulled)
    for client in clients:
        client.close()
    # Means: /proc counts CPU in clock ticks (10 ms), too coarse for one request.
    push = statistics.fmean(push_cpu) * 1000
    pull = statistics.fmean(pull_cpu) * 1000
    return {
        "phones": len(phones),
        "rows_pulled_per_phone_p50": statistics.median(pulled),
        "server_cpu_ms_per_push": round(push, 2),
        "server_cpu_ms_per_pull": round(pull, 2),
        "server_cpu_ms_per_sync": round(push + pull, 2),
    }


def measure(db: str, phones: int) -> dict[str, Any]:
    with workdir() as tmp, server_db(db, Path(tmp)) as sdb:
        work = Path(tmp)
        server = start_server(sdb.url, work / "logs")
        try:

            def client_of(p: Phone) -> SyncClient:
                # Push and pull timed apart, as before the pull page could ride on the
                # push answer (`benchmarks.concurrency` runs whole syncs).
                return SyncClient(p.store, p.spec.url, timeout=HTTP_TIMEOUT_S, pull_with_push=False)

            ready = _setup(server.url, client_of, sdb, work, phones)
            pid = server.popen.pid
            figures = _phases(ready, client_of, lambda: tree_cpu(pid))
            for phone in ready:
                phone.store.close()
        finally:
            server.stop()
    return {"db": db, "mode": "uvicorn, one process", **figures}


def profile(db: str, phones: int, out: Path) -> dict[str, Any]:
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]  # profiling only
    with workdir() as tmp, server_db(db, Path(tmp)) as sdb:
        work = Path(tmp)
        app = create_app(Settings(database_url=sdb.url))
        prof = cProfile.Profile()
        cpu: list[float] = []
        transport = InProcessTransport(app, prof, cpu)
        lifespan = app.router.lifespan_context(app)
        transport.loop.run_until_complete(lifespan.__aenter__())
        base = "http://relais.test"

        def client_of(p: Phone) -> SyncClient:
            return SyncClient(
                p.store, base, timeout=HTTP_TIMEOUT_S, transport=transport, pull_with_push=False
            )

        try:
            # The author syncs go through the app too, then measurement starts afresh.
            ready = _setup(base, client_of, sdb, work, phones)
            prof = transport.profile = cProfile.Profile(time.thread_time)
            figures = _phases(ready, client_of, lambda: sum(cpu))
            for phone in ready:
                phone.store.close()
        finally:
            transport.loop.run_until_complete(lifespan.__aexit__(None, None, None))
    out.parent.mkdir(parents=True, exist_ok=True)
    prof.dump_stats(out)
    return {"db": db, "mode": "in process, no uvicorn, threads inline", **figures}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--phones", type=int, default=40)
    parser.add_argument("--profile", help="cProfile the app in process; stats to this file")
    parser.add_argument("--out", help="JSON output file (default: print only)")
    args = parser.parse_args(argv)
    if args.profile:
        figures = profile(args.db, args.phones, Path(args.profile))
    else:
        figures = measure(args.db, args.phones)
    emit("server_cpu", figures, args.out or str(Path("var/bench/server_cpu-last.json")))


if __name__ == "__main__":
    main()
