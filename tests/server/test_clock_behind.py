"""An edit made after seeing a value, by a phone whose clock runs behind that value's
stamp (a colleague's phone a few seconds ahead, within the tolerated drift)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from domain.hlc import wall_ms
from sync_server.models import Record
from tests.factories import hlc_at, op, person_values, push
from tests.server.conftest import World


@pytest.mark.xfail(
    strict=True,
    reason="Known defect: pulls carry no server clock, so a phone whose clock is behind "
    "the value it saw stamps its correction earlier; the merge answers « superseded », the "
    "correction is lost and the phone keeps showing it (the row is never served again).",
)
def test_a_correction_made_after_seeing_a_value_applies_whatever_the_clocks(
    session: Session, world: World
) -> None:
    now = wall_ms()
    create = op("person", person_values(), hlc=hlc_at(now - 60_000, node="amina"))
    [created] = push(session, login=world.amina, ops=[create])
    # Amina's phone runs 30 s ahead (tolerated): her edit is stamped in the future.
    ahead = op(
        "person",
        {"phone": "06 11 11 11 11"},
        row_id=create["row_id"],
        base_version=created.version,
        hlc=hlc_at(now + 30_000, node="amina"),
    )
    [edited] = push(session, login=world.amina, ops=[ahead])
    # Karim's phone pulled that version, then corrects the number: its clock is right.
    correction = op(
        "person",
        {"phone": "06 22 22 22 22"},
        row_id=create["row_id"],
        base_version=edited.version,
        hlc=hlc_at(now, node="karim"),
    )
    [answer] = push(session, login=world.karim, ops=[correction])
    session.expire_all()
    row = session.get(Record, create["row_id"])
    assert row is not None
    assert (answer.outcome, row.data["phone"]) == ("applied", "06 22 22 22 22")
