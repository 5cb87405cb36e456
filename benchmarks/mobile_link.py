"""Sync over a simulated mobile link, side by side with a CouchDB-style peer.

    uv run python -m benchmarks.mobile_link --profile 3g
    uv run python -m benchmarks.mobile_link --profile cut --install-persons 2000 \
        --install-contacts 6000

Two kinds of work, each through the same shaped link (`benchmarks.link`: a TCP
proxy process with the profile's round-trip time and bandwidth each way):

- *a morning*: a phone up to date since yesterday pushes its morning (60 contacts,
  5 new persons, 3 orientations, 2 follow-ups) and pulls what its 4 colleagues
  pushed meanwhile (the same, 280 rows: the cité's day);
- *a first install*: a new phone pulls the cité's persons and contacts (20,000 +
  60,000 by default).

For each: wall time, HTTP exchanges (requests) and TCP connections seen on the
link, bytes up and down. The Relais phone is a real `LocalStore` file and
`SyncClient`, against a real uvicorn server; the peer is PouchDB (in memory)
replicating with express-pouchdb (in memory) under node, both from the npm
registry, installed by this benchmark into `var/bench/peer-npm/` (cached).

Profile `cut`: the 3G link, first without a cut (the baseline), then the same work
again with the link cut for 20 s once half of the baseline's downstream bytes went
through. The Relais phone then syncs as the app does by itself (`AutoSync`, its
real probe interval and backoff); the peer restarts its replication from its
checkpoint every 2 s after a failure (PouchDB's `retry` left to the app). Reported:
whether the work finished by itself, how long after the link came back, and the
bytes sent twice (bytes of the cut run minus those of the baseline).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func
from sqlmodel import Session, select

from app.store import DeviceSession, LocalStore
from app.sync.auto import PROBE_TIMEOUT, AutoSync
from app.sync.client import SyncClient, SyncReport
from app.sync.errors import ServerUnreachable, SyncError
from benchmarks.common import (
    BENCH_VAR,
    ServerDb,
    contact_values,
    emit,
    keep_written_ops,
    server_db,
    workdir,
    written_ops,
)
from benchmarks.concurrency import Mediator, make_mediators
from benchmarks.link import PROFILES, LinkProcess, Profile
from domain.ids import uuid7
from domain.runtime import settle_heap
from scripts.processes import ROOT, Proc, free_port, start_server, wait_http
from sync_server.crud.users import enrol_device
from sync_server.models import AppUser, Partner, SyncOp

PEER_DIR = BENCH_VAR / "peer-npm"
PEER_PACKAGES = [
    "express@4.21.2",
    "express-pouchdb@4.2.0",
    "pouchdb-core@9.0.0",
    "pouchdb-adapter-memory@9.0.0",
    "pouchdb-adapter-http@9.0.0",
    "pouchdb-replication@9.0.0",
    "pouchdb-mapreduce@9.0.0",
]
PEER_SCRIPTS = Path(__file__).parent / "peer"
PEER_RETRY_S = 2.0
COLLEAGUES = 4
MORNING = {"contact": 60, "person": 5, "orientation": 3, "followup": 2}
# After the link returns: how long a sync may take to finish by itself before the
# run is called failed.
GIVE_UP_AFTER_S = 180.0


# -- the work, as rows -----------------------------------------------------------------


def person_values(i: int) -> dict[str, Any]:
    return {
        "first_name": ("Amina", "Karim", "Sofia", "Yanis", "Inès", "Moussa")[i % 6],
        "last_name": f"Martin-{i}",
        "birth_date": f"{1970 + i % 35}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "phone": f"06{i % 100_000_000:08d}",
        "commune": "Creil",
        "gender": ("f", "m")[i % 2],
        "qpv_resident": "yes",
        "ft_registration": ("yes", "no", "unknown")[i % 3],
        "need": "Formation cariste",
        "status": "in_contact",
    }


def morning_rows(
    mediator_id: str, partner_id: str, seed: int
) -> list[tuple[str, str, dict[str, Any]]]:
    """(entity, id, values) of one mediator's morning, persons first."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    persons = [uuid7() for _ in range(MORNING["person"])]
    for k, pid in enumerate(persons):
        out.append(("person", pid, person_values(seed * 10 + k)))
    for i in range(MORNING["contact"]):
        values = contact_values(mediator_id, seed * 100 + i)
        if i < len(persons):
            values["person_id"] = persons[i]
        out.append(("contact", uuid7(), values))
    for k in range(MORNING["orientation"]):
        out.append(
            (
                "orientation",
                uuid7(),
                {
                    "person_id": persons[k],
                    "partner_id": partner_id,
                    "theme": "Emploi",
                    "reason": "Atelier CV à la Maison de l'emploi",
                    "date": "2025-03-10",
                    "status": "proposed",
                },
            )
        )
    for k in range(MORNING["followup"]):
        out.append(
            (
                "followup",
                uuid7(),
                {"person_id": persons[k], "due_date": "2025-03-17", "what": "Rappeler"},
            )
        )
    return out


