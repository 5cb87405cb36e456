"""App configuration, read once from the environment at start-up.

A packaged phone app has no RELAIS_* variables: its server is set at enrolment and
kept in its store, and its store lives in the folder Flet gives the app for its data
(FLET_APP_STORAGE_DATA, kept across app updates). The RELAIS_* variables are for
development, the demo and the tests.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

AppMode = Literal["field", "console"]

PHONE_DB_NAME = "relais-phone.sqlite3"
DEV_DATA_DIR = Path("var")


def phone_db_path() -> Path:
    """RELAIS_APP_DB if set; else in the app's data folder on a phone; else under var/."""
    explicit = os.environ.get("RELAIS_APP_DB")
    if explicit:
        return Path(explicit)
    app_data = os.environ.get("FLET_APP_STORAGE_DATA")
    return (Path(app_data) if app_data else DEV_DATA_DIR) / PHONE_DB_NAME


@dataclass(frozen=True)
class AppConfig:
    server_url: str | None
    """The server set by the environment (development, console), if any. A phone's own
    server is the one it was enrolled on, kept in its store."""
    db_path: Path
    """The phone's local SQLite file: its rows, outbox, wrapped keys and drafts."""
    mode: AppMode
    """`field` for the mediators' phone app, `console` for supervisors on a desktop."""
    lock_seconds: float = 300.0
    """Inactivity before the field app locks itself (RELAIS_LOCK_SECONDS)."""

    @classmethod
    def from_env(cls) -> AppConfig:
        mode = os.environ.get("RELAIS_APP_MODE", "field")
        if mode not in ("field", "console"):
            raise SystemExit(f"RELAIS_APP_MODE must be 'field' or 'console', not {mode!r}")
        server = os.environ.get("RELAIS_SERVER_URL", "").strip().rstrip("/")
        return cls(
            server_url=server or None,
            db_path=phone_db_path(),
            mode=mode,  # type: ignore[arg-type]
            lock_seconds=float(os.environ.get("RELAIS_LOCK_SECONDS", "300")),
        )
