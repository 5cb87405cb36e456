"""A mobile link simulated by a TCP proxy on loopback, in a process of its own.

    uv run python -m benchmarks.link --target 127.0.0.1:8000 --profile 3g

`tc netem` is not in this machine's kernel, so the link is a small asyncio proxy
between the phone (any client: the Relais sync client, PouchDB) and the server:

- latency: every chunk reaches the other side half a round trip after it left
  (each direction), and a new connection's first bytes wait one more round trip
  (the TCP handshake);
- bandwidth: each direction is one shared pipe (all connections together, as on
  one radio link): a chunk occupies it `len × 8 / rate` seconds, and the proxy
  reads no further from the sender meanwhile, so TCP flow control holds the sender;
- cut: every connection is closed (reset) and the listening socket closed, so new
  connections are refused, for N seconds; then it listens again on the same port.

It counts bytes delivered each way, TCP connections, and exchanges (a burst of
client bytes after the server spoke, or the first on a connection: a request for
HTTP/1.1 without pipelining). A control socket on loopback answers one-line
commands (`stats`, `reset`, `cut SECONDS`, `arm DIRECTION BYTES SECONDS`: cut once
BYTES more have been delivered in DIRECTION, `up` or `down`), one JSON line each.
`LinkProcess` starts it, talks to it and stops it; the process also ends by itself
after `--max-seconds`, so a benchmark that dies cannot leave it behind.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.processes import ROOT, free_port, terminate


@dataclass(frozen=True)
class Profile:
    name: str
    rtt_s: float
    down_bps: float
    up_bps: float
    cut_s: float = 0.0
    """`cut`: how long the link stays down when the benchmark cuts it."""


PROFILES = {
    "loopback": Profile("loopback", 0.0, 0.0, 0.0),
    "4g": Profile("4g", 0.060, 10e6, 10e6),
    "3g": Profile("3g", 0.300, 1e6, 384e3),
    "edge": Profile("edge", 0.600, 200e3, 100e3),
    # A 3G link that drops for 20 s in the middle of the sync.
    "cut": Profile("cut", 0.300, 1e6, 384e3, cut_s=20.0),
}

CHUNK = 16 * 1024
MAX_SECONDS = 3600.0


class _Pipe:
    """One direction of the link, shared by every connection."""

    def __init__(self, rate_bps: float, one_way_s: float) -> None:
        self.rate = rate_bps
        self.one_way = one_way_s
        self.free_at = 0.0
        self.delivered = 0

    def occupy(self, size: int) -> float:
        """When a chunk of `size` bytes sent now has left the sender's side."""
        now = time.monotonic()
        start = max(now, self.free_at)
        self.free_at = start + (size * 8 / self.rate if self.rate else 0.0)
        return self.free_at


