"""The push fast path: a batch validated in one pass skips `normalise_fields` op by op;
a batch with one bad op falls back, and that op alone is rejected, as before."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from domain.entities import normalise_fields
from domain.sync import Op, PushRequest
from domain.vocabulary import Role
from sync_server.api.body import decode_push_body, readable_errors
from sync_server.models import Record, SyncOp
from sync_server.sync import checks as push_rules
from sync_server.sync import push as push_module
from tests.factories import contact_values, op, person_values
from tests.server.conftest import World


@pytest.fixture
def normalised_sets(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The sets `push_ops` normalises itself (the fast path leaves it none)."""
    seen: list[dict[str, Any]] = []

    def spy(entity: str, values: dict[str, Any]) -> dict[str, Any]:
        seen.append(values)
        return normalise_fields(entity, values)

    monkeypatch.setattr(push_rules, "normalise_fields", spy)
    return seen


def batch(world: World) -> list[dict[str, Any]]:
    """Valid ops of every entity, with values the validation rewrites."""
    person = op(
        "person",
        person_values(
            first_name="  Aïcha ",
            birth_date="1998-04-12",
            declared_age="27",
            gender="f",
            freins=["mobility"],
        ),
    )
    event = op(
        "event",
        {
            "type": "forum",
            "starts_at": "2025-03-14T09:00:00.5-05:30",
            "place": " Salle des fêtes ",
            "partner_ids": [world.partner_id],
        },
    )
    contact = op(
        "contact",
        contact_values(
            world.amina.user.id,
            person_id=person["row_id"],
            event_id=event["row_id"],
            note=" rappeler ",
            occurred_at="2025-03-14T10:30Z",
            need=None,
        ),
    )
    return [person, event, contact,
            op("orientation", {"person_id": person["row_id"], "partner_id": world.partner_id,
                               "date": "2025-03-14", "status": "proposed", "theme": " emploi "}),
            op("followup", {"person_id": person["row_id"], "due_date": "2025-04-01",
                            "what": " rappeler ", "done": 0}),
            op("contact", {"deleted": True}, row_id=contact["row_id"])]  # fmt: skip


