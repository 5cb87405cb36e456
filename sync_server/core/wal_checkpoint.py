"""SQLite's WAL checkpoints, moved out of the requests into one background thread.

By default the connection whose commit pushes the WAL past 1,000 pages (4 MB)
copies the WAL back into the database file and waits for its fsync, inside that
request: about every third 500-op push batch paid ~55 ms for it on the benchmark
machine. Here request connections checkpoint by themselves only past a much
larger WAL (`REQUEST_AUTOCHECKPOINT_PAGES`: a safety net for processes without
this thread, such as scripts and the retention job), and a daemon thread of the
server process runs a PASSIVE checkpoint — it never blocks readers or writers —
every `interval_s` when something was committed since the last one.

Durability does not depend on it: commits are `synchronous=FULL` (db.py), so a
transaction the server acknowledged is in the fsynced WAL whatever this thread did.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

logger = logging.getLogger(__name__)

# Pages after which a request connection checkpoints by itself (16 MB of 4 KB pages).
REQUEST_AUTOCHECKPOINT_PAGES = 4096


class WalCheckpointer:
    """Checkpoints one SQLite file's WAL from a daemon thread; `stop()` ends it."""

    def __init__(self, path: Path, *, interval_s: float = 0.5) -> None:
        self._path = path
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="relais-wal-checkpoint", daemon=True)
        self.checkpoints = 0
        """Checkpoints run so far (read by the tests)."""

    def start(self) -> WalCheckpointer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread after one last checkpoint."""
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, timeout=10, isolation_level=None)
        try:
            seen = None
            while True:
                stopping = self._stop.wait(self._interval_s)
                # data_version changes when another connection has committed: an
                # idle server checkpoints nothing.
                version = conn.execute("PRAGMA data_version").fetchone()[0]
                if version != seen or stopping:
                    self._checkpoint(conn)
                    seen = version
                if stopping:
                    return
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            self.checkpoints += 1
        except sqlite3.Error as exc:  # busy or gone: the next round tries again
            logger.warning("WAL checkpoint skipped: %s", type(exc).__name__)
