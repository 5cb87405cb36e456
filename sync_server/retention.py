"""Daily retention job: `uv run python -m sync_server.retention` (e.g. from cron).

Anonymises the persons whose last contact is older than their cité's retention
period (set by its admin in the console; RELAIS_RETENTION_MONTHS, default 24, where
none was set) and purges login failures older than a day.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from sqlmodel import Session

from sync_server.crud import login_throttle
from sync_server.crud.retention import anonymise_expired
from sync_server.db import make_engine, migrate
from sync_server.models import utcnow
from sync_server.settings import Settings


def run(settings: Settings, *, now: dt.datetime, dry_run: bool = False) -> int:
    engine = make_engine(settings)
    try:
        migrate(engine)
        with Session(engine, expire_on_commit=False) as session:
            count = anonymise_expired(session, now=now, default_months=settings.retention_months)
            login_throttle.purge_old(session, older_than=now - dt.timedelta(days=1))
            if dry_run:
                session.rollback()
            else:
                session.commit()
        return count
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dry-run", action="store_true", help="count without changing anything")
    args = parser.parse_args(argv)
    settings = Settings()
    count = run(settings, now=utcnow(), dry_run=args.dry_run)
    verb = "à anonymiser" if args.dry_run else "anonymisée(s)"
    print(
        f"{count} personne(s) {verb} (conservation par défaut : {settings.retention_months} mois)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
