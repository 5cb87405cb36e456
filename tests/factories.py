"""Test data factories shared by the test suites (server, sync scenarios...).

Rows are written through the real persistence functions so tests exercise the
same paths as production; each factory commits so other connections see it.
The server's modules are imported where a server factory needs them: the phone's
tests import this file in an environment with the phone's packages only
(tests/app/test_phone_packages.py).
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.config import AppConfig
from app.field.state.field_state import FieldState
from app.store import DeviceSession, LocalStore
from app.store.crypto import KdfParams
from domain.hlc import Hlc, HlcClock, wall_ms
from domain.ids import uuid7
from domain.sync import Op, OpResult
from domain.vocabulary import Role

if TYPE_CHECKING:
    from sqlmodel import Session

    from sync_server.models import AppUser, Cite, Device, Partner

PASSWORD = "mot-de-passe-test"
_seq = itertools.count(1)


@functools.cache
def _password_hash(password: str) -> str:
    from sync_server.core.security import hash_password

    # argon2 is deliberately slow: hash each test password once per run.
    return hash_password(password)


def make_cite(session: Session, *, name: str = "Cité de test", qpvs: int = 1) -> Cite:
    from sync_server.models import Cite, Qpv

    cite = Cite(name=name, communes=["Creil"])
    session.add(cite)
    session.flush()
    base = next(_seq) % 10_000
    for i in range(qpvs):
        session.add(Qpv(code=f"QN99{base:04d}{i}", name=f"Quartier {i}", cite_id=cite.id))
    session.commit()
    return cite


def make_partner(session: Session, *, cite: Cite, name: str = "France Travail") -> Partner:
    from sync_server.models import Partner

    partner = Partner(cite_id=cite.id, name=name, type="france_travail", themes=["emploi"])
    session.add(partner)
    session.commit()
    return partner


def make_user(
    session: Session,
    *,
    cite: Cite,
    role: Role | str = Role.MEDIATOR,
    username: str | None = None,
    display_name: str | None = None,
    password: str = PASSWORD,
    active: bool = True,
) -> AppUser:
    from sync_server.models import AppUser

    n = next(_seq)
    user = AppUser(
        username=username or f"user{n}",
        display_name=display_name or f"Utilisateur {n}",
        role=str(role),
        cite_id=cite.id,
        password_hash=_password_hash(password),
        active=active,
    )
    session.add(user)
    session.commit()
    return user


@dataclass
class DeviceLogin:
    user: AppUser
    device: Device
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_device(session: Session, *, user: AppUser, name: str = "téléphone") -> DeviceLogin:
    from sync_server.crud.users import enrol_device

    device, token = enrol_device(session, user=user, name=name)
    session.commit()
    return DeviceLogin(user=user, device=device, token=token)


def hlc_at(ms: int | None = None, *, node: str = "dev-a", counter: int = 0) -> str:
    return Hlc(wall_ms() if ms is None else ms, counter, node).encode()


def op(
    entity: str,
    values: dict[str, Any],
    *,
    row_id: str | None = None,
    hlc: str | None = None,
    base_version: int | None = None,
    op_id: str | None = None,
) -> dict[str, Any]:
    """One op as a client sends it (JSON-ready)."""
    return {
        "op_id": op_id or uuid7(),
        "device_seq": next(_seq),
        "entity": entity,
        "row_id": row_id or uuid7(),
        "hlc": hlc or hlc_at(),
        "base_version": base_version,
        "set": values,
    }


def person_values(**extra: Any) -> dict[str, Any]:
    return {"first_name": "Aïcha", "last_name": "N'Diaye", **extra}


def contact_values(mediator_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "mediator_id": mediator_id,
        "occurred_at": "2025-03-14T10:30:00+01:00",
        "channel": "foot_of_building",
        **extra,
    }


def push(
    session: Session,
    *,
    login: DeviceLogin,
    ops: list[dict[str, Any]],
    clock: HlcClock | None = None,
) -> list[OpResult]:
    """Apply ops directly through the persistence layer (no HTTP) and commit."""
    from sync_server.sync.push import push_ops

    results = push_ops(
        session,
        user=login.user,
        device=login.device,
        ops=[Op.model_validate(o) for o in ops],
        clock=clock or HlcClock(node="test-server"),
    )
    session.commit()
    return results


def make_record(
    session: Session, *, login: DeviceLogin, entity: str, values: dict[str, Any]
) -> tuple[str, int]:
    """Create one synced row; returns (row id, version)."""
    the_op = op(entity, values)
    [result] = push(session, login=login, ops=[the_op])
    assert result.outcome == "applied", result
    assert result.version is not None
    return the_op["row_id"], result.version


# ---------------------------------------------------------------------------------------
# Local store (phone side): names prefixed `make_local_`.
# ---------------------------------------------------------------------------------------

LOCAL_MEDIATOR_ID = "01900000-0000-7000-8000-000000000001"


def make_local_store(tmp_path: Path, name: str = "relais.sqlite3") -> LocalStore:
    return LocalStore(tmp_path / name)


def make_local_person(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"first_name": "Aïcha", "last_name": "Benali", "gender": "f"}
    values.update(overrides)
    return values


def make_local_contact(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "occurred_at": "2025-03-14T10:30:00+01:00",
        "channel": "foot_of_building",
        "mediator_id": LOCAL_MEDIATOR_ID,
    }
    values.update(overrides)
    return values


def make_local_session(server_url: str = "http://relais.test") -> DeviceSession:
    return DeviceSession(
        server_url=server_url,
        token="token-abc",
        device_id="01900000-0000-7000-8000-0000000000d1",
        user={
            "id": LOCAL_MEDIATOR_ID,
            "username": "nadia",
            "display_name": "Nadia M.",
            "role": "mediator",
            "cite_id": "01900000-0000-7000-8000-0000000000c1",
        },
    )


# ---------------------------------------------------------------------------------------
# Security and privacy (serversec): a person with contacts, orientation and relance.
# ---------------------------------------------------------------------------------------


def make_followed_person(
    session: Session,
    *,
    login: DeviceLogin,
    partner_id: str,
    first_name: str = "Zéphyrine",
    last_name: str = "Quatrebarbes",
    occurred_at: str = "2025-03-14T10:30:00+01:00",
) -> dict[str, str]:
    """A person with a contact (with a note), an orientation and a relance;
    returns the row ids by entity."""
    person_id, _ = make_record(
        session,
        login=login,
        entity="person",
        values=person_values(
            first_name=first_name,
            last_name=last_name,
            birth_date="1990-06-02",
            phone="06 12 34 56 78",
            gender="f",
            qpv_code="QN0600001",
        ),
    )
    contact_id, _ = make_record(
        session,
        login=login,
        entity="contact",
        values=contact_values(
            login.user.id,
            person_id=person_id,
            occurred_at=occurred_at,
            note=f"{first_name} cherche un CAP cuisine",
            need="emploi",
        ),
    )
    orientation_id, _ = make_record(
        session,
        login=login,
        entity="orientation",
        values={
            "person_id": person_id,
            "partner_id": partner_id,
            "date": occurred_at[:10],
            "status": "proposed",
            "reason": f"inscription de {first_name}",
        },
    )
    followup_id, _ = make_record(
        session,
        login=login,
        entity="followup",
        values={"person_id": person_id, "due_date": "2025-04-01", "what": f"rappeler {first_name}"},
    )
    return {
        "person": person_id,
        "contact": contact_id,
        "orientation": orientation_id,
        "followup": followup_id,
    }


# Phone security (encryption at rest): names prefixed `make_locked_`.
# ---------------------------------------------------------------------------------------

# Cheap Argon2id for tests; the app uses `crypto.PHONE_KDF` (64 MiB, t=3).
FAST_KDF = KdfParams(memory_kib=1024, time_cost=1)
TEST_PIN = "246810"


def make_locked_store(tmp_path: Path, name: str = "relais.sqlite3") -> LocalStore:
    """A store with a PIN set (and unlocked), the way the app leaves it after setup."""
    store = LocalStore(tmp_path / name)
    store.setup_pin(TEST_PIN, FAST_KDF)
    return store


def make_field_state(
    tmp_path: Path, name: str = "relais.sqlite3", *, user_id: str | None = None
) -> FieldState:
    """The field app's state on a real store file, signed in (as `user_id`, default the
    local mediator) and unlocked past the PIN setup, as a mediator finds the app."""
    store = make_locked_store(tmp_path, name)
    session = make_local_session()
    if user_id is not None:
        session = replace(session, user={**session.user, "id": user_id})
    store.save_session(session)
    config = AppConfig(server_url=session.server_url, db_path=tmp_path / "x", mode="field")
    state = FieldState(config=config, store=store)
    state._load_unlocked()
    return state


# Supervisor console (review, conflicts, duplicates): names prefixed `make_review_`.
# ---------------------------------------------------------------------------------------


def make_review_supervisor(session: Session, *, cite_id: str, username: str) -> DeviceLogin:
    """A supervisor with a console device in the cité `cite_id`."""
    from sync_server.models import Cite

    cite = session.get(Cite, cite_id)
    assert cite is not None
    user = make_user(session, cite=cite, role=Role.SUPERVISOR, username=username)
    return make_device(session, user=user, name="console")


def make_review_conflict(
    session: Session,
    *,
    first: DeviceLogin,
    second: DeviceLogin,
    entity: str,
    row_id: str,
    base_version: int,
    values: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """Two devices edit the same field from the same base version: a hard conflict.

    The second op carries the later HLC, so its value is the one stored.
    """
    now = wall_ms()
    for login, vals, delta in ((first, values[0], 0), (second, values[1], 5)):
        the_op = op(
            entity,
            vals,
            row_id=row_id,
            base_version=base_version,
            hlc=hlc_at(now + delta, node=login.device.id[-8:]),
        )
        push(session, login=login, ops=[the_op])
