"""The mobile link simulator (`benchmarks.link`): set up, relays, cuts, counts, and
leaves nothing behind. No timing is asserted."""

from __future__ import annotations

import os
import socket
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.link import LinkProcess


class _Echo(socketserver.BaseRequestHandler):
    """Request, then answer, as HTTP/1.1 does: echoes each line once it is whole."""

    def handle(self) -> None:
        pending = b""
        while data := self.request.recv(65536):
            pending += data
            if b"\n" in pending:
                line, _, pending = pending.partition(b"\n")
                self.request.sendall(line + b"\n")


@pytest.fixture
def echo() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _sockets() -> int:
    return sum(
        os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        for fd in os.listdir("/proc/self/fd")
        if os.path.exists(f"/proc/self/fd/{fd}")
    )


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def _exchange(conn: socket.socket, payload: bytes) -> bytes:
    conn.sendall(payload)
    got = b""
    while len(got) < len(payload):
        chunk = conn.recv(65536)
        if not chunk:
            break
        got += chunk
    return got


def test_link_relays_counts_cuts_and_leaves_nothing(echo: int, tmp_path: Path) -> None:
    sockets_before = _sockets()
    link = LinkProcess("4g", f"http://127.0.0.1:{echo}", tmp_path, max_seconds=120)
    try:
        pid, port, control = link.popen.pid, link.port, link.control_port
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            payload = os.urandom(50_000).hex().encode() + b"\n"
            assert _exchange(conn, payload) == payload
            assert _exchange(conn, b"second request\n") == b"second request\n"
            stats = link.stats()
            assert stats["bytes_up"] == stats["bytes_down"] == len(payload) + 15
            assert stats["connections"] == 1
            assert stats["exchanges"] == 2
            assert stats["listening"] is True

            link.cut(1.5)
            # The open connection is closed by the cut, and new ones are refused.
            conn.settimeout(10)
            try:
                closed = conn.recv(1) == b""
            except ConnectionResetError:
                closed = True
            assert closed
        assert link.stats()["listening"] is False
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        # It listens again by itself once the cut is over.
        for _ in range(100):
            if link.stats()["listening"]:
                break
            threading.Event().wait(0.1)
        cuts = link.stats()["cuts"]
        assert len(cuts) == 1 and cuts[0]["restored_at"] >= cuts[0]["at"]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            assert _exchange(conn, b"after the cut\n") == b"after the cut\n"

        # A cut armed on a byte count fires once that many bytes went down.
        link.reset()
        link.arm_cut("down", 1000, 60)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.sendall(os.urandom(2500).hex().encode() + b"\n")
            conn.settimeout(10)
            received = b""
            try:
                while chunk := conn.recv(65536):
                    received += chunk
            except ConnectionResetError:
                pass
        stats = link.stats()
        assert stats["listening"] is False and len(stats["cuts"]) == 1
        assert stats["bytes_down"] == len(received) == 1000  # to the byte
    finally:
        link.stop()

    # Nothing left: the process is gone (reaped), its ports closed, no socket kept here.
    assert link.popen.poll() is not None
    assert (
        not os.path.exists(f"/proc/{pid}")
        or "zombie" not in Path(f"/proc/{pid}/status").read_text()
    )
    assert not _listening(port)
    assert not _listening(control)
    assert _sockets() == sockets_before
