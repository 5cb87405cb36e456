"""A loopback HTTP/1.1 proxy that can swallow the server's reply to chosen requests.

It forwards each request to the server and reads the whole reply, then, for the
first `drops` requests whose path starts with `drop_replies_to`, closes the
client's connection instead of answering: the server did the work, the phone never
hears about it — what a dropped mobile connection looks like.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType


def _read_message(sock: socket.socket, buffer: bytes) -> tuple[bytes, bytes] | None:
    """One HTTP message (head + Content-Length body) and what follows it; None on EOF."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        if name.strip().lower() == b"transfer-encoding":
            raise RuntimeError("chunked bodies are not supported by this test proxy")
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return head + b"\r\n\r\n" + rest[:length], rest[length:]


class DroppingProxy:
    def __init__(self, upstream_port: int, *, drop_replies_to: str, drops: int) -> None:
        self._upstream = ("127.0.0.1", upstream_port)
        self._prefix = drop_replies_to.encode()
        self._drops_left = drops
        self._lock = threading.Lock()
        self.dropped = 0
        self.push_bodies: list[bytes] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> DroppingProxy:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _should_drop(self, request: bytes) -> bool:
        path = request.split(b" ", 2)[1]
        with self._lock:
            if path.startswith(self._prefix) and self._drops_left > 0:
                self._drops_left -= 1
                self.dropped += 1
                return True
        return False

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(30)
        with client, socket.create_connection(self._upstream, timeout=30) as upstream:
            pending = b""
            while not self._stopping.is_set():
                message = _read_message(client, pending)
                if message is None:
                    return
                request, pending = message
                if request.split(b" ", 2)[1].startswith(b"/sync/push"):
                    self.push_bodies.append(request.partition(b"\r\n\r\n")[2])
                upstream.sendall(request)
                reply = _read_message(upstream, b"")
                if reply is None or self._should_drop(request):
                    return  # closing both sockets: the answer never reaches the phone
                client.sendall(reply[0])