def post(client: TestClient, world: World, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    res = client.post("/sync/push", json={"ops": ops}, headers=world.amina.headers)
    assert res.status_code == 200, res.text
    results: list[dict[str, Any]] = res.json()["results"]
    return results


def stored(session: Session, ops: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    session.expire_all()
    ids = [o["row_id"] for o in ops]
    return {r.id: r.data for r in session.exec(select(Record).where(col(Record.id).in_(ids)))}


def test_a_valid_batch_is_applied_without_normalising_op_by_op(
    client: TestClient, session: Session, world: World, normalised_sets: list[dict[str, Any]]
) -> None:
    ops = batch(world)
    body = json.dumps({"ops": ops}).encode()
    assert decode_push_body(body, "", len(body)).normalised
    results = post(client, world, ops)
    assert [r["outcome"] for r in results] == ["applied"] * len(ops)
    assert normalised_sets == []
    # Stored as the op-by-op path stores it: each set in its canonical form.
    rows = stored(session, ops)
    for o in ops[:-1]:
        expected = normalise_fields(o["entity"], o["set"])
        assert {k: rows[o["row_id"]][k] for k in expected} == expected
    assert rows[ops[0]["row_id"]]["first_name"] == "Aïcha"
    assert rows[ops[2]["row_id"]]["deleted"] is True
    # The ledger keeps the set as it was applied: normalised.
    ledger = {e.op_id: e.set_values for e in session.exec(select(SyncOp))}
    assert ledger[ops[0]["op_id"]]["first_name"] == "Aïcha"
    assert ledger[ops[1]["op_id"]]["starts_at"] == "2025-03-14T09:00:00.500000-05:30"


@pytest.mark.parametrize(
    ("bad", "one_pass"),
    [
        pytest.param({"first_name": "Karim", "shoe_size": 44}, False, id="unknown-field"),
        pytest.param({"gender": "x"}, False, id="bad-enum"),
        pytest.param({"merged_into": "pas-un-uuid"}, False, id="bad-uuid"),
        # Valid fields: the batch takes the fast path, and `validate_op` still refuses.
        pytest.param({}, True, id="empty-set"),
        pytest.param({"review_state": "validated"}, True, id="supervisor-only"),
    ],
)
def test_one_bad_op_is_rejected_alone_with_the_reason_of_the_op_by_op_path(
    client: TestClient,
    session: Session,
    world: World,
    normalised_sets: list[dict[str, Any]],
    bad: dict[str, Any],
    one_pass: bool,
) -> None:
    wrong = op("contact" if "review_state" in bad else "person", bad)
    with pytest.raises(push_module.OpRejected) as before:  # the reason without the fast path
        push_rules.validate_op(Op.model_validate(wrong), Role.MEDIATOR)
    normalised_sets.clear()
    ops = batch(world)
    ops.insert(2, wrong)
    results = post(client, world, ops)
    assert [r["outcome"] for r in results] == ["applied"] * 2 + ["rejected"] + ["applied"] * 4
    assert results[2]["reason"] == str(before.value)
    assert len(normalised_sets) == (0 if one_pass else len(ops))
    assert set(stored(session, ops)) == {o["row_id"] for o in ops if o is not wrong}
    [entry] = session.exec(select(SyncOp).where(SyncOp.op_id == wrong["op_id"])).all()
    assert entry.outcome == "rejected" and entry.set_values == bad


def _db_error(*_args: Any, **_kwargs: Any) -> Any:
    raise OperationalError("INSERT ...", {}, Exception("relation is gone"))


def test_the_op_by_op_replay_normalises_again_to_the_same_rows(
    client: TestClient, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast_ops, slow_ops = batch(world), batch(world)  # the same values, other ids
    for ops in (fast_ops, slow_ops):
        ops.insert(1, op("person", {}))
    fast = post(client, world, fast_ops)
    monkeypatch.setattr(push_module, "push_bulk", _db_error)  # forces the op-by-op replay
    slow = post(client, world, slow_ops)
    assert [(r["outcome"], r["reason"]) for r in slow] == [
        (r["outcome"], r["reason"]) for r in fast
    ]
    assert fast[1]["reason"] == "opération vide : aucun champ à écrire"
    ids = {a["row_id"]: b["row_id"] for a, b in zip(fast_ops, slow_ops, strict=True)}
    first, second = stored(session, fast_ops), stored(session, slow_ops)
    assert second == {
        ids[row_id]: {k: ids.get(v, v) if isinstance(v, str) else v for k, v in data.items()}
        for row_id, data in first.items()
    }


def test_bad_envelopes_get_the_same_answers(client: TestClient, world: World) -> None:
    valid = op("person", person_values())
    # Too old is said before the body is judged, valid or not.
    for ops in ([valid], [{**valid, "set": {"shoe_size": 44}}], [{"op_id": "x"}]):
        old = {"protocol": 1, "schema_version": 0, "ops": ops}
        res = client.post("/sync/push", json=old, headers=world.amina.headers)
        assert res.status_code == 426 and res.json()["min_schema_version"] == 1
    bodies: list[dict[str, Any]] = [
        {"ops": [{"op_id": "x"}]},
        {"ops": [valid, {**valid, "entity": "planet"}]},
        {"ops": [{**valid, "device_seq": -1, "set": {"shoe_size": 44}}]},
        {"ops": [valid] * 501},
    ]
    for body in bodies:
        res = client.post("/sync/push", json=body, headers=world.amina.headers)
        with pytest.raises(ValidationError) as exc:
            PushRequest.model_validate(body)
        assert res.status_code == 422 and res.json()["detail"] == readable_errors(exc.value)
