"""The push body spliced from the outbox equals the one built from validated ops."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.store import LocalStore
from domain.sync import OpResult, PushRequest
from tests.factories import (
    make_local_contact,
    make_local_person,
    make_local_store,
    make_locked_store,
)


def _fill(store: LocalStore) -> str:
    pid = store.create(
        "person", make_local_person(first_name='Zoé "Zaza"', last_name="N’Diaye\\Ba")
    )
    store.create("contact", make_local_contact(person_id=pid, note="Ligne 1\nligne 2 — été"))
    store.update("person", pid, {"phone": "06 12 34 56 78"})
    store.delete("person", pid)
    return pid


@pytest.mark.parametrize("locked", [False, True], ids=["plain", "pin"])
def test_batch_body_is_the_push_request_of_the_pending_ops(tmp_path: Path, locked: bool) -> None:
    store = make_locked_store(tmp_path) if locked else make_local_store(tmp_path)
    pid = _fill(store)
    [first, *_] = store.pending_ops(10)
    # Acknowledged: the next edits carry a base_version, and the batch skips it.
    store.apply_push_results([OpResult(op_id=first.op_id, outcome="applied", version=7)])
    store.update("person", pid, {"phone": "07 00 00 00 00"})

    for limit in (1, 2, 100):
        batch = store.pending_batch(limit)
        expected = PushRequest(ops=store.pending_ops(limit))
        assert batch.op_ids == [op.op_id for op in expected.ops]
        assert json.loads(batch.body) == json.loads(expected.model_dump_json())
        # What the server reads back is exactly the ops the phone holds.
        assert PushRequest.model_validate_json(batch.body) == expected
    assert any(op.base_version == 7 for op in store.pending_ops(100))
    store.close()


def test_empty_outbox_gives_no_ops(tmp_path: Path) -> None:
    store = make_local_store(tmp_path)
    batch = store.pending_batch(10)
    assert batch.op_ids == [] and json.loads(batch.body)["ops"] == []
    store.close()


def test_batch_after_a_sequence_number_starts_past_it(tmp_path: Path) -> None:
    store = make_local_store(tmp_path)
    _fill(store)
    first = store.pending_batch(2)
    following = store.pending_batch(2, after_seq=first.last_seq)
    everything = [op.op_id for op in store.pending_ops(10)]
    assert first.op_ids + following.op_ids == everything[:4]
    assert store.pending_batch(10, after_seq=following.last_seq).op_ids == everything[4:]
    store.close()
