"""The record's per-field stamps are stored compact and merged as if stored whole.

Run on both push paths: the bulk path, and the op-by-op path it falls back to
after a database error (forced here by making the bulk attempt fail).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, select

from domain.field_stamps import BASE
from domain.hlc import wall_ms
from sync_server.models import Conflict, Record
from tests.factories import contact_values, hlc_at, op, person_values, push
from tests.server.conftest import World

# An hour ago: a stamp ahead of the server's clock would be replaced by the server's.
T0 = wall_ms() - 3_600_000


def _stored(session: Session, row_id: str) -> Record:
    session.expire_all()
    row = session.get(Record, row_id)
    assert row is not None
    return row


def test_a_new_contact_stores_no_per_field_stamp(
    session: Session, world: World, push_path: str
) -> None:
    contact = op("contact", contact_values(world.amina.user.id), hlc=hlc_at(T0))
    [result] = push(session, login=world.amina, ops=[contact])
    row = _stored(session, contact["row_id"])
    assert (row.field_hlc, row.field_version) == ({}, {})
    fields = {*contact["set"], "review_state"}  # the server files it for review
    assert row.hlc_by_field() == dict.fromkeys(fields, hlc_at(T0))
    assert row.version_by_field() == dict.fromkeys(fields, result.version)


def test_an_edit_keeps_the_older_stamps_of_the_other_fields(
    session: Session, world: World, push_path: str
) -> None:
    person = op("person", person_values(), hlc=hlc_at(T0))
    [created] = push(session, login=world.amina, ops=[person])
    edit = op(
        "person",
        {"phone": "0601020304"},
        row_id=person["row_id"],
        hlc=hlc_at(T0 + 1000),
        base_version=created.version,
    )
    [edited] = push(session, login=world.amina, ops=[edit])
    row = _stored(session, person["row_id"])
    assert row.updated_hlc == hlc_at(T0 + 1000) and row.version == edited.version
    # The two fields the edit did not touch share the older stamps: each written once.
    assert row.field_hlc == {BASE: hlc_at(T0), "phone": edit["hlc"]}
    assert row.field_version == {BASE: created.version, "phone": edited.version}
    assert row.hlc_by_field() == {**dict.fromkeys(person["set"], hlc_at(T0)), "phone": edit["hlc"]}
    assert row.version_by_field() == {
        **dict.fromkeys(person["set"], created.version),
        "phone": edited.version,
    }
    # A colleague's edit that had not seen the record (concurrent) is judged by the
    # first name's stamp: older, it loses; newer, it wins.
    unseen = {"row_id": person["row_id"], "base_version": None}
    late = op("person", {"first_name": "Ancien"}, hlc=hlc_at(T0 - 1, node="karim"), **unseen)
    [lost] = push(session, login=world.karim, ops=[late])
    assert lost.outcome == "conflict"
    assert _stored(session, person["row_id"]).data["first_name"] == person["set"]["first_name"]
    fresh = op("person", {"first_name": "Aïcha-Lou"}, hlc=hlc_at(T0 + 1, node="karim"), **unseen)
    push(session, login=world.karim, ops=[fresh])
    assert _stored(session, person["row_id"]).data["first_name"] == "Aïcha-Lou"


def test_a_record_stored_with_whole_maps_merges_the_same(
    session: Session, world: World, push_path: str
) -> None:
    # Rows written before the maps were kept compact hold every field's stamp.
    person = op("person", person_values(), hlc=hlc_at(T0))
    [created] = push(session, login=world.amina, ops=[person])
    whole = {"first_name": hlc_at(T0 + 5000), "last_name": hlc_at(T0)}
    session.execute(
        update(Record)
        .where(Record.id == person["row_id"])
        .values(
            field_hlc=whole,
            updated_hlc=hlc_at(T0 + 5000),
            field_version=dict.fromkeys(whole, created.version),
        )
    )
    session.commit()
    # A colleague's edits that had not seen the record: judged by each field's stamp.
    unseen = {"row_id": person["row_id"], "base_version": None}
    older = op("person", {"first_name": "Ancien"}, hlc=hlc_at(T0 + 10), **unseen)
    newer = op("person", {"last_name": "Diallo"}, hlc=hlc_at(T0 + 10), **unseen)
    results = push(session, login=world.karim, ops=[older, newer])
    assert [r.outcome for r in results] == ["conflict", "conflict"]
    row = _stored(session, person["row_id"])
    assert (row.data["first_name"], row.data["last_name"]) == ("Aïcha", "Diallo")
    assert row.hlc_by_field() == {"first_name": hlc_at(T0 + 5000), "last_name": hlc_at(T0 + 10)}
    assert row.field_hlc == {"last_name": hlc_at(T0 + 10)}  # compact once written again


def test_a_row_created_and_corrected_in_one_batch_is_no_conflict_and_keeps_its_stamps(
    session: Session, world: World, push_path: str
) -> None:
    # A phone offline for weeks sends a person, a contact naming them and a later
    # correction of the person in one batch (its base_version still None): the
    # correction follows the phone's own creation, so no conflict for a supervisor,
    # and the creation's stamps stay on the fields it did not touch, on either path.
    person = op("person", person_values(), hlc=hlc_at(T0))
    contact = op(
        "contact",
        contact_values(world.amina.user.id, person_id=person["row_id"]),
        hlc=hlc_at(T0 + 1),
    )
    fix = op("person", {"first_name": "Aïssata"}, row_id=person["row_id"], hlc=hlc_at(T0 + 2))
    created, filed, fixed = push(session, login=world.amina, ops=[person, contact, fix])
    assert [r.outcome for r in (created, filed, fixed)] == ["applied"] * 3
    assert session.exec(select(Conflict).where(Conflict.row_id == person["row_id"])).all() == []
    row = _stored(session, person["row_id"])
    assert row.data == {**person["set"], "first_name": "Aïssata"}
    assert (row.updated_hlc, row.version) == (fix["hlc"], fixed.version)
    assert row.field_hlc == {"last_name": hlc_at(T0)}
    assert row.field_version == {"last_name": created.version}
    new_contact = _stored(session, contact["row_id"])
    assert new_contact.person_id == person["row_id"]
    assert new_contact.data["review_state"] == "received"
    assert (new_contact.field_hlc, new_contact.field_version) == ({}, {})
