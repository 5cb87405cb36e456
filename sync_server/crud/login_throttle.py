"""Login throttling stored in the database (holds across server processes).

Failures are counted per username and per client address over a sliding window;
a successful login clears its username's failures (not its address's: one
address guessing many accounts stays limited).
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from domain.periods import as_utc
from sync_server.models import LoginFailure


def _keys(*, username: str, client_ip: str | None) -> list[str]:
    keys = [f"user:{username.strip().lower()}"]
    if client_ip:
        keys.append(f"ip:{client_ip}")
    return keys


def retry_after_seconds(
    session: Session,
    *,
    username: str,
    client_ip: str | None,
    now: dt.datetime,
    max_failures: int,
    window: dt.timedelta,
) -> int | None:
    """Seconds until a new attempt is allowed, or None when it is allowed now."""
    since = now - window
    worst: int | None = None
    for key in _keys(username=username, client_ip=client_ip):
        rows = session.exec(
            select(LoginFailure.at)
            .where(LoginFailure.key == key, col(LoginFailure.at) > since)
            .order_by(col(LoginFailure.at).desc())
            .limit(max_failures)
        ).all()
        if len(rows) < max_failures:
            continue
        # Allowed again once the oldest of the last `max_failures` leaves the window.
        oldest = as_utc(rows[-1])
        wait = max(1, math.ceil((oldest + window - now).total_seconds()))
        worst = max(worst or 0, wait)
    return worst


def record_failure(
    session: Session, *, username: str, client_ip: str | None, now: dt.datetime
) -> None:
    for key in _keys(username=username, client_ip=client_ip):
        session.add(LoginFailure(key=key, at=now))
    session.flush()


def clear_username(session: Session, *, username: str) -> None:
    key = _keys(username=username, client_ip=None)[0]
    session.execute(delete(LoginFailure).where(col(LoginFailure.key) == key))


def purge_old(session: Session, *, older_than: dt.datetime) -> int:
    count = session.exec(
        select(func.count()).select_from(LoginFailure).where(col(LoginFailure.at) < older_than)
    ).one()
    session.execute(delete(LoginFailure).where(col(LoginFailure.at) < older_than))
    return int(count)