def install_rows(
    mediator_id: str, persons: int, contacts: int
) -> list[tuple[str, str, dict[str, Any]]]:
    ids = [uuid7() for _ in range(persons)]
    out = [("person", pid, person_values(i)) for i, pid in enumerate(ids)]
    for i in range(contacts):
        values = contact_values(mediator_id, i)
        if ids:
            values["person_id"] = ids[i % len(ids)]
        out.append(("contact", uuid7(), values))
    return out


def as_docs(rows: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [{"_id": row_id, "type": entity, **values} for entity, row_id, values in rows]


# -- Relais ------------------------------------------------------------------------------


def open_phone(path: Path, url: str, who: Mediator) -> LocalStore:
    store = LocalStore(path)
    user = {
        "id": who.user_id,
        "username": path.stem,
        "display_name": "Médiateur de mesure",
        "role": "mediator",
        "cite_id": who.cite_id,
    }
    store.save_session(
        DeviceSession(server_url=url, token=who.token, device_id=who.device_id, user=user)
    )
    return store


def write_rows(store: LocalStore, rows: list[tuple[str, str, dict[str, Any]]]) -> list[str]:
    """The rows written as the app writes them (ids are the store's own)."""
    ids: dict[str, str] = {}
    out = []
    with store._tx():  # setup only: one transaction
        for entity, row_id, values in rows:
            v = dict(values)
            if "person_id" in v:
                v["person_id"] = ids.get(v["person_id"], v["person_id"])
            ids[row_id] = store.create(entity, v)
            out.append(ids[row_id])
    return out


@dataclass
class _Target:
    """What `AutoSync` drives: the sync client, as the app's state does it."""

    client: SyncClient
    store: LocalStore
    online: bool | None = None
    running: bool = False
    finished_at: float | None = None
    attempts: int = 0
    reports: list[SyncReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def can_sync(self) -> bool:
        return not self.running and self.finished_at is None

    def pending_count(self) -> int:
        return self.store.pending_count()

    def retry_after(self) -> float | None:
        return None  # the benchmark's server is never busy

    async def sync(self, *, quiet: bool = False) -> bool:  # noqa: ARG002 -- the target interface
        self.running = True
        self.attempts += 1
        report = SyncReport()
        self.reports.append(report)
        try:
            await asyncio.to_thread(self._sync, report)
            self.online = True
            self.finished_at = time.time()
            return True
        except SyncError as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}")
            if isinstance(exc, ServerUnreachable):
                self.online = False
            return False
        finally:
            self.running = False

    def _sync(self, into: SyncReport) -> None:
        # The client's report is lost when it raises: count pages as they are applied.
        done = self.client.sync(
            lambda p: setattr(into, "pulled", p.done) if p.phase == "pull" else None
        )
        into.pushed, into.acked, into.duplicates = done.pushed, done.acked, done.duplicates
        into.pulled = done.pulled


def relais_sync(
    store: LocalStore,
    link: LinkProcess,
    *,
    cut_after_down: int | None,
    cut_s: float,
    auto: bool = False,
) -> dict[str, Any]:
    """One sync through the link, as tapped; `auto` or with a cut: as the app syncs
    by itself (probe, then sync) until done."""
    link.reset()
    client = SyncClient(store, link.url, timeout=60)
    started = time.time()
    try:
        if cut_after_down is None and not auto:
            report = client.sync()
            wall = time.time() - started
            return {
                "wall_s": wall,
                **_link_figures(link.stats()),
                "pushed": report.pushed,
                "pulled": report.pulled,
                "duplicates": report.duplicates,
            }
        if cut_after_down is not None:
            link.arm_cut("down", cut_after_down, cut_s)
        target = _Target(client, store)
        # As the app does (`state_sync`): the probe on the sync client's connection.
        loop = AutoSync(target, link.url, prober=lambda _url: client.probe(PROBE_TIMEOUT))

        async def drive() -> None:
            stop = asyncio.Event()
            running = asyncio.create_task(loop.run(stop))
            deadline = time.monotonic() + cut_s + GIVE_UP_AFTER_S
            while target.finished_at is None and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            stop.set()
            running.cancel()
            while target.running:  # a sync in its worker thread: let it end
                await asyncio.sleep(0.05)

        asyncio.run(drive())
        stats = link.stats()
        restored = stats["cuts"][0].get("restored_at") if stats["cuts"] else None
        return {
            "wall_s": (target.finished_at or time.time()) - started,
            **_link_figures(stats),
            "cut_happened": bool(stats["cuts"]),
            "finished_by_itself": target.finished_at is not None,
            "finished_after_link_back_s": (
                target.finished_at - restored if target.finished_at and restored else None
            ),
            "sync_attempts": target.attempts,
            "errors": target.errors,
            "pushed": sum(r.pushed for r in target.reports),
            "pulled": sum(r.pulled for r in target.reports),
            "duplicates": sum(r.duplicates for r in target.reports),
        }
    finally:
        client.close()


def _link_figures(stats: dict[str, Any]) -> dict[str, Any]:
    return {
        "exchanges": stats["exchanges"],
        "connections": stats["connections"],
        "bytes_up": stats["bytes_up"],
        "bytes_down": stats["bytes_down"],
    }


def enrol(sdb: ServerDb, user_id: str, name: str) -> tuple[str, str]:
    """A new device of this mediator: (device id, token)."""
    engine = create_engine(sdb.url)
    try:
        with Session(engine) as session:
            user = session.get(AppUser, user_id)
            assert user is not None
            device, token = enrol_device(session, user=user, name=name)
            session.commit()
            return device.id, token
    finally:
        engine.dispose()


def add_partner(sdb: ServerDb, cite_id: str) -> str:
    engine = create_engine(sdb.url)
    try:
        with Session(engine) as session:
            partner = Partner(cite_id=cite_id, name="France Travail Creil", type="france_travail")
            session.add(partner)
            session.commit()
            return partner.id
    finally:
        engine.dispose()


def ledger_check(sdb: ServerDb, device_id: str, written: list[str]) -> dict[str, int]:
    """Ops of this device on the server: lost (written, not in the ledger), extra."""
    engine = create_engine(sdb.url)
    try:
        with Session(engine) as session:
            got = list(session.exec(select(SyncOp.op_id).where(SyncOp.device_id == device_id)))
            n = session.exec(
                select(func.count()).select_from(SyncOp).where(SyncOp.device_id == device_id)
            ).one()
    finally:
        engine.dispose()
    mine = set(written)
    return {
        "lost": len(mine - set(got)),
        "doubled": n - len(set(got)),
        "extra": len(set(got) - mine),
    }


class RelaisSide:
    def __init__(self, db: str, work: Path, profile: str, install: tuple[int, int]) -> None:
        self.work = work
        self.profile = profile
        self.install = install
        self._db_cm = server_db(db, work)
        self.sdb = self._db_cm.__enter__()
        self.server: Proc | None = start_server(self.sdb.url, work / "logs")
        self.link = LinkProcess(profile, self.server.url, work / "logs")
        self._n = 0

    def close(self) -> None:
        self.link.stop()
        if self.server is not None:
            self.server.stop()
        self._db_cm.__exit__(None, None, None)

    def _name(self, stem: str) -> Path:
        self._n += 1
        return self.work / f"{stem}-{self._n}.sqlite3"

    def morning(self, cut_after_down: int | None = None, auto: bool = False) -> dict[str, Any]:
        assert self.server is not None
        direct = self.server.url
        [team] = make_mediators(self.sdb, 1, [1 + COLLEAGUES])
        partner = add_partner(self.sdb, team[0].cite_id)
        me = open_phone(self._name("me"), direct, team[0])
        with SyncClient(me, direct) as client:
            client.sync()  # up to date since yesterday
        for k, who in enumerate(team[1:], start=1):
            colleague = open_phone(self._name("colleague"), direct, who)
            write_rows(colleague, morning_rows(who.user_id, partner, k))
            with SyncClient(colleague, direct) as client:
                client.sync()
            colleague.close()
        keep_written_ops(Path(me.path))
        write_rows(me, morning_rows(team[0].user_id, partner, 0))
        written = [op["op_id"] for op in written_ops(Path(me.path))]
        out = relais_sync(me, self.link, cut_after_down=cut_after_down, cut_s=20.0, auto=auto)
        out["ops_pushed"] = len(written)
        out["pending_after"] = me.pending_count()
        out["rows_on_phone"] = sum(len(me.rows(e)) for e in MORNING)
        out["rows_expected"] = sum(MORNING.values()) * (1 + COLLEAGUES)
        out.update(ledger_check(self.sdb, team[0].device_id, written))
        me.close()
        return out

    def load_install(self) -> None:
        """The cité's persons and contacts, pushed once by a phone on loopback."""
        assert self.server is not None
        [[who]] = make_mediators(self.sdb, 1, [1])
        self.install_who = who
        loader = open_phone(self._name("loader"), self.server.url, who)
        write_rows(loader, install_rows(who.user_id, *self.install))
        with SyncClient(loader, self.server.url, timeout=600, pull_with_push=False) as client:
            client._push(SyncReport(), lambda _p: None)
        assert loader.pending_count() == 0
        loader.close()

    def first_install(self, cut_after_down: int | None = None) -> dict[str, Any]:
        who = self.install_who
        device_id, token = enrol(self.sdb, who.user_id, f"new phone {self._n}")
        fresh = open_phone(
            self._name("new"), self.link.url, Mediator(who.user_id, who.cite_id, device_id, token)
        )
        out = relais_sync(fresh, self.link, cut_after_down=cut_after_down, cut_s=20.0)
        rows = len(fresh.rows("person")) + len(fresh.rows("contact"))
        out["rows_on_phone"] = rows
        out["rows_expected"] = sum(self.install)
        out["rows_pulled_twice"] = out["pulled"] - rows
        fresh.close()
        return out


# -- the peer ------------------------------------------------------------------------------


def install_peer() -> Path:
    """express-pouchdb and PouchDB from the npm registry, once, into var/bench/."""
    modules = PEER_DIR / "node_modules"
    if all((modules / p.rsplit("@", 1)[0]).is_dir() for p in PEER_PACKAGES):
        return modules
    PEER_DIR.mkdir(parents=True, exist_ok=True)
    (PEER_DIR / "package.json").write_text('{"name": "relais-bench-peer", "private": true}\n')
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", *PEER_PACKAGES],
        cwd=PEER_DIR,
        check=True,
        timeout=600,
        capture_output=True,
    )
    return modules