class Link:
    def __init__(self, profile: Profile, listen_port: int, target: tuple[str, int]) -> None:
        self.profile = profile
        self.port = listen_port
        self.target = target
        self.up = _Pipe(profile.up_bps, profile.rtt_s / 2)
        self.down = _Pipe(profile.down_bps, profile.rtt_s / 2)
        self.server: asyncio.Server | None = None
        self.conns: set[_Conn] = set()
        self.stats: dict[str, Any] = {}
        self.armed: tuple[str, int, float] | None = None
        self.restoring: asyncio.Task[None] | None = None
        self.reset()

    def reset(self) -> None:
        self.stats = {
            "bytes_up": 0,
            "bytes_down": 0,
            "connections": 0,
            "exchanges": 0,
            "cuts": [],
        }

    async def listen(self) -> None:
        self.server = await asyncio.start_server(
            self._accepted, "127.0.0.1", self.port, reuse_address=True
        )

    async def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.stats["connections"] += 1
        conn = _Conn(self, writer, up_w)
        self.conns.add(conn)
        handshake_done = time.monotonic() + self.profile.rtt_s
        try:
            await asyncio.gather(
                conn.relay(reader, up_w, self.up, "up", handshake_done),
                conn.relay(up_r, writer, self.down, "down", 0.0),
            )
        finally:
            conn.abort()
            self.conns.discard(conn)

    def deliverable(self, direction: str, size: int) -> int:
        """How many of `size` bytes may go before an armed cut."""
        if self.armed and self.armed[0] == direction:
            return min(size, self.armed[1])
        return size

    def delivered(self, direction: str, size: int) -> None:
        self.stats[f"bytes_{direction}"] += size
        if self.armed and self.armed[0] == direction:
            self.armed = (direction, self.armed[1] - size, self.armed[2])
            if self.armed[1] <= 0:
                seconds = self.armed[2]
                self.armed = None
                self.cut(seconds)

    def cut(self, seconds: float) -> None:
        """Close every connection and refuse new ones for `seconds`."""
        self.stats["cuts"].append({"at": time.time(), "seconds": seconds})
        if self.server is not None:
            self.server.close()
            self.server = None
        for conn in list(self.conns):
            conn.abort()
        self.restoring = asyncio.get_running_loop().create_task(self._restore(seconds))

    async def _restore(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self.listen()
        self.stats["cuts"][-1]["restored_at"] = time.time()

    async def command(self, line: str) -> dict[str, Any]:
        words = line.split()
        if not words:
            return {"error": "empty"}
        if words[0] == "stats":
            return {**self.stats, "listening": self.server is not None}
        if words[0] == "reset":
            self.reset()
            return {"ok": True}
        if words[0] == "cut":
            self.cut(float(words[1]))
            return {"ok": True}
        if words[0] == "arm":
            self.armed = (words[1], int(words[2]), float(words[3]))
            return {"ok": True}
        return {"error": f"unknown command {words[0]}"}


class _Conn:
    def __init__(self, link: Link, client: asyncio.StreamWriter, upstream: asyncio.StreamWriter):
        self.link = link
        self.writers = (client, upstream)
        self.last_direction = ""

    def abort(self) -> None:
        for w in self.writers:
            w.transport.abort()

    async def relay(
        self,
        source: asyncio.StreamReader,
        dest: asyncio.StreamWriter,
        pipe: _Pipe,
        direction: str,
        not_before: float,
    ) -> None:
        """Read, hold the pipe for the chunk's transmission time, deliver it half a
        round trip later (in order, through a queue, so transmission and latency
        overlap as on a real link)."""
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()

        async def deliver() -> None:
            while (item := await queue.get()) is not None:
                at, data = item
                delay = at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                if direction == "up" and self.last_direction != "up":
                    self.link.stats["exchanges"] += 1
                self.last_direction = direction
                # An armed cut falls on its exact byte, not at the end of a chunk.
                data = data[: self.link.deliverable(direction, len(data))]
                dest.write(data)
                await dest.drain()
                self.link.delivered(direction, len(data))

        delivering = asyncio.get_running_loop().create_task(deliver())
        try:
            while data := await source.read(CHUNK):
                sent = pipe.occupy(len(data))
                wait = sent - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                queue.put_nowait((max(sent + pipe.one_way, not_before + pipe.one_way), data))
            queue.put_nowait(None)
            await delivering
            with contextlib.suppress(OSError, RuntimeError):
                if dest.can_write_eof():
                    dest.write_eof()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            delivering.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await delivering


async def _serve(args: argparse.Namespace) -> None:
    host, port = args.target.rsplit(":", 1)
    link = Link(PROFILES[args.profile], args.port, (host, int(port)))
    await link.listen()

    async def control(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while line := await reader.readline():
                reply = await link.command(line.decode())
                writer.write(json.dumps(reply).encode() + b"\n")
                await writer.drain()
        writer.close()

    ctl = await asyncio.start_server(control, "127.0.0.1", args.control_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    print("ready", flush=True)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), args.max_seconds)
    ctl.close()
    if link.server is not None:
        link.server.close()
    if link.restoring is not None:
        link.restoring.cancel()
    for conn in list(link.conns):
        conn.abort()


class LinkProcess:
    """The proxy in a child process: `url` is what the phone talks to."""

    def __init__(
        self, profile: str, target_url: str, log_dir: Path, max_seconds: float = MAX_SECONDS
    ):
        self.profile = PROFILES[profile]
        self.port = free_port()
        self.control_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        target = target_url.split("://", 1)[-1].rstrip("/")
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log = log_dir / f"link-{profile}-{self.port}.log"
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.link",
                    "--serve",
                    "--profile",
                    profile,
                    "--target",
                    target,
                    "--port",
                    str(self.port),
                    "--control-port",
                    str(self.control_port),
                    "--max-seconds",
                    str(max_seconds),
                ],
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        self._ctl: socket.socket | None = None
        deadline = time.monotonic() + 30
        while self._ctl is None:
            try:
                self._ctl = socket.create_connection(("127.0.0.1", self.control_port), timeout=5)
            except OSError:
                if self.popen.poll() is not None or time.monotonic() > deadline:
                    log = self.log.read_text()
                    raise RuntimeError(f"link proxy did not start: {log}") from None
                time.sleep(0.05)
        self._lines = self._ctl.makefile("rb")

    def ask(self, command: str) -> dict[str, Any]:
        assert self._ctl is not None
        self._ctl.sendall(command.encode() + b"\n")
        reply: dict[str, Any] = json.loads(self._lines.readline())
        return reply

    def stats(self) -> dict[str, Any]:
        return self.ask("stats")

    def reset(self) -> None:
        self.ask("reset")

    def cut(self, seconds: float) -> None:
        self.ask(f"cut {seconds}")

    def arm_cut(self, direction: str, after_bytes: int, seconds: float) -> None:
        self.ask(f"arm {direction} {after_bytes} {seconds}")

    def stop(self) -> None:
        if self._ctl is not None:
            self._lines.close()
            self._ctl.close()
            self._ctl = None
        terminate(self.popen)

    def __enter__(self) -> LinkProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", action="store_true", help="run the proxy (LinkProcess does)")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="3g")
    parser.add_argument("--target", required=True, help="HOST:PORT of the server")
    parser.add_argument("--port", type=int, default=0, help="listening port (0: a free one)")
    parser.add_argument("--control-port", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=MAX_SECONDS)
    args = parser.parse_args(argv)
    args.port = args.port or free_port()
    args.control_port = args.control_port or free_port()
    if not args.serve:
        print(f"listening on 127.0.0.1:{args.port}, control on {args.control_port}")
    asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
