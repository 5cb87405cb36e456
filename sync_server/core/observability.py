"""Logs as JSON lines, Prometheus metrics and the health checks' readings.

Log lines never carry personal data: the access line names the route template
(`/persons/{person_id}`), never the concrete path or its query string, and a
record's message is the code's own text (an exception is logged by type only).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import os
import tempfile
from collections import Counter as Counter_
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from domain.sync import OpResult
from sync_server.core.settings import Settings
from sync_server.crud.audit import current_request_id

# --- logs -------------------------------------------------------------------------

# Extra fields a log call may attach (`extra={...}`); anything else is dropped, so a
# careless `extra` cannot smuggle a value into the logs.
LOGGED_EXTRAS = (
    "request_id",
    "method",
    "route",
    "status",
    "duration_ms",
    "anonymised",
    "tombstones_purged",
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id.get()
        if request_id:
            line["request_id"] = request_id
        for name in LOGGED_EXTRAS[1:]:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            # The type only: a message or a traceback's locals may carry personal data.
            line["error"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=False)


def log_config(settings: Settings) -> dict[str, Any]:
    """The `logging.config.dictConfig` of the server (uvicorn's `log_config`)."""
    formatter = (
        {"()": "sync_server.core.observability.JsonFormatter"}
        if settings.log_json
        else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    )
    level = settings.log_level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            # Through the root handler, once.
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }


access_logger = logging.getLogger("relais.access")


# --- metrics ----------------------------------------------------------------------

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUESTS = Counter("relais_http_requests", "Requêtes HTTP servies", ["method", "route", "status"])
LATENCY = Histogram(
    "relais_http_request_duration_seconds",
    "Durée des requêtes HTTP",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
PUSH_OPS = Counter("relais_push_ops", "Opérations poussées par les téléphones", ["outcome"])
PULL_ROWS = Counter("relais_pull_rows", "Lignes servies aux téléphones (pull)")
CONFLICTS_OPENED = Counter("relais_conflicts_opened", "Conflits ouverts par des pushes")
LOGIN_FAILURES = Counter("relais_login_failures", "Connexions refusées (mauvais mot de passe)")
DB_POOL_IN_USE = Gauge(
    "relais_db_pool_connections_in_use",
    "Connexions à la base empruntées au pool",
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "relais_db_pool_size", "Taille du pool de connexions", multiprocess_mode="livesum"
)


def count_push_outcomes(results: Iterable[OpResult]) -> None:
    outcomes = Counter_[str](r.outcome for r in results)
    for outcome, n in outcomes.items():
        PUSH_OPS.labels(outcome=outcome).inc(n)
    if outcomes.get("conflict"):
        CONFLICTS_OPENED.inc(outcomes["conflict"])


def prepare_metrics_dir(workers: int) -> Path | None:
    """Several uvicorn workers share their counters through files in a folder of
    their own (prometheus-client's multiprocess mode), fresh at each start; set in
    the environment before the workers start, so their metrics write there."""
    if workers <= 1:
        os.environ.pop(MULTIPROC_ENV, None)
        return None
    folder = Path(tempfile.mkdtemp(prefix="relais-metrics-"))
    os.environ[MULTIPROC_ENV] = str(folder)
    return folder


def observe_pool(engine: Any) -> None:
    pool = engine.pool
    in_use = getattr(pool, "checkedout", None)
    size = getattr(pool, "size", None)
    if callable(in_use):
        DB_POOL_IN_USE.set(in_use())
    if callable(size):
        DB_POOL_SIZE.set(size())


def metrics_text() -> tuple[bytes, str]:
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call,unused-ignore]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


def private_client(host: str | None) -> bool:
    """A loopback or private address (the monitoring network), not the Internet."""
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private