class PeerSide:
    def __init__(self, work: Path, profile: str, install: tuple[int, int]) -> None:
        self.work = work
        self.install = install
        self.env = {**os.environ, "NODE_PATH": str(install_peer())}
        port = free_port()
        log = work / "logs" / "peer-server.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            popen = subprocess.Popen(
                ["node", str(PEER_SCRIPTS / "server.js"), str(port)],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.server = Proc("peer-server", popen, f"http://127.0.0.1:{port}", log)
        wait_http(self.server, "/")
        self.link = LinkProcess(profile, self.server.url, work / "logs")
        self._n = 0

    def close(self) -> None:
        self.link.stop()
        self.server.stop()

    def _db(self) -> str:
        self._n += 1
        return f"cite-{self._n}"

    def _client(
        self,
        steps: list[dict[str, Any]],
        cut_after_down: int | None = None,
        cut_s: float = 20.0,
    ) -> dict[str, Any]:
        """Runs node client.js; at its `mark` the link's counters restart (and a cut
        is armed), so only what follows is counted."""
        spec = self.work / f"peer-spec-{uuid7()}.json"
        spec.write_text(json.dumps({"steps": steps}))
        proc = subprocess.Popen(
            ["node", str(PEER_SCRIPTS / "client.js"), str(spec)],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert proc.stdin is not None and proc.stdout is not None
        timer = threading.Timer(3600, proc.kill)
        timer.start()
        try:
            started = time.time()
            while line := proc.stdout.readline():
                msg = json.loads(line)
                if "mark" in msg:
                    self.link.reset()
                    if cut_after_down is not None:
                        self.link.arm_cut("down", cut_after_down, cut_s)
                    started = time.time()
                    proc.stdin.write(b"go\n")
                    proc.stdin.flush()
                    continue
                if "error" in msg:
                    raise RuntimeError(f"peer client failed: {msg['error']}")
                return self._answer(msg["results"], steps, time.time() - started, cut_after_down)
            raise RuntimeError("peer client ended without an answer")
        finally:
            timer.cancel()
            proc.kill()
            proc.wait()
            proc.stdout.close()
            proc.stdin.close()
            spec.unlink()

    def _answer(
        self,
        results: list[dict[str, Any]],
        steps: list[dict[str, Any]],
        wall_s: float,
        cut_after_down: int | None,
    ) -> dict[str, Any]:
        """The figures of the replications after the client's `mark`."""
        stats = self.link.stats()
        ops = [step["op"] for step in steps]
        timed = len(ops) - ops.index("mark") - 1 if "mark" in ops else 0
        replications = [r for r in results if "op" in r][len(results) - 1 - timed :]
        out: dict[str, Any] = {
            "wall_s": wall_s,
            "replication_s": sum(r["wall_s"] for r in replications),
            **_link_figures(stats),
            "replications": replications,
            "docs_on_phone": results[-1]["local_docs"],
            "stray_errors": results[-1]["stray_errors"],
        }
        if cut_after_down is not None:
            restored = stats["cuts"][0].get("restored_at") if stats["cuts"] else None
            done = all(r["ok"] for r in replications)
            out["cut_happened"] = bool(stats["cuts"])
            out["finished_by_itself"] = done
            out["finished_after_link_back_s"] = (
                replications[-1]["ended_at"] - restored if done and restored else None
            )
        return out

    def _replicate(self, op: str, db: str, timeout_s: float) -> dict[str, Any]:
        return {
            "op": op,
            "url": f"{self.link.url}/{db}",
            "retry_s": PEER_RETRY_S,
            "timeout_s": timeout_s,
        }

    def morning(self, cut_after_down: int | None = None) -> dict[str, Any]:
        db = self._db()
        direct = f"{self.server.url}/{db}"
        team = [uuid7() for _ in range(1 + COLLEAGUES)]
        partner = uuid7()
        colleagues = [
            doc
            for k in range(1, 1 + COLLEAGUES)
            for doc in as_docs(morning_rows(team[k], partner, k))
        ]
        steps: list[dict[str, Any]] = [
            {"op": "put", "url": direct, "docs": []},
            {"op": "pull", "url": direct, "retry_s": 1, "timeout_s": 60},  # up to date
            {"op": "put", "url": direct, "docs": colleagues},
            {"op": "local", "docs": as_docs(morning_rows(team[0], partner, 0))},
            {"op": "mark", "name": "morning"},
            self._replicate("push", db, GIVE_UP_AFTER_S + 20),
            self._replicate("pull", db, GIVE_UP_AFTER_S + 20),
        ]
        out = self._client(steps, cut_after_down)
        out["docs_expected"] = sum(MORNING.values()) * (1 + COLLEAGUES)
        return out

    def load_install(self) -> None:
        self.install_db = self._db()
        docs = as_docs(install_rows(uuid7(), *self.install))
        self._client([{"op": "put", "url": f"{self.server.url}/{self.install_db}", "docs": docs}])

    def first_install(self, cut_after_down: int | None = None) -> dict[str, Any]:
        steps = [
            {"op": "mark", "name": "install"},
            self._replicate("pull", self.install_db, 3600),
        ]
        out = self._client(steps, cut_after_down)
        out["docs_expected"] = sum(self.install)
        return out


# -- the run ---------------------------------------------------------------------------------


def run_side(side: RelaisSide | PeerSide, profile: str, do_install: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"morning": side.morning()}
    if isinstance(side, RelaisSide):
        # The same morning synced by the app by itself: its probe, then the sync.
        out["morning_automatic"] = side.morning(auto=True)
    if do_install:
        side.load_install()
        out["first_install"] = side.first_install()
    if profile == "cut":
        cut_s = PROFILES["cut"].cut_s
        baseline = out
        out = {"baseline_no_cut": baseline, "cut_s": cut_s}
        for work in ("morning", "first_install") if do_install else ("morning",):
            half = baseline[work]["bytes_down"] // 2
            run = side.morning(half) if work == "morning" else side.first_install(half)
            run["cut_after_bytes_down"] = half
            run["bytes_sent_twice"] = {
                "up": run["bytes_up"] - baseline[work]["bytes_up"],
                "down": run["bytes_down"] - baseline[work]["bytes_down"],
            }
            out[work] = run
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="3g")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--install-persons", type=int, default=20_000)
    parser.add_argument("--install-contacts", type=int, default=60_000)
    parser.add_argument("--no-install", action="store_true", help="the morning only")
    parser.add_argument("--no-peer", action="store_true", help="Relais only")
    parser.add_argument(
        "--peer-install-scale",
        type=float,
        default=1.0,
        help="the peer's first install at this fraction of the sizes (it is slow)",
    )
    parser.add_argument("--out", help="JSON output file (default benchmarks/results/...)")
    args = parser.parse_args(argv)
    if shutil.which("node") is None and not args.no_peer:
        parser.error("node is needed for the peer (or --no-peer)")
    settle_heap()
    install = (args.install_persons, args.install_contacts)
    profile = PROFILES[args.profile]
    figures: dict[str, Any] = {
        "profile": _profile_figures(profile),
        "db": args.db,
        "morning_rows": {"per_mediator": MORNING, "colleagues": COLLEAGUES},
        "install_rows": {"persons": install[0], "contacts": install[1]},
    }
    with workdir() as tmp:
        work = Path(tmp)
        relais = RelaisSide(args.db, work, args.profile, install)
        try:
            figures["relais"] = run_side(relais, args.profile, not args.no_install)
        finally:
            relais.close()
        if not args.no_peer:
            _run_peer(
                figures, work, args.profile, install, args.peer_install_scale, not args.no_install
            )
    if not args.no_peer and "error" not in figures["peer"]:
        figures["peer_vs_relais"] = ratios(figures, args.profile)
    size = "" if args.no_install else f"-{install[0]}-{install[1]}"
    emit(
        "mobile_link",
        figures,
        args.out
        or str(Path(__file__).parent / "results" / f"mobile_link-{args.profile}{size}.json"),
    )


