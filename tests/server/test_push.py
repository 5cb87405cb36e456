from __future__ import annotations

import datetime as dt
import gzip
import json
from typing import Any

import pytest
import zstandard
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, func, select

from domain.hlc import wall_ms
from domain.ids import uuid7
from sync_server.models import Conflict, Record, SyncOp
from sync_server.sync import push as push_module
from sync_server.sync import push_one
from tests.factories import DeviceLogin, contact_values, hlc_at, make_record, op, person_values
from tests.server.conftest import World

DAY_MS = 24 * 3600 * 1000


def push(client: TestClient, login: DeviceLogin, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    res = client.post("/sync/push", json={"ops": ops}, headers=login.headers)
    assert res.status_code == 200, res.text
    results: list[dict[str, Any]] = res.json()["results"]
    assert [r["op_id"] for r in results] == [o["op_id"] for o in ops]
    return results


def snapshot(session: Session) -> list[tuple[str, int, dict[str, Any]]]:
    session.expire_all()
    rows = session.exec(select(Record).order_by(Record.id)).all()
    return [(r.id, r.version, r.data) for r in rows]


def test_push_creates_rows_and_replay_is_duplicate(
    client: TestClient, session: Session, world: World
) -> None:
    person = op("person", person_values(birth_date="1998-04-12"))
    contact = op(
        "contact",
        contact_values(world.amina.user.id, person_id=person["row_id"], freins=["french"]),
    )
    first = push(client, world.amina, [person, contact])
    assert [r["outcome"] for r in first] == ["applied", "applied"]
    assert first[0]["version"] < first[1]["version"]
    before = snapshot(session)
    stored = {row_id: data for row_id, _v, data in before}
    assert stored[contact["row_id"]]["review_state"] == "received"
    assert stored[person["row_id"]]["birth_date"] == "1998-04-12"

    again = push(client, world.amina, [person, contact])
    assert [r["outcome"] for r in again] == ["duplicate", "duplicate"]
    assert [r["version"] for r in again] == [r["version"] for r in first]
    assert snapshot(session) == before
    assert session.exec(select(func.count()).select_from(SyncOp)).one() == 2


@pytest.mark.parametrize("persons", [3, 150], ids=["few-rows", "bulk-load"])
def test_small_and_large_batches_store_the_same_rows(
    client: TestClient, session: Session, world: World, persons: int
) -> None:
    # Below COPY_FROM_ROWS the rows go in with INSERTs, above with COPY on PostgreSQL.
    ops = []
    for n in range(persons):
        person = op("person", person_values(first_name=f"Zoé {n}", need="permis, CACES\t1"))
        contact = op("contact", contact_values(world.amina.user.id, person_id=person["row_id"]))
        ops += [person, contact]
    results = push(client, world.amina, ops)
    assert {r["outcome"] for r in results} == {"applied"}
    versions = [r["version"] for r in results]
    assert versions == sorted(versions) and len(set(versions)) == len(ops)
    stored = {row_id: (version, data) for row_id, version, data in snapshot(session)}
    for o, version in zip(ops, versions, strict=True):
        assert stored[o["row_id"]][0] == version
        assert {k: stored[o["row_id"]][1][k] for k in o["set"]} == o["set"]
    ledger = session.exec(select(SyncOp).where(col(SyncOp.op_id).in_([o["op_id"] for o in ops])))
    assert sorted((e.op_id, e.version) for e in ledger) == sorted(
        (o["op_id"], v) for o, v in zip(ops, versions, strict=True)
    )


def test_one_bad_op_is_rejected_alone(client: TestClient, session: Session, world: World) -> None:
    good1 = op("person", person_values())
    unknown_field = op("person", {"first_name": "Karim", "shoe_size": 44})
    bad_enum = op("contact", contact_values(world.amina.user.id, channel="pigeon"))
    missing = op("person", {"last_name": "Sans-Prénom"})
    bad_ref = op("contact", contact_values(world.amina.user.id, person_id=uuid7()))
    bad_hlc = op("person", person_values(), hlc="pas-une-heure")
    good2 = op(
        "orientation",
        {
            "person_id": good1["row_id"],
            "partner_id": world.partner_id,
            "date": "2025-03-14",
            "status": "proposed",
        },
    )
    results = push(
        client, world.amina, [good1, unknown_field, bad_enum, missing, bad_ref, bad_hlc, good2]
    )
    outcomes = [r["outcome"] for r in results]
    assert outcomes == [
        "applied",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "applied",
    ]
    reasons = [r["reason"] for r in results]
    assert "shoe_size" in reasons[1]
    assert "n'est pas une valeur possible pour « Canal »" in reasons[2]  # in French
    assert "champs obligatoires manquants : first_name" in reasons[3]
    assert "référence inconnue" in reasons[4]
    assert "HLC" in reasons[5]
    assert {row_id for row_id, _v, _d in snapshot(session)} == {good1["row_id"], good2["row_id"]}


def test_mediator_may_not_set_review_state_but_supervisor_may(
    client: TestClient, world: World
) -> None:
    contact = op("contact", contact_values(world.amina.user.id))
    [created] = push(client, world.amina, [contact])
    review = {"review_state": "validated"}
    [by_mediator] = push(
        client,
        world.amina,
        [op("contact", review, row_id=contact["row_id"], base_version=created["version"])],
    )
    assert by_mediator["outcome"] == "rejected"
    assert "review_state" in by_mediator["reason"]
    [by_supervisor] = push(
        client,
        world.sophie,
        [op("contact", review, row_id=contact["row_id"], base_version=created["version"])],
    )
    assert by_supervisor["outcome"] == "applied"


def test_a_mediator_s_phone_cannot_merge_persons(
    client: TestClient, session: Session, world: World
) -> None:
    kept, twin = op("person", person_values()), op("person", person_values(first_name="Aïcha"))
    created = push(client, world.amina, [kept, twin])
    merge = {"merged_into": kept["row_id"]}
    [by_mediator] = push(
        client,
        world.amina,
        [op("person", merge, row_id=twin["row_id"], base_version=created[1]["version"])],
    )
    assert by_mediator["outcome"] == "rejected"
    assert by_mediator["reason"] == "champ(s) réservé(s) aux superviseurs : merged_into"
    session.expire_all()
    assert session.get(Record, twin["row_id"]).data.get("merged_into") is None  # type: ignore[union-attr]


def test_rows_of_another_cite_cannot_be_touched(client: TestClient, world: World) -> None:
    person = op("person", person_values())
    push(client, world.amina, [person])
    [res] = push(client, world.other, [op("person", {"first_name": "X"}, row_id=person["row_id"])])
    assert res["outcome"] == "rejected"


def _concurrent_edits(
    client: TestClient, session: Session, world: World, *, later_first: bool
) -> None:
    row_id, version = make_record(
        session, login=world.amina, entity="person", values=person_values()
    )
    now = wall_ms()
    early = op(
        "person",
        {"phone": "06 11 11 11 11"},
        row_id=row_id,
        base_version=version,
        hlc=hlc_at(now, node="dev-amina"),
    )
    late = op(
        "person",
        {"phone": "06 22 22 22 22"},
        row_id=row_id,
        base_version=version,
        hlc=hlc_at(now + 5, node="dev-karim"),
    )
    order = (
        [(world.karim, late), (world.amina, early)]
        if later_first
        else [(world.amina, early), (world.karim, late)]
    )
    first = push(client, order[0][0], [order[0][1]])[0]
    second = push(client, order[1][0], [order[1][1]])[0]
    assert first["outcome"] == "applied"
    assert second["outcome"] == "conflict"
    session.expire_all()
    assert session.get(Record, row_id).data["phone"] == "06 22 22 22 22"  # type: ignore[union-attr]
    [conflict] = session.exec(select(Conflict).where(Conflict.kind == "hard")).all()
    assert conflict.field == "phone"
    assert {conflict.server_value, conflict.incoming_value} == {"06 11 11 11 11", "06 22 22 22 22"}
    assert conflict.incoming_won is (not later_first)
    res = client.get("/console/conflicts", headers=world.sophie.headers)
    assert [c["row_id"] for c in res.json()] == [row_id]


def test_concurrent_edit_is_a_hard_conflict_later_hlc_wins(
    client: TestClient, session: Session, world: World
) -> None:
    _concurrent_edits(client, session, world, later_first=False)


def test_concurrent_edit_result_does_not_depend_on_arrival_order(
    client: TestClient, session: Session, world: World
) -> None:
    _concurrent_edits(client, session, world, later_first=True)


def test_disjoint_fields_merge_softly(client: TestClient, session: Session, world: World) -> None:
    row_id, version = make_record(
        session, login=world.amina, entity="person", values=person_values()
    )
    a = op("person", {"phone": "06 11 11 11 11"}, row_id=row_id, base_version=version)
    b = op("person", {"commune": "Montataire"}, row_id=row_id, base_version=version)
    assert push(client, world.amina, [a])[0]["outcome"] == "applied"
    assert push(client, world.karim, [b])[0]["outcome"] == "applied"
    session.expire_all()
    data = session.get(Record, row_id).data  # type: ignore[union-attr]
    assert data["phone"] == "06 11 11 11 11" and data["commune"] == "Montataire"
    kinds = session.exec(select(Conflict.kind)).all()
    assert kinds == ["soft"]


def test_clock_far_ahead_is_flagged_and_loses_to_a_later_edit(
    client: TestClient, session: Session, world: World
) -> None:
    row_id, version = make_record(
        session, login=world.amina, entity="person", values=person_values()
    )
    future = op(
        "person",
        {"commune": "Futur"},
        row_id=row_id,
        base_version=version,
        hlc=hlc_at(wall_ms() + DAY_MS, node="dev-broken"),
    )
    [flagged] = push(client, world.amina, [future])
    assert flagged["clock_flagged"] is True and flagged["outcome"] == "applied"
    later = op(
        "person",
        {"commune": "Creil"},
        row_id=row_id,
        base_version=flagged["version"],
        hlc=hlc_at(wall_ms() + 10, node="dev-ok"),
    )
    [normal] = push(client, world.karim, [later])
    assert normal["outcome"] == "applied" and normal["clock_flagged"] is False
    session.expire_all()
    assert session.get(Record, row_id).data["commune"] == "Creil"  # type: ignore[union-attr]
    ledger = session.get(SyncOp, future["op_id"])
    assert ledger is not None and ledger.clock_flagged and ledger.hlc == future["hlc"]


def test_delete_is_a_tombstone_field(client: TestClient, session: Session, world: World) -> None:
    row_id, version = make_record(
        session, login=world.amina, entity="person", values=person_values()
    )
    [res] = push(
        client, world.amina, [op("person", {"deleted": True}, row_id=row_id, base_version=version)]
    )
    assert res["outcome"] == "applied"
    session.expire_all()
    assert session.get(Record, row_id).deleted is True  # type: ignore[union-attr]


def test_compressed_push_zstd_and_gzip(client: TestClient, world: World) -> None:
    for encoding, compress in (
        ("zstd", zstandard.ZstdCompressor().compress),
        ("gzip", gzip.compress),
    ):
        body = json.dumps(
            {"protocol": 1, "schema_version": 1, "ops": [op("person", person_values())]}
        )
        res = client.post(
            "/sync/push",
            content=compress(body.encode()),
            headers={
                **world.amina.headers,
                "Content-Encoding": encoding,
                "Content-Type": "application/json",
            },
        )
        assert res.status_code == 200, res.text
        assert res.json()["results"][0]["outcome"] == "applied"


def test_oversized_bodies_are_413(client: TestClient, world: World) -> None:
    limit = client.app.state.settings.max_body_bytes  # type: ignore[attr-defined]
    raw = b"{" + b" " * limit + b"}"
    res = client.post("/sync/push", content=raw, headers=world.amina.headers)
    assert res.status_code == 413
    assert "trop volumineuse" in res.json()["detail"]
    bomb = zstandard.ZstdCompressor().compress(raw)
    assert len(bomb) < limit
    res = client.post(
        "/sync/push", content=bomb, headers={**world.amina.headers, "Content-Encoding": "zstd"}
    )
    assert res.status_code == 413
    assert "décompressé" in res.json()["detail"]


def test_invalid_body_is_422_with_a_readable_detail(client: TestClient, world: World) -> None:
    res = client.post("/sync/push", content=b"{not json", headers=world.amina.headers)
    assert res.status_code == 422 and "JSON" in res.json()["detail"]
    res = client.post("/sync/push", json={"ops": [{"op_id": "x"}]}, headers=world.amina.headers)
    assert res.status_code == 422
    assert isinstance(res.json()["detail"], str) and "ops.0" in res.json()["detail"]
    too_many = [op("person", person_values()) for _ in range(501)]
    res = client.post("/sync/push", json={"ops": too_many}, headers=world.amina.headers)
    assert res.status_code == 422


def test_json_beyond_64_bit_integers_is_read_and_judged_per_op(
    client: TestClient, world: World
) -> None:
    # JSON allows any integer: the body is read, the bad op alone is rejected.
    huge = op("person", person_values(first_name=2**70))
    fine = op("person", person_values())
    body = json.dumps({"ops": [huge, fine]}).encode()
    res = client.post("/sync/push", content=body, headers=world.amina.headers)
    assert res.status_code == 200
    outcomes = [r["outcome"] for r in res.json()["results"]]
    assert outcomes == ["rejected", "applied"]
    assert "first_name" in res.json()["results"][0]["reason"]
    too_far = json.dumps({"ops": [{**fine, "device_seq": 2**70}]}).encode()
    res = client.post("/sync/push", content=too_far, headers=world.amina.headers)
    assert res.status_code == 422 and "device_seq" in res.json()["detail"]


def test_old_schema_version_is_426(client: TestClient, world: World) -> None:
    res = client.post(
        "/sync/push",
        json={"protocol": 1, "schema_version": 0, "ops": []},
        headers=world.amina.headers,
    )
    assert res.status_code == 426
    assert res.json()["min_schema_version"] == 1
    assert "mettez l'application à jour" in res.json()["detail"]
    res = client.get("/sync/pull", headers={**world.amina.headers, "X-Relais-Schema-Version": "0"})
    assert res.status_code == 426 and res.json()["min_schema_version"] == 1


def test_created_at_is_set(session: Session, world: World) -> None:
    row_id, _ = make_record(session, login=world.amina, entity="person", values=person_values())
    row = session.get(Record, row_id)
    assert row is not None and isinstance(row.created_at, dt.datetime)
    assert row.cite_id == world.cite_id and row.person_id == row_id


def _busy(*_args: Any, **_kwargs: Any) -> Any:
    raise OperationalError("UPDATE record ...", {}, Exception("deadlock detected"))


def test_busy_database_answers_503_and_keeps_nothing(
    client: TestClient, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ops = [op("person", person_values()), op("person", person_values(first_name="Karim"))]
    monkeypatch.setattr(push_module, "push_bulk", _busy)  # forces the op-by-op path...
    monkeypatch.setattr(push_one, "_apply", _busy)  # ...where the database is busy too
    res = client.post("/sync/push", json={"ops": ops}, headers=world.amina.headers)
    assert res.status_code == 503
    assert "réessayez" in res.json()["detail"] and res.headers["Retry-After"] == "5"
    session.expire_all()
    assert session.exec(select(func.count()).select_from(SyncOp)).one() == 0
    assert snapshot(session) == []

    monkeypatch.undo()  # the database is free again: the same batch applies, once
    assert [r["outcome"] for r in push(client, world.amina, ops)] == ["applied", "applied"]


def test_a_unique_violation_is_retried_once_then_applies(
    client: TestClient, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = op("person", person_values())
    real_apply = push_one._apply
    calls: list[str] = []

    def racing_apply(session: Session, **kwargs: Any) -> Any:
        # The first try collides with a concurrent insert (as PostgreSQL reports it).
        calls.append(kwargs["op"].op_id)
        if len(calls) == 1:
            raise IntegrityError("INSERT INTO record ...", {}, Exception("unique violation"))
        return real_apply(session, **kwargs)

    monkeypatch.setattr(push_module, "push_bulk", _busy)
    monkeypatch.setattr(push_one, "_apply", racing_apply)
    [result] = push(client, world.amina, [person])
    assert result["outcome"] == "applied"
    assert calls == [person["op_id"], person["op_id"]]
    assert session.exec(select(func.count()).select_from(SyncOp)).one() == 1


def test_a_mediator_becomes_referent_herself_a_supervisor_names_a_colleague(
    client: TestClient, session: Session, world: World
) -> None:
    person = op("person", person_values())
    [created] = push(client, world.amina, [person])
    row_id = person["row_id"]
    colleague = world.karim.user.id
    [naming_other] = push(
        client,
        world.amina,
        [op("person", {"referent_id": colleague}, row_id=row_id, base_version=1)],
    )
    assert naming_other["outcome"] == "rejected"
    assert naming_other["reason"] == (
        "un médiateur ne peut nommer que lui-même référent ; un superviseur nomme un collègue"
    )
    session.expire_all()
    assert "referent_id" not in session.get(Record, row_id).data  # type: ignore[union-attr]
    [herself] = push(
        client,
        world.amina,
        [op("person", {"referent_id": world.amina.user.id}, row_id=row_id, base_version=1)],
    )
    assert herself["outcome"] == "applied"
    [by_supervisor] = push(
        client,
        world.sophie,
        [op("person", {"referent_id": colleague}, row_id=row_id, base_version=herself["version"])],
    )
    assert by_supervisor["outcome"] == "applied"
    session.rollback()  # end the read above: see what the pushes committed since
    assert session.get(Record, row_id).data["referent_id"] == colleague  # type: ignore[union-attr]
    assert created["outcome"] == "applied"


def test_an_orientation_outcome_without_an_orientation_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    outcome = op("orientation", {"outcome": "employment", "feedback_date": "2026-03-03"})
    [refused] = push(client, world.amina, [outcome])
    assert refused["outcome"] == "rejected"
    assert refused["reason"].startswith("champs obligatoires manquants")
    session.rollback()
    assert session.get(Record, outcome["row_id"]) is None


def test_an_orientation_withdrawn_then_brought_back_and_its_outcome(
    client: TestClient, session: Session, world: World
) -> None:
    person = op("person", person_values())
    push(client, world.amina, [person])
    values = {
        "person_id": person["row_id"],
        "partner_id": world.partner_id,
        "date": "2026-03-03",
        "status": "proposed",
    }
    orientation = op("orientation", values)
    row_id = orientation["row_id"]
    [created] = push(client, world.amina, [orientation])
    [withdrawn] = push(
        client, world.amina, [op("orientation", {"deleted": True}, row_id=row_id, base_version=1)]
    )
    [back] = push(
        client,
        world.amina,
        [op("orientation", {"deleted": False}, row_id=row_id, base_version=withdrawn["version"])],
    )
    [reported] = push(
        client,
        world.amina,
        [
            op(
                "orientation",
                {"outcome": "training", "status": "attended", "appointment_date": "2026-03-10"},
                row_id=row_id,
                base_version=back["version"],
            )
        ],
    )
    assert [r["outcome"] for r in (created, withdrawn, back, reported)] == ["applied"] * 4
    session.rollback()
    row = session.get(Record, row_id)
    assert row is not None and not row.deleted
    assert (row.data["outcome"], row.data["appointment_date"]) == ("training", "2026-03-10")
