"""Login throttling stored in the database (holds across server processes).

Failures are counted per username and per client address over a sliding window;
a successful login clears its username's failures (not its address's: one
address guessing many accounts stays limited).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TypedDict, Unpack

from sqlalchemy import delete, func, text
from sqlmodel import Session, col, select

from domain.periods import as_utc
from sync_server.core.db import begin_write, is_postgres
from sync_server.models import LoginFailure


def _keys(*, username: str, client_ip: str | None, prefix: str = "") -> list[str]:
    keys = [f"{prefix}user:{username.strip().lower()}"] if username else []
    if client_ip:
        keys.append(f"{prefix}ip:{client_ip}")
    return keys


class Attempt(TypedDict):
    """An attempt to sign in (a username, the client's address, when) and the limit
    it is held to: at most `max_failures` failures within `window`."""

    username: str
    client_ip: str | None
    now: dt.datetime
    max_failures: int
    window: dt.timedelta


def reserve_attempt(
    session: Session, *, prefix: str = "", **attempt: Unpack[Attempt]
) -> tuple[int | None, list[str]]:
    """Check the limit and, when an attempt is allowed, count it as a failure at
    once, in one write transaction (committed here). Returns (seconds to wait, None
    when allowed; the ids counted, for `forgive` once the attempt succeeds).

    Counting before the password is checked is what makes the limit hold under
    concurrent attempts: checking, then recording a failure after the (slow) hash,
    let twenty simultaneous guesses all pass a check that saw none recorded. The
    keys are serialised by the write lock on SQLite and an advisory lock per key on
    PostgreSQL, both held to the commit.

    Only the first key (the username's; the address's for an enrolment code) is
    counted ahead: a room of mediators behind one address logging in at once must
    not wait for each other. The address's failure is recorded after a wrong
    password (`record_address_failure`)."""
    keys = _keys(username=attempt["username"], client_ip=attempt["client_ip"], prefix=prefix)
    begin_write(session)
    if is_postgres(session):
        for key in sorted(keys):
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})
    wait = _wait(session, keys, attempt)
    ids: list[str] = []
    if wait is None:
        failures = [LoginFailure(key=key, at=attempt["now"]) for key in keys[:1]]
        session.add_all(failures)
        session.flush()
        ids = [f.id for f in failures]
    session.commit()
    return wait, ids


def record_address_failure(session: Session, *, client_ip: str | None, now: dt.datetime) -> None:
    if client_ip:
        session.add(LoginFailure(key=f"ip:{client_ip}", at=now))
        session.flush()


def forgive(session: Session, ids: list[str]) -> None:
    """Withdraw the failures `reserve_attempt` counted for an attempt that succeeded."""
    if ids:
        session.execute(delete(LoginFailure).where(col(LoginFailure.id).in_(ids)))


def retry_after_seconds(session: Session, **attempt: Unpack[Attempt]) -> int | None:
    """Seconds until a new attempt is allowed, or None when it is allowed now."""
    return _wait(
        session, _keys(username=attempt["username"], client_ip=attempt["client_ip"]), attempt
    )


def _wait(session: Session, keys: list[str], attempt: Attempt) -> int | None:
    now, window, max_failures = attempt["now"], attempt["window"], attempt["max_failures"]
    since = now - window
    worst: int | None = None
    for key in keys:
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
