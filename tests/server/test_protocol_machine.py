"""A stateful property test of the sync protocol (Hypothesis `RuleBasedStateMachine`).

Phones log persons and contacts offline, delete persons, push (answers sometimes
lost), pull from their cursor (starting again from scratch when the server says
`reset_required`); a supervisor merges and unmerges persons, erases them and decides
a revoked phone's held ops; an admin revokes phones; the daily job purges tombstones.
After every step:
- no value ever written on an erased person is anywhere on the server (rows,
  ledger, conflicts, held ops) nor on a phone that synced since;
- every op a phone had acknowledged is reflected on the server or was refused;
- an op a revoked phone sent after its revocation never applied unless accepted;
- a phone that has just synced holds exactly what the server serves (convergence).

Driven through the persistence layer the routes call (not HTTP), on a real SQLite
file and on PostgreSQL (a database per example, copied from a migrated template),
kept small: a few dozen short runs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import secrets as token
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from domain.hlc import HlcClock
from domain.sync import Op
from domain.vocabulary import Role
from sync_server.core.db import make_engine, migrate
from sync_server.core.settings import Settings
from sync_server.crud.merges import merge_with_choices, unmerge_and_restore
from sync_server.crud.rights import erase_person, find_person
from sync_server.crud.users import revoke_device
from sync_server.models import Device, Record, SyncOp
from sync_server.sync.held_ops import decide, hold_late_ops
from sync_server.sync.pull import pull_page, purge_tombstones
from sync_server.sync.push import ERASED_REASON, push_ops, split_before_revocation
from sync_server.sync.supervisor_ops import NotFound, OpAuthor, Refused
from tests.factories import (
    DeviceLogin,
    contact_values,
    hlc_at,
    make_cite,
    make_device,
    make_user,
    op,
    person_values,
)
from tests.server.conftest import PG_ADMIN_URL, fresh_pg_database

DatabaseFactory = Callable[[], AbstractContextManager[str]]

_secret = itertools.count()


class Phone:
    def __init__(self, login: DeviceLogin) -> None:
        self.login = login
        self.outbox: list[dict[str, Any]] = []
        self.rows: dict[str, dict[str, Any]] = {}  # row id -> data, as pulled or edited
        self.versions: dict[str, int] = {}
        self.cursor: str | None = None
        self.revoked = False
        self.wiped = False


class SyncProtocol(RuleBasedStateMachine):
    persons = Bundle("persons")

    database: DatabaseFactory  # set by the subclass of each database kind

    def __init__(self) -> None:
        super().__init__()
        self._database = self.database()
        url = self._database.__enter__()
        self.engine = make_engine(Settings(database_url=url))
        migrate(self.engine)
        self.session = Session(self.engine, expire_on_commit=False)
        cite = make_cite(self.session)
        self.cite_id = cite.id
        self.phones = [
            Phone(make_device(self.session, user=make_user(self.session, cite=cite)))
            for _ in range(2)
        ]
        self.supervisor = make_device(
            self.session, user=make_user(self.session, cite=cite, role=Role.SUPERVISOR)
        )
        self.clock = HlcClock(node="server")
        self.secrets: dict[str, set[str]] = {}  # person id -> every value written on it
        self.erased: set[str] = set()
        self.acked: dict[str, str] = {}  # op id -> row id, of ops answered as taken
        self.revoked_at: dict[str, dt.datetime] = {}
        self.accepted: set[str] = set()

    @initialize(target=persons)
    def seed(self) -> MultipleResults[str]:
        """Two persons both phones hold, as after a first sync of the day."""
        seeded = [self._new_person(0), self._new_person(0)]
        self.push(phone=0, lose_reply=False)
        for phone in (0, 1):
            self.pull(phone, page_size=500)
        return multiple(*seeded)

    def teardown(self) -> None:
        if hasattr(self, "session"):
            self.session.close()
            self.engine.dispose()
            self._database.__exit__(None, None, None)

    # --- Phones ---------------------------------------------------------------------

    def _log(self, phone: Phone, the_op: dict[str, Any], person_id: str) -> None:
        phone.outbox.append(the_op)
        phone.rows.setdefault(the_op["row_id"], {}).update(the_op["set"])
        self.secrets.setdefault(person_id, set()).update(
            v for v in the_op["set"].values() if isinstance(v, str) and "secret" in v
        )

    @rule(target=persons, phone=st.sampled_from([0, 1]))
    def create_person(self, phone: int) -> str:
        return self._new_person(phone)

    def _new_person(self, phone: int) -> str:
        p = self.phones[phone]
        secret = f"secret-{next(_secret)}"
        the_op = op("person", person_values(last_name=secret), hlc=hlc_at(node=f"p{phone}"))
        self._log(p, the_op, the_op["row_id"])
        return str(the_op["row_id"])

    @rule(phone=st.sampled_from([0, 1]), person=persons)
    def edit_person(self, phone: int, person: str) -> None:
        p = self.phones[phone]
        if person not in p.rows:
            return  # this phone has not seen the person
        secret = f"secret-{next(_secret)}@example.org"
        the_op = op(
            "person",
            {"email": secret},
            row_id=person,
            base_version=p.versions.get(person),
            hlc=hlc_at(node=f"p{phone}"),
        )
        self._log(p, the_op, person)

    @rule(phone=st.sampled_from([0, 1]), person=persons)
    def add_contact(self, phone: int, person: str) -> None:
        p = self.phones[phone]
        if person not in p.rows:
            return
        values = contact_values(
            p.login.user.id, person_id=person, note=f"secret-{next(_secret)} note"
        )
        self._log(p, op("contact", values, hlc=hlc_at(node=f"p{phone}")), person)

    @rule(phone=st.sampled_from([0, 1]), person=persons)
    def delete_person(self, phone: int, person: str) -> None:
        p = self.phones[phone]
        if person not in p.rows:
            return
        the_op = op(
            "person",
            {"deleted": True},
            row_id=person,
            base_version=p.versions.get(person),
            hlc=hlc_at(node=f"p{phone}"),
        )
        p.outbox.append(the_op)
        p.rows.pop(person)

    @rule(phone=st.sampled_from([0, 1]), lose_reply=st.booleans())
    def push(self, phone: int, lose_reply: bool) -> None:
        p = self.phones[phone]
        if p.wiped or not p.outbox:
            return
        ops = [Op.model_validate(o) for o in p.outbox]
        device = self.session.get(Device, p.login.device.id)
        assert device is not None
        kept, late = split_before_revocation(ops, device.revoked_at, device.created_at)
        if device.revoked_at is None:
            taken = push_ops(
                self.session, user=p.login.user, device=device, ops=kept, clock=self.clock
            )
        else:
            taken = hold_late_ops(self.session, user=p.login.user, device=device, ops=kept)
        self.session.commit()
        answers = iter(taken)
        results = [late[o.op_id] if o.op_id in late else next(answers) for o in ops]
        if lose_reply:
            return  # the phone resends them all next time
        for sent, result in zip(ops, results, strict=True):
            if result.outcome != "rejected":
                self.acked[sent.op_id] = sent.row_id
            elif result.reason != ERASED_REASON:
                # The mediator withdraws it (« Retirer »): the phone takes the
                # server's rows back through a full resync.
                p.cursor = None
            if result.reason == ERASED_REASON:
                p.rows.pop(sent.row_id, None)
        p.outbox = []  # acked ops leave; refused ones are withdrawn by the mediator
        if device.revoked_at is not None:
            p.rows, p.wiped = {}, True

    @rule(phone=st.sampled_from([0, 1]), page_size=st.sampled_from([2, 500]))
    def pull(self, phone: int, page_size: int) -> None:
        p = self.phones[phone]
        if p.wiped or p.outbox:
            return  # a sync pushes first
        if p.cursor is None:
            p.rows = {}  # from scratch: what the server does not serve again leaves
        settled = self._settled()
        resets = 0
        while True:
            page = pull_page(self.session, cite_id=self.cite_id, cursor=p.cursor, limit=page_size)
            self.session.commit()
            if page.reset_required:
                resets += 1
                assert resets == 1, "a second reset_required in the same sync"
                p.cursor, p.rows = None, {}
                continue
            for _entity, row_id, version, deleted, data in page.rows:
                p.versions[row_id] = version
                if deleted:
                    p.rows.pop(row_id, None)
                else:
                    p.rows[row_id] = json.loads(data)
            p.cursor = page.cursor
            if not page.has_more:
                break
        for person in self.erased:  # a phone that synced holds nothing of an erased person
            dump = json.dumps(p.rows)
            assert not [s for s in self.secrets.get(person, ()) if s in dump]
        if settled is not None:
            # Converged: the phone holds what a first sync would give it now.
            assert p.rows == settled, "the phone's copy differs from the server's"

    def _settled(self) -> dict[str, dict[str, Any]] | None:
        """What the server serves, when that is every live row it stores. On PostgreSQL a
        pull serves only rows below the oldest transaction still running on the whole
        server (delayed, never skipped: docs/architecture.md §3.7), so another client's
        open transaction may hold back rows this machine committed: then there is no
        fixed state to converge to, and None. On SQLite it is always every row."""
        served = self._served()
        stored = {
            r.id: r.data
            for r in self.session.exec(
                select(Record).where(Record.cite_id == self.cite_id, col(Record.deleted).is_(False))
            )
        }
        self.session.commit()
        if served == stored:
            return served
        assert self.engine.dialect.name == "postgresql", "SQLite holds rows back from a pull"
        return None

    def _served(self, entity: str | None = None) -> dict[str, dict[str, Any]]:
        page = pull_page(self.session, cite_id=self.cite_id, cursor=None, limit=100_000)
        self.session.commit()
        assert not page.has_more
        return {r[1]: json.loads(r[4]) for r in page.rows if not r[3] and entity in (None, r[0])}

    # --- Supervisor and admin ---------------------------------------------------------

    @rule(person=persons)
    def erase(self, person: str) -> None:
        row = find_person(self.session, person_id=person, cite_id=self.cite_id)
        if row is None or person in self.erased:
            return
        erase_person(self.session, person=row, clock=self.clock)
        self.session.commit()
        # The persons merged with it are erased with it.
        self.erased |= {
            r for (r,) in self.session.execute(text("SELECT row_id FROM erased_row")).all()
        }
        self.session.commit()

    def _server_persons(self, *, merged: bool) -> list[str]:
        """Live persons on the server, merged into another or not (the console lists
        only these: a supervisor never merges a person no phone has sent yet)."""
        return sorted(
            row_id
            for row_id, data in self._served("person").items()
            if bool(data.get("merged_into")) == merged
        )

    @rule(data=st.data())
    def merge(self, data: st.DataObject) -> None:
        candidates = self._server_persons(merged=False)
        if len(candidates) < 2:
            return
        person, into = data.draw(st.permutations(candidates))[:2]
        # The supervisor keeps either record, each field as the plan proposes.
        survivor = data.draw(st.sampled_from(["a", "b"]))
        self._as_supervisor(
            merge_with_choices, a_id=person, b_id=into, survivor=survivor, choices={}
        )

    @rule(data=st.data())
    def unmerge(self, data: st.DataObject) -> None:
        candidates = self._server_persons(merged=True)
        if candidates:
            person = data.draw(st.sampled_from(candidates))
            self._as_supervisor(unmerge_and_restore, person_id=person)

    def _as_supervisor(self, action: Callable[..., object], **kwargs: object) -> None:
        login = self.supervisor
        try:
            action(self.session, author=OpAuthor(login.user, login.device, self.clock), **kwargs)
        except (NotFound, Refused):
            self.session.rollback()  # refused as the console would: nothing written
            return
        self.session.commit()

    @rule()
    def purge(self) -> None:
        """The daily job, as if the tombstones had aged past their retention."""
        purge_tombstones(self.session, older_than=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
        self.session.commit()

    @precondition(lambda self: not self.revoked_at)
    @rule(phone=st.sampled_from([0, 1]))
    def revoke(self, phone: int) -> None:
        device = self.session.get(Device, self.phones[phone].login.device.id)
        assert device is not None
        revoke_device(self.session, device=device)
        self.session.commit()
        assert device.revoked_at is not None
        self.revoked_at[device.id] = device.revoked_at

    @rule(accept=st.booleans())
    def decide_held(self, accept: bool) -> None:
        held = self.session.execute(
            text("SELECT op_id FROM held_op WHERE decided_at IS NULL")
        ).first()
        if held is None:
            return
        decide(
            self.session,
            op_id=held[0],
            supervisor=self.supervisor.user,
            accept=accept,
            clock=self.clock,
        )
        self.session.commit()
        if accept:
            self.accepted.add(held[0])

    # --- Invariants -------------------------------------------------------------------

    def _dump(self) -> str:
        out = []
        for table in ("record", "sync_op", "conflict", "held_op"):
            out += [list(r) for r in self.session.execute(text(f"SELECT * FROM {table}"))]
        self.session.commit()
        return json.dumps(out, default=str, ensure_ascii=False)

    @invariant()
    def nothing_of_an_erased_person_remains(self) -> None:
        if not hasattr(self, "session") or not self.erased:
            return
        dump = self._dump()
        for person in self.erased:
            assert not [s for s in self.secrets.get(person, ()) if s in dump], person

    @invariant()
    def acknowledged_ops_are_on_the_server(self) -> None:
        if not hasattr(self, "session") or not self.acked:
            return
        ledger = {
            op_id: outcome
            for op_id, outcome in self.session.execute(text("SELECT op_id, outcome FROM sync_op"))
        }
        held = {h for (h,) in self.session.execute(text("SELECT op_id FROM held_op")).all()}
        self.session.commit()
        for op_id in self.acked:
            assert ledger.get(op_id, "held" if op_id in held else None) not in (None, "rejected")

    @invariant()
    def a_revoked_phone_s_late_ops_never_apply_unreviewed(self) -> None:
        if not hasattr(self, "session") or not self.revoked_at:
            return
        entries = self.session.exec(select(SyncOp)).all()
        self.session.commit()
        for entry in entries:
            at = self.revoked_at.get(entry.device_id)
            received = entry.received_at.replace(tzinfo=entry.received_at.tzinfo or dt.UTC)
            late = at is not None and received > at.replace(tzinfo=at.tzinfo or dt.UTC)
            if late and entry.outcome != "rejected":
                assert entry.op_id in self.accepted, entry


@contextmanager
def _sqlite_file() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'relais.sqlite3'}"


@contextmanager
def _pg_copy(admin: Engine, template: str) -> Iterator[str]:
    """A database copied from the migrated template (much faster than migrating)."""
    name = f"relais_machine_{token.token_hex(6)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=16,
        # No shrinking: each example builds a database, and a failure's steps are
        # printed as they ran.
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


class OnSqlite(SyncProtocol):
    database = staticmethod(_sqlite_file)


def test_sync_protocol() -> None:
    run_state_machine_as_test(OnSqlite, settings=_settings(30))


@pytest.mark.postgres
def test_sync_protocol_postgres(pg_admin: Engine) -> None:
    with fresh_pg_database(pg_admin) as template_url:
        engine = make_engine(Settings(database_url=template_url))
        migrate(engine)
        engine.dispose()  # a template must have no session open while copied
        template = make_url(template_url).database
        assert template is not None
        copies = staticmethod(lambda: _pg_copy(pg_admin, template))
        on_postgres = type("OnPostgres", (SyncProtocol,), {"database": copies})
        run_state_machine_as_test(on_postgres, settings=_settings(12))
