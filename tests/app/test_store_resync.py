"""A full pull from scratch (`reset_required`) removes what left the server.

The server purges old tombstones; a phone that never pulled one is told to pull
everything again. Whatever it held from the server and does not get back — a
person erased while it was offline, a row deleted long ago — must leave the phone
too, or an erasure would not reach every device (docs/architecture.md §3.11, §4.7). Nothing the
mediator still has to push may go.
"""

from __future__ import annotations

from pathlib import Path

from app.store import LocalStore
from domain.ids import uuid7
from domain.sync import OpResult, RowOut
from tests.factories import make_local_contact, make_local_person, make_local_store


def _row(entity: str, data: dict[str, object], version: int = 1) -> RowOut:
    return RowOut(entity=entity, id=uuid7(), version=version, data=data)  # type: ignore[arg-type]


def _held(store: LocalStore) -> tuple[RowOut, RowOut, RowOut, RowOut]:
    kept = _row("person", make_local_person(last_name="Gardée"))
    erased = _row("person", make_local_person(first_name="Zélie", last_name="Effacée"))
    erased_contact = _row("contact", make_local_contact(person_id=erased.id, note="vue au marché"))
    edited = _row("person", make_local_person(first_name="Inès", last_name="Modifiée"))
    store.apply_pulled([kept, erased, erased_contact, edited])
    return kept, erased, erased_contact, edited


def test_rows_the_full_pull_does_not_bring_back_leave_the_phone(tmp_path: Path) -> None:
    store = make_local_store(tmp_path)
    kept, erased, erased_contact, edited = _held(store)
    store.update("person", edited.id, {"phone": "06 11 22 33 44"})  # not pushed yet
    local_only = store.create("person", make_local_person(last_name="Nouvelle"))
    assert [r.id for r in store.search_persons("Effacée")] == [erased.id]

    store.begin_resync()
    assert store.cursor() is None
    store.apply_pull_page([kept], "c1")  # the others are gone from the server
    assert store.finish_resync() == 2

    assert store.get("person", erased.id) is None
    assert store.get("contact", erased_contact.id) is None
    assert store.search_persons("Effacée") == []
    assert store.get("person", kept.id) is not None
    edited_row = store.get("person", edited.id)
    assert edited_row is not None and edited_row.data["phone"] == "06 11 22 33 44"
    assert store.get("person", local_only) is not None
    assert store.sync_status().pending == 2  # the edit and the new person still go
    assert store.finish_resync() == 0  # done: a later pull removes nothing


def test_a_full_pull_cut_by_the_network_resumes_after_a_restart(tmp_path: Path) -> None:
    store = make_local_store(tmp_path)
    kept, erased, erased_contact, _ = _held(store)
    store.begin_resync()
    store.apply_pull_page([kept], "c1")
    store.close()  # the network went, then the phone restarted

    again = make_local_store(tmp_path)
    assert again.cursor() == "c1"
    again.apply_pull_page([erased_contact], "c2")  # a later page still brings this one
    assert again.finish_resync() == 2  # `erased` and `edited`: gone from the server
    assert again.get("person", erased.id) is None
    assert again.get("contact", erased_contact.id) is not None


def test_an_ordinary_pull_removes_nothing(tmp_path: Path) -> None:
    store = make_local_store(tmp_path)
    held = _held(store)
    store.apply_pull_page([held[0]], "c1")
    assert store.finish_resync() == 0
    assert all(store.get(r.entity, r.id) is not None for r in held)


def _refused(store: LocalStore, op_id: str) -> None:
    store.apply_push_results(
        [OpResult(op_id=op_id, outcome="rejected", reason="personne : référence inconnue")]
    )


def test_withdrawing_a_refused_row_the_server_never_had_removes_it(tmp_path: Path) -> None:
    store = make_local_store(tmp_path)
    store.apply_pull_page([_row("person", make_local_person())], "c1")
    contact = store.create("contact", make_local_contact(person_id=uuid7(), note="à rappeler"))
    [op] = store.pending_ops(10)
    _refused(store, op.op_id)
    assert store.sync_status().rejected_op_ids == [op.op_id]

    assert store.drop_rejected(op.op_id) == "removed"
    assert store.get("contact", contact) is None
    assert store.sync_status().rejected == []
    assert store.cursor() == "c1"  # nothing of the server's to restore: no full pull
    assert store.drop_rejected(op.op_id) is None  # already gone


def test_withdrawing_a_refused_edit_gives_the_row_back_its_server_values(tmp_path: Path) -> None:
    store = make_local_store(tmp_path)
    person = _row("person", make_local_person(last_name="Serveur"), version=4)
    store.apply_pull_page([person], "c1")
    store.update("person", person.id, {"last_name": "Refusé"})
    store.update("person", person.id, {"phone": "06 11 22 33 44"})
    refused, kept = store.pending_ops(10)
    _refused(store, refused.op_id)

    assert store.drop_rejected(refused.op_id) == "restored_at_next_sync"
    assert store.cursor() is None  # the next sync pulls everything again
    store.apply_pull_page([person], "c2")
    assert store.finish_resync() == 0
    row = store.get("person", person.id)
    assert row is not None
    assert row.data["last_name"] == "Serveur"  # the server's value again
    assert row.data["phone"] == "06 11 22 33 44"  # the edit still to push, laid over
    assert [o.op_id for o in store.pending_ops(10)] == [kept.op_id]


def test_a_refused_creation_with_an_edit_still_to_push_keeps_its_row(tmp_path: Path) -> None:
    store = make_local_store(tmp_path)
    pid = store.create("person", make_local_person(last_name="Nouvelle"))
    [created] = store.pending_ops(10)
    _refused(store, created.op_id)
    store.update("person", pid, {"phone": "06 55 44 33 22"})
    assert store.drop_rejected(created.op_id) == "kept"
    assert store.get("person", pid) is not None


def test_a_refused_edit_sent_again_goes_back_to_the_outbox_in_its_place(tmp_path: Path) -> None:
    store = make_local_store(tmp_path)
    contact = store.create("contact", make_local_contact(person_id=uuid7()))
    later = store.create("person", make_local_person(last_name="Après"))
    refused, waiting = store.pending_ops(10)
    _refused(store, refused.op_id)
    assert store.get("contact", contact).error is not None  # type: ignore[union-attr]

    assert store.retry_rejected(refused.op_id)
    status = store.sync_status()
    assert status.rejected == [] and status.pending == 2
    assert [o.op_id for o in store.pending_ops(10)] == [refused.op_id, waiting.op_id]
    assert store.get("contact", contact).error is None  # type: ignore[union-attr]
    assert store.get("person", later) is not None
    assert not store.retry_rejected(refused.op_id)  # pending now, not refused
