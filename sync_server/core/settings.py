"""Server configuration, read from the environment (prefix RELAIS_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELAIS_", extra="ignore")

    # Relative SQLite paths resolve against the working directory; the folder is created.
    database_url: str = "sqlite:///var/relais.sqlite3"
    # Tombstones (deleted and erased rows) are purged this many days after their last
    # change, by the daily retention job. A phone that has not synced since gets
    # `reset_required`, pulls everything again, and drops what is gone from the server
    # (an erasure reaches it that way too).
    tombstone_retention_days: int = Field(default=90, ge=1)
    max_body_bytes: int = 5 * 1024 * 1024
    # Echo SQL for debugging only: statements may carry personal data.
    echo_sql: bool = False
    # --- Security (docs/architecture.md §4; SECURITY.md) ---
    # Failed logins allowed per username and per client address within the window.
    login_max_failures: int = 5
    login_window_minutes: int = 15
    # Idle time after which a token stops working (sliding on use).
    browser_idle_minutes: int = 12 * 60
    phone_idle_minutes: int = 30 * 24 * 60
    # Any request body above this is refused (413) before a route reads it.
    max_request_bytes: int = 6 * 1024 * 1024
    # Add a `Server-Timing: app;dur=<ms>` header to every answer (benchmarks). Off by
    # default: it tells any client how long the server worked on its request.
    server_timing: bool = False
    # Serve the API's description (/docs, /redoc, /openapi.json). Off by default: it
    # maps every route for whoever asks; the demo turns it on.
    api_docs: bool = False
    # Threads running the `def` routes and dependencies of one process (anyio's own
    # default is 40). Python runs one at a time (GIL): with 200 phones syncing at once,
    # 8 threads served the realistic burst with a lower p99 and less CPU than 40 (fewer
    # threads contending for the GIL, the event loop and the connection pool; see
    # benchmarks/README.md). A request that waits (a lock, a slow export) holds one.
    worker_threads: int = Field(default=8, ge=1, le=200)
    # Personal data is anonymised this many months after a person's last contact.
    retention_months: int = Field(default=24, ge=1, le=36)
    # --- Running in production (`./relais serve`, docs/exploitation.md) ---
    # Start-up brings the schema to head (the demo, the tests). `./relais serve`
    # turns it off: there `./relais migrate` does it, under a lock, and a server
    # facing an older schema refuses to start.
    migrate_on_start: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # uvicorn worker processes of `./relais serve` (one per core is a fair start).
    workers: int = Field(default=2, ge=1, le=64)
    console_port: int = Field(default=8552, ge=1, le=65535)
    # The console's own SQLite file (it keeps nothing personal: it is online).
    console_db: str = "var/console.sqlite3"
    # Hour (UTC, 0-23) of the daily retention job `./relais serve` runs; -1: not run
    # inside (a systemd timer runs `./relais retention` instead).
    retention_hour: int = Field(default=3, ge=-1, le=23)
    # Log lines as JSON (one object a line); false: plain text, for a developer.
    log_json: bool = True
    log_level: str = "INFO"
    # `/metrics` answers only with `Authorization: Bearer <token>` when a token is
    # set; with none, only to clients on a loopback or private address.
    metrics_token: str | None = None