def _profile_figures(profile: Profile) -> dict[str, Any]:
    return {
        "name": profile.name,
        "rtt_ms": profile.rtt_s * 1000,
        "down_kbit_s": profile.down_bps / 1000,
        "up_kbit_s": profile.up_bps / 1000,
        "cut_s": profile.cut_s,
    }


def _run_peer(
    figures: dict[str, Any],
    work: Path,
    profile: str,
    install: tuple[int, int],
    scale: float,
    with_install: bool,
) -> None:
    """The peer's side into `figures`, its first install at `scale` of the sizes."""
    scaled = (round(install[0] * scale), round(install[1] * scale))
    figures["peer_install_rows"] = {"persons": scaled[0], "contacts": scaled[1]}
    peer = PeerSide(work, profile, scaled)
    try:
        figures["peer"] = run_side(peer, profile, with_install)
    except RuntimeError as exc:  # the Relais figures are kept
        figures["peer"] = {"error": str(exc)}
    finally:
        peer.close()


def ratios(figures: dict[str, Any], profile: str) -> dict[str, Any]:
    """Peer time / Relais time, per work (the same rows, the same link)."""
    out: dict[str, Any] = {}
    for work in ("morning", "first_install"):
        r, p = figures["relais"].get(work), figures["peer"].get(work)
        if r and p:
            # Per row: the peer's first install may be a fraction of the sizes.
            scale = 1.0
            if work == "first_install":
                rows = figures["install_rows"]
                peer_rows = figures["peer_install_rows"]
                scale = (rows["persons"] + rows["contacts"]) / max(
                    1, peer_rows["persons"] + peer_rows["contacts"]
                )
            out[f"{work}_wall"] = p["wall_s"] * scale / r["wall_s"]
            out[f"{work}_bytes_down"] = p["bytes_down"] * scale / max(1, r["bytes_down"])
            out[f"{work}_exchanges"] = p["exchanges"] * scale / max(1, r["exchanges"])
    if profile == "cut":
        out["note"] = "cut: times include the 20 s cut and each side's retry policy"
    return out


if __name__ == "__main__":
    main()
