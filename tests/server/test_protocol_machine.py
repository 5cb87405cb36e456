"""A stateful property test of the sync protocol (Hypothesis `RuleBasedStateMachine`).

Phones log persons and contacts offline, push (answers sometimes lost), pull; a
supervisor erases persons and decides a revoked phone's held ops; an admin revokes
phones. After every step:
- no value ever written on an erased person is anywhere on the server (rows,
  ledger, conflicts, held ops) nor on a phone that synced since;
- every op a phone had acknowledged is reflected on the server or was refused;
- an op a revoked phone sent after its revocation never applied unless accepted.

Driven through the persistence layer the routes call (not HTTP) on a real SQLite
file, kept small (a handful of short runs): its whole cost is a few seconds.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from sqlalchemy import text
from sqlmodel import Session, select

from domain.hlc import HlcClock
from domain.sync import Op
from domain.vocabulary import Role
from sync_server.core.db import make_engine, migrate
from sync_server.core.settings import Settings
from sync_server.crud.rights import erase_person, find_person
from sync_server.crud.users import revoke_device
from sync_server.models import Device, SyncOp
from sync_server.sync.held_ops import decide, hold_late_ops
from sync_server.sync.pull import pull_page
from sync_server.sync.push import ERASED_REASON, push_ops, split_before_revocation
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

_secret = itertools.count()


class Phone:
    def __init__(self, login: DeviceLogin) -> None:
        self.login = login
        self.outbox: list[dict[str, Any]] = []
        self.rows: dict[str, dict[str, Any]] = {}  # row id -> data, as pulled or edited
        self.versions: dict[str, int] = {}
        self.revoked = False
        self.wiped = False


class SyncProtocol(RuleBasedStateMachine):
    persons = Bundle("persons")

    def __init__(self) -> None:
        super().__init__()
        self._start()

    def _start(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{Path(self.tmp.name) / 'relais.sqlite3'}"
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
    def seed(self) -> str:
        """A person both phones hold, as after a first sync of the day."""
        person = self._new_person(0)
        self.push(phone=0, lose_reply=False)
        for phone in (0, 1):
            self.pull(phone)
        return person

    def teardown(self) -> None:
        if hasattr(self, "session"):
            self.session.close()
            self.engine.dispose()
            self.tmp.cleanup()

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
            if result.reason == ERASED_REASON:
                p.rows.pop(sent.row_id, None)
        p.outbox = []  # acked ops leave; refused ones are withdrawn by the mediator
        if device.revoked_at is not None:
            p.rows, p.wiped = {}, True

    @rule(phone=st.sampled_from([0, 1]))
    def pull(self, phone: int) -> None:
        p = self.phones[phone]
        if p.wiped or p.outbox:
            return  # a sync pushes first
        page = pull_page(self.session, cite_id=self.cite_id, cursor=None, limit=2000)
        self.session.commit()
        p.rows = {}
        for _entity, row_id, version, deleted, data in page.rows:
            if not deleted:
                p.rows[row_id] = json.loads(data)
                p.versions[row_id] = version
        for person in self.erased:  # a phone that synced holds nothing of an erased person
            dump = json.dumps(p.rows)
            assert not [s for s in self.secrets.get(person, ()) if s in dump]

    # --- Supervisor and admin ---------------------------------------------------------

    @rule(person=persons)
    def erase(self, person: str) -> None:
        row = find_person(self.session, person_id=person, cite_id=self.cite_id)
        if row is None or person in self.erased:
            return
        erase_person(self.session, person=row, clock=self.clock)
        self.session.commit()
        self.erased.add(person)

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


SyncProtocol.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=16,
    # No shrinking: each example builds a database, and a failure's steps are
    # printed as they ran.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
test_sync_protocol = SyncProtocol.TestCase
