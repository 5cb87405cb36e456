"""Stopping a child process: the server's console, and the test tooling's processes."""

from __future__ import annotations

import signal
import subprocess


def terminate(popen: subprocess.Popen[bytes]) -> None:
    """SIGTERM, so the process can shut down cleanly; killed if it has not within 10 s."""
    if popen.poll() is None:
        popen.send_signal(signal.SIGTERM)
        try:
            popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait(timeout=5)
