"""A minimal HTTP/1.1 client on asyncio streams, for load generators.

httpx costs a few milliseconds of CPU per request (its models, its pool, its
decoders); a process simulating hundreds of phones against one server core would
then measure itself. This client does only what the sync benchmarks need: requests
whose head is mostly prepared bytes, keep-alive connections reused last-in first-out,
replies read by `Content-Length` (or chunked, or to the end of the connection),
`Content-Encoding: zstd` decoded. Any failure to connect, send or read a whole reply
is a `TransportError`: the connection is dropped and the caller decides whether to
send again.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

import zstandard

# uvicorn closes a keep-alive connection idle for 5 s (`--timeout-keep-alive`): one
# idle longer than this is not reused, lest a request cross the server's close.
IDLE_S = 4.0
NO_BODY = (204, 304)
# What a failed connection or a cut or malformed reply raises (`IncompleteReadError`
# is an `EOFError`, `LimitOverrunError` a reply head over 64 KiB).
BROKEN = (OSError, EOFError, TimeoutError, ValueError, IndexError, asyncio.LimitOverrunError)


class TransportError(Exception):
    """The connection failed, or the reply was cut or malformed: nothing usable came."""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes  # decoded when the server compressed it


@dataclass
class _Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = 0.0

    def usable(self, now: float) -> bool:
        """Not closed by the server (an EOF read meanwhile) nor idle too long."""
        return (
            not self.reader.at_eof()
            and not self.writer.is_closing()
            and now - self.idle_since < IDLE_S
        )

    def close(self) -> None:
        self.writer.close()


class Http1Pool:
    """Keep-alive connections to one `host:port`, as many as requests in flight."""

    def __init__(self, host: str, port: int, timeout_s: float = 60) -> None:
        self.host, self.port, self.timeout_s = host, port, timeout_s
        self.host_line = f"Host: {host}:{port}\r\n".encode()
        self._idle: list[_Conn] = []
        self._unzstd = zstandard.ZstdDecompressor()
        self.opened = 0

    @classmethod
    def for_url(cls, url: str, timeout_s: float = 60) -> Http1Pool:
        host, _, port = url.removeprefix("http://").rstrip("/").rpartition(":")
        return cls(host, int(port), timeout_s)

    async def request(self, method: str, target: str, headers: bytes, body: bytes = b"") -> Reply:
        """Send `method target` with `headers` (complete `Name: value\\r\\n` lines; Host
        and Content-Length are added) and `body`; the whole reply."""
        head = f"{method} {target} HTTP/1.1\r\n".encode() + self.host_line + headers
        if body or method in ("POST", "PUT", "PATCH"):
            head += b"Content-Length: %d\r\n" % len(body)
        conn = await self._acquire()
        keep = False
        try:
            async with asyncio.timeout(self.timeout_s):
                conn.writer.write(head + b"\r\n" + body)
                await conn.writer.drain()
                reply, keep = await read_reply(conn.reader, method)
            if reply.headers.get("content-encoding") == "zstd":
                reply.body = self._unzstd.decompressobj().decompress(reply.body)
        except (*BROKEN, zstandard.ZstdError) as exc:
            keep = False
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            if keep:
                conn.idle_since = time.monotonic()
                self._idle.append(conn)
            else:
                conn.close()
        return reply

    async def _acquire(self) -> _Conn:
        now = time.monotonic()
        while self._idle:
            conn = self._idle.pop()  # the last used: the likeliest still open
            if conn.usable(now):
                return conn
            conn.close()
        try:
            async with asyncio.timeout(self.timeout_s):
                reader, writer = await asyncio.open_connection(self.host, self.port)
        except BROKEN as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        self.opened += 1
        return _Conn(reader, writer)

    async def close(self) -> None:
        while self._idle:
            conn = self._idle.pop()
            conn.close()
            with contextlib.suppress(OSError):
                await conn.writer.wait_closed()


async def read_reply(reader: asyncio.StreamReader, method: str = "GET") -> tuple[Reply, bool]:
    """One reply from `reader`, and whether the connection may carry another. An
    `asyncio.IncompleteReadError` (an `EOFError`) means the server closed it."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    status = int(rest[:3])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            value = value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
    connection = headers.get("connection", "").lower()
    keep = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
    if method == "HEAD" or status in NO_BODY or 100 <= status < 200:
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:  # delimited by the end of the connection
        body, keep = await reader.read(), False
    return Reply(status, headers, body), keep


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers: not used
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        if await reader.readexactly(2) != b"\r\n":
            raise ValueError("chunk not followed by CRLF")
