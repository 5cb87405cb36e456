"""Daily retention job: `uv run python -m sync_server.jobs.daily` (e.g. from cron).

Anonymises the persons whose last contact is older than their cité's retention
period (set by its admin in the console; RELAIS_RETENTION_MONTHS, default 24, where
none was set), purges the tombstones last changed more than
RELAIS_TOMBSTONE_RETENTION_DAYS ago (default 90) and the login failures older than
a day.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass

from sqlmodel import Session

from sync_server.core.db import make_engine, migrate
from sync_server.core.settings import Settings
from sync_server.crud import login_throttle
from sync_server.crud.retention import anonymise_expired
from sync_server.models import utcnow
from sync_server.sync.pull import purge_tombstones


@dataclass(frozen=True)
class RetentionRun:
    anonymised: int
    tombstones_purged: int


def run(
    settings: Settings, *, now: dt.datetime, dry_run: bool = False, migrate_first: bool = True
) -> RetentionRun:
    """`migrate_first=False` under `./relais` (the schema is checked at head there:
    only `./relais migrate` changes it)."""
    engine = make_engine(settings)
    try:
        if migrate_first:
            migrate(engine)
        with Session(engine, expire_on_commit=False) as session:
            count = anonymise_expired(session, now=now, default_months=settings.retention_months)
            # After the anonymisation: its server ops are fresh and never purged now.
            purged = purge_tombstones(
                session, older_than=now - dt.timedelta(days=settings.tombstone_retention_days)
            )
            login_throttle.purge_old(session, older_than=now - dt.timedelta(days=1))
            if dry_run:
                session.rollback()
            else:
                session.commit()
        return RetentionRun(anonymised=count, tombstones_purged=purged)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dry-run", action="store_true", help="count without changing anything")
    args = parser.parse_args(argv)
    settings = Settings()
    done = run(settings, now=utcnow(), dry_run=args.dry_run)
    print(summary(done, settings, dry_run=args.dry_run))
    return 0


def next_run(now: dt.datetime, hour: int) -> dt.datetime:
    """The next daily run at `hour` (UTC) strictly after `now`."""
    at = now.astimezone(dt.UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return at if at > now else at + dt.timedelta(days=1)


def summary(done: RetentionRun, settings: Settings, *, dry_run: bool) -> str:
    verb = "à anonymiser" if dry_run else "anonymisée(s)"
    purge = "à purger" if dry_run else "purgée(s)"
    return (
        f"{done.anonymised} personne(s) {verb} (conservation par défaut : "
        f"{settings.retention_months} mois) ; {done.tombstones_purged} fiche(s) supprimée(s) "
        f"{purge} (plus de {settings.tombstone_retention_days} jours)."
    )


if __name__ == "__main__":
    sys.exit(main())
