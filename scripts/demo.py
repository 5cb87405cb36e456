"""Start the demo: sync server on an embedded SQLite seeded with demo data, the
mediators' field app and the supervisors' console, all on localhost."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from scripts.processes import Proc, seed_server, start_app, start_server

VAR = Path("var/demo")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server-port", type=int, default=8000)
    parser.add_argument("--field-port", type=int, default=8551)
    parser.add_argument("--console-port", type=int, default=8552)
    parser.add_argument("--reset", action="store_true", help="start again from fresh demo data")
    args = parser.parse_args()

    VAR.mkdir(parents=True, exist_ok=True)
    if args.reset:
        for f in VAR.glob("*.sqlite3*"):
            f.unlink()
    database_url = os.environ.get("RELAIS_DATABASE_URL", f"sqlite:///{VAR / 'server.sqlite3'}")
    seed_server(database_url)
    procs: list[Proc] = []
    try:
        server = start_server(database_url, VAR, args.server_port, env={"RELAIS_API_DOCS": "1"})
        procs.append(server)
        procs.append(start_app("field", server.url, VAR / "phone.sqlite3", VAR, args.field_port))
        procs.append(
            start_app("console", server.url, VAR / "console.sqlite3", VAR, args.console_port)
        )
        print(
            f"""
Relais demo is running (logs in {VAR}/):
  Field app (mediators, phone-sized):   {procs[1].url}
  Supervisor console (desktop):         {procs[2].url}
  Sync server API (OpenAPI docs):       {server.url}/docs

Demo logins (password: relais-demo)
  mediators:  amina, karim, julie
  supervisor: sophie
  admin:      admin

Press Ctrl-C to stop.""",
            flush=True,
        )
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while all(p.popen.poll() is None for p in procs):
            time.sleep(1)
        print("A process stopped; see its log in var/demo/.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for p in reversed(procs):
            p.stop()


if __name__ == "__main__":
    sys.exit(main())
