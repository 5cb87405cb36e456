"""The capacity benchmark's parts, small: its HTTP client, its run and its core pinning.

Timings are not asserted (see benchmarks/README.md); only that the phones' minimal
HTTP/1.1 client reads what a server may send, that a short run against a real server
loses and doubles nothing, and that pinning a group of processes to cores gives them
back the cores they had.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest
import zstandard

from benchmarks.capacity import measure, parser
from benchmarks.cpu import pinned, process_tree
from benchmarks.http1 import Http1Pool, TransportError, read_reply

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read(raw: bytes, method: str = "GET") -> tuple[int, dict[str, str], bytes, bool]:
    reader = asyncio.StreamReader()
    reader.feed_data(raw)
    reader.feed_eof()
    reply, keep = await read_reply(reader, method)
    return reply.status, reply.headers, reply.body, keep


def test_the_client_reads_lengths_chunks_and_closes() -> None:
    sized = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer-Timing: app;dur=3.5\r\n\r\nhello"
    headers = {"content-length": "5", "server-timing": "app;dur=3.5"}
    assert asyncio.run(_read(sized)) == (200, headers, b"hello", True)
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4\r\nwiki\r\n6;ext=1\r\npedia \r\n0\r\nX-Trailer: 1\r\n\r\n"
    )
    assert asyncio.run(_read(chunked))[2:] == (b"wikipedia ", True)
    closing = (
        b"HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno"
    )
    assert asyncio.run(_read(closing))[::3] == (500, False)
    to_the_end = b"HTTP/1.0 200 OK\r\n\r\nall of it"
    assert asyncio.run(_read(to_the_end))[2:] == (b"all of it", False)
    assert asyncio.run(_read(b"HTTP/1.1 204 No Content\r\n\r\n"))[2:] == (b"", True)
    with pytest.raises(asyncio.IncompleteReadError):
        asyncio.run(_read(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\ncut"))


async def _serve(handler: Handler, client: Callable[[Http1Pool], Awaitable[None]]) -> None:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pool = Http1Pool("127.0.0.1", port, timeout_s=5)
    try:
        await client(pool)
    finally:
        await pool.close()
        server.close()
        await server.wait_closed()


def test_the_client_reuses_connections_decodes_zstd_and_survives_a_close() -> None:
    seen: list[int] = []
    body = zstandard.ZstdCompressor().compress(b'{"ok": true}' * 100)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(len(seen))
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break  # the client closed it
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            if len(seen) == 2:  # the second connection: cut before any answer
                break
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Encoding: zstd\r\n")
            writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            await writer.drain()
            if b"x-last: 1" in head.lower():  # then the server closes it, idle
                break
        writer.close()

    async def client(pool: Http1Pool) -> None:
        headers = b"X-Test: 1\r\n"
        for _ in range(2):
            reply = await pool.request("POST", "/p", headers, b"abc")
            assert reply.status == 200 and reply.body == b'{"ok": true}' * 100
        assert pool.opened == 1  # kept alive
        await pool.request("POST", "/p", b"X-Last: 1\r\n", b"abc")
        await asyncio.sleep(0.2)  # the server's close reaches the idle connection
        with pytest.raises(TransportError):  # not the closed one: a new one, then cut
            await pool.request("POST", "/p", headers, b"abc")
        assert pool.opened == 2
        assert (await pool.request("POST", "/p", headers, b"abc")).status == 200
        assert pool.opened == 3

    asyncio.run(_serve(handler, client))


@pytest.mark.processes
def test_a_short_run_against_a_real_server_loses_and_doubles_nothing() -> None:
    args = parser().parse_args(
        [
            *("--db", "sqlite", "--rates", "4", "--step-s", "2", "--sustain-s", "0"),
            *("--cites", "2", "--server-cpu", "", "--phones-cpu", ""),
        ]
    )
    figures = measure(args)
    step = figures["steps"][0]
    assert step["syncs"] >= 2 and step["syncs_ok"] == step["syncs"], step
    assert step["errors"] == {}
    assert step["phones_core_busy"] >= 0 and set(step["cores_busy"]) == {
        str(c) for c in range(len(step["cores_busy"]))
    }
    ledger = figures["ledger"]
    assert ledger["ops_sent"] == 7 * step["syncs"] == ledger["ops_acked"]
    assert ledger["lost"] == 0 and ledger["doubled"] == 0
    assert ledger["records_doubled"] == 0 and ledger["records_missing"] == 0
    assert figures["bodies_built_during_steps"] == 0


@pytest.fixture
def shell() -> Iterator[subprocess.Popen[str]]:
    """A shell that, once it reads a line, starts a child of its own and waits."""
    with subprocess.Popen(
        ["sh", "-c", "read line; sleep 30 & wait"], stdin=subprocess.PIPE, text=True
    ) as proc:
        yield proc
        for pid in reversed(process_tree(proc.pid)):
            os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=5)


def _tree_affinity(pid: int) -> list[set[int]]:
    return [os.sched_getaffinity(p) for p in process_tree(pid)]


def test_pinning_gives_back_the_cores_it_took(shell: subprocess.Popen[str]) -> None:
    cores = os.sched_getaffinity(shell.pid)
    if len(cores) < 2:
        pytest.skip("one core only: pinning changes nothing")
    one = {min(cores)}
    with pinned(lambda: process_tree(shell.pid), one) as changed:
        assert set(changed) == {shell.pid} and changed[shell.pid].cpus == cores
        assert os.sched_getaffinity(shell.pid) == one
        assert shell.stdin is not None
        shell.stdin.write("go\n")
        shell.stdin.flush()
        deadline = time.monotonic() + 10
        while len(process_tree(shell.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        # The child started meanwhile inherited the pin.
        assert _tree_affinity(shell.pid) == [one, one]
    # Given back: the shell its cores, its child its parent's former ones.
    assert _tree_affinity(shell.pid) == [cores, cores]


def test_pinning_gives_the_cores_back_on_failure(shell: subprocess.Popen[str]) -> None:
    cores = os.sched_getaffinity(shell.pid)
    if len(cores) < 2:
        pytest.skip("one core only: pinning changes nothing")
    with pytest.raises(RuntimeError), pinned(lambda: [shell.pid], {max(cores)}):
        assert os.sched_getaffinity(shell.pid) == {max(cores)}
        raise RuntimeError("the run failed")
    assert os.sched_getaffinity(shell.pid) == cores
