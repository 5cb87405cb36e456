"""App configuration, read once from the environment at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

AppMode = Literal["field", "console"]


@dataclass(frozen=True)
class AppConfig:
    server_url: str
    """Where the sync server answers (the phone keeps working without it)."""
    db_path: Path
    """The phone's local SQLite file."""
    mode: AppMode
    """`field` for the mediators' phone app, `console` for supervisors on a desktop."""
    lock_seconds: float = 300.0
    """Inactivity before the field app locks itself (RELAIS_LOCK_SECONDS)."""

    @classmethod
    def from_env(cls) -> AppConfig:
        mode = os.environ.get("RELAIS_APP_MODE", "field")
        if mode not in ("field", "console"):
            raise SystemExit(f"RELAIS_APP_MODE must be 'field' or 'console', not {mode!r}")
        return cls(
            server_url=os.environ.get("RELAIS_SERVER_URL", "http://127.0.0.1:8000").rstrip("/"),
            db_path=Path(os.environ.get("RELAIS_APP_DB", "var/relais-phone.sqlite3")),
            mode=mode,  # type: ignore[arg-type]
            lock_seconds=float(os.environ.get("RELAIS_LOCK_SECONDS", "300")),
        )
