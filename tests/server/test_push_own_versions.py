"""A device's own earlier pushes count as seen: a phone's outbox goes out in batches.

A phone offline for weeks creates a person, then corrects them: the correction keeps
the `base_version` of before the creation (none). When the two ops land in two
pushes, the server reads the earlier push's versions from the ledger; a change by
another mediator in between is still a conflict. Both push paths (the bulk path and
the op-by-op fallback), both databases.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from domain.hlc import wall_ms
from sync_server.models import Conflict, Record
from tests.factories import hlc_at, op, person_values, push
from tests.server.conftest import World

T0 = wall_ms() - 3_600_000  # an hour ago: no stamp ahead of the server's clock


def _conflicts(session: Session, row_id: str) -> list[tuple[str, str | None]]:
    session.expire_all()
    found = session.exec(select(Conflict).where(Conflict.row_id == row_id)).all()
    return sorted((c.kind, c.field) for c in found)


def _data(session: Session, row_id: str) -> dict[str, Any]:
    session.expire_all()
    row = session.get(Record, row_id)
    assert row is not None
    return dict(row.data)


def _created_by_amina_then_renamed_by_karim(
    session: Session, world: World, first_name: str
) -> tuple[str, int | None]:
    """A person Amina created, whose first name Karim then changed after syncing;
    returns the person's id and the version of Karim's change."""
    person = op("person", person_values(), hlc=hlc_at(T0))
    [created] = push(session, login=world.amina, ops=[person])
    karim = op("person", {"first_name": first_name}, row_id=person["row_id"],
               hlc=hlc_at(T0 + 5), base_version=created.version)  # fmt: skip
    [by_karim] = push(session, login=world.karim, ops=[karim])
    return person["row_id"], by_karim.version


def test_corrections_sent_in_later_pushes_are_no_conflict(
    session: Session, world: World, push_path: str
) -> None:
    person = op("person", person_values(), hlc=hlc_at(T0))
    pid = person["row_id"]
    push(session, login=world.amina, ops=[person])
    # Queued before the first push was answered: base_version is still None.
    first = op("person", {"first_name": "Aïssata"}, row_id=pid, hlc=hlc_at(T0 + 1))
    [fixed] = push(session, login=world.amina, ops=[first])
    again = op("person", {"last_name": "Ndiaye", "phone": "06 12 34 56 78"}, row_id=pid,
               hlc=hlc_at(T0 + 2))  # fmt: skip
    [fixed_again] = push(session, login=world.amina, ops=[again])
    assert (fixed.outcome, fixed_again.outcome) == ("applied", "applied")
    assert _conflicts(session, pid) == []
    assert _data(session, pid) == {
        "first_name": "Aïssata",
        "last_name": "Ndiaye",
        "phone": "06 12 34 56 78",
    }


def test_another_mediators_change_between_the_pushes_is_still_a_conflict(
    session: Session, world: World, push_path: str
) -> None:
    pid, _ = _created_by_amina_then_renamed_by_karim(session, world, "Aïcha-Karim")
    # Amina never saw Karim's change: same field, hard conflict; other field, soft.
    same_field = op("person", {"first_name": "Aïssata"}, row_id=pid, hlc=hlc_at(T0 + 1))
    other_field = op("person", {"phone": "06 12 34 56 78"}, row_id=pid, hlc=hlc_at(T0 + 2))
    [clash, merged] = push(session, login=world.amina, ops=[same_field, other_field])
    assert (clash.outcome, merged.outcome) == ("conflict", "applied")
    assert _conflicts(session, pid) == [("hard", "first_name"), ("soft", "phone")]


def test_a_version_another_mediator_produced_is_not_made_ones_own_by_agreeing_with_it(
    session: Session, world: World, push_path: str
) -> None:
    # Amina's op that sets the value Karim had already set changes nothing: the ledger
    # records it at Karim's version. Amina still never saw that version.
    pid, by_karim = _created_by_amina_then_renamed_by_karim(session, world, "Awa")
    same = op("person", {"first_name": "Awa"}, row_id=pid, hlc=hlc_at(T0 + 1))
    [agreed] = push(session, login=world.amina, ops=[same])
    # Nothing to decide, only logged: the row had moved on since Amina's base.
    assert agreed.version == by_karim
    assert _conflicts(session, pid) == [("soft", "first_name")]
    later = op("person", {"first_name": "Aïssata"}, row_id=pid, hlc=hlc_at(T0 + 6))
    [clash] = push(session, login=world.amina, ops=[later])
    assert clash.outcome == "conflict"
    assert _conflicts(session, pid) == [("hard", "first_name"), ("soft", "first_name")]
