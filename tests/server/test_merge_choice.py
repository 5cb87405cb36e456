"""Merging duplicates field by field, on SQLite and PostgreSQL: the supervisor picks
the record that survives and, where the two differ, the value kept."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.console.state.api import ConsoleApi
from app.console.state.review_state import DuplicatesState
from sync_server.models import AuditEvent, MergeUndo, Record, SyncOp
from tests.factories import op, push
from tests.server.conftest import World
from tests.server.test_persons_console import _twins


def _data(session: Session, row_id: str) -> dict[str, Any]:
    session.rollback()
    row = session.get(Record, row_id)
    assert row is not None
    session.refresh(row)
    return dict(row.data)


def _version(session: Session, row_id: str) -> int:
    session.rollback()
    row = session.get(Record, row_id)
    assert row is not None
    session.refresh(row)
    return row.version


def _supervisor_ops(session: Session, world: World) -> list[SyncOp]:
    return list(session.exec(select(SyncOp).where(SyncOp.user_id == world.sophie.user.id)).all())


def test_the_differing_fields_are_shown_and_the_chosen_values_kept(
    client: TestClient, session: Session, world: World
) -> None:
    a, b = _twins(session, world)
    sophie = world.sophie.headers

    compared = client.get(f"/console/persons/{a}/compare/{b}", headers=sophie)

    assert compared.status_code == 200, compared.text
    differences = {d["field"]: d for d in compared.json()["differences"]}
    assert set(differences) == {"first_name", "last_name", "phone"}
    assert differences["last_name"]["label"] == "Nom d'usage"
    assert (differences["last_name"]["a_label"], differences["last_name"]["b_label"]) == (
        "Benyahia",
        "Ben Yahia",
    )

    # Keep Amina's record (« a ») with Karim's spelling of the name and phone.
    res = client.post(
        f"/console/persons/{a}/merge",
        json={"into": b, "survivor": "a", "choices": {"last_name": "b", "phone": "b"}},
        headers=sophie,
    )

    assert res.status_code == 204, res.text
    kept, folded = _data(session, a), _data(session, b)
    assert (kept["first_name"], kept["last_name"], kept["phone"]) == (
        "Mohamed",
        "Ben Yahia",
        "+33 6 12 34 56 78",
    )
    assert kept.get("merged_into") is None and folded["merged_into"] == a
    assert folded["last_name"] == "Ben Yahia"  # the other record is left as it was
    # Written as supervisor ops, in the ledger, and pulled by a mediator's phone.
    written = sorted(sorted(o.set_values.items()) for o in _supervisor_ops(session, world))
    assert written == sorted(
        [[("last_name", "Ben Yahia"), ("phone", "+33 6 12 34 56 78")], [("merged_into", a)]]
    )
    pulled = client.get("/sync/pull", headers=world.amina.headers).json()
    row = next(r for r in pulled["rows"] if r["id"] == a)
    assert row["data"]["last_name"] == "Ben Yahia"
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "duplicate.merge")).all()
    assert event.row_id == b
    assert event.detail == {"into": a, "fields": ["last_name", "phone"]}

    # Undone: the folded record is a person of its own again, and the kept one gets
    # its own name and phone back (they may belong to two different people).
    undo = client.post(f"/console/persons/{b}/unmerge", headers=sophie)
    assert undo.status_code == 204, undo.text
    assert _data(session, b)["merged_into"] is None
    back = _data(session, a)
    assert (back["last_name"], back["phone"]) == ("Benyahia", "06 12 34 56 78")
    listed = client.get("/console/persons", headers=sophie).json()
    assert {a, b} <= {p["id"] for p in listed["items"]}
    [unmerged] = session.exec(
        select(AuditEvent).where(AuditEvent.action == "duplicate.unmerge")
    ).all()
    assert unmerged.detail == {"fields": ["last_name", "phone"]}
    assert session.exec(select(MergeUndo)).all() == []


def test_an_unmerge_keeps_what_was_changed_since_the_merge(
    client: TestClient, session: Session, world: World
) -> None:
    a, b = _twins(session, world)
    sophie = world.sophie.headers
    client.post(
        f"/console/persons/{a}/merge",
        json={"into": b, "survivor": "a", "choices": {"last_name": "b", "phone": "b"}},
        headers=sophie,
    )
    # After the merge, Amina's phone records a newer number on the kept record.
    version = _version(session, a)
    [synced] = push(
        session,
        login=world.amina,
        ops=[op("person", {"phone": "07 98 76 54 32"}, row_id=a, base_version=version)],
    )
    assert synced.outcome == "applied", synced

    assert client.post(f"/console/persons/{b}/unmerge", headers=sophie).status_code == 204

    back = _data(session, a)
    assert (back["last_name"], back["phone"]) == ("Benyahia", "07 98 76 54 32")


def test_erasing_the_kept_person_forgets_what_an_unmerge_would_give_back(
    client: TestClient, session: Session, world: World
) -> None:
    a, b = _twins(session, world)
    sophie = world.sophie.headers
    client.post(
        f"/console/persons/{a}/merge",
        json={"into": b, "survivor": "a", "choices": {"phone": "b"}},
        headers=sophie,
    )
    session.rollback()
    assert len(session.exec(select(MergeUndo)).all()) == 1
    erased = client.post(
        f"/console/persons/{a}/erase", json={"reason": "demande de la personne"}, headers=sophie
    )
    assert erased.status_code == 200, erased.text
    session.rollback()
    assert session.exec(select(MergeUndo)).all() == []


def test_a_choice_on_the_survivor_s_side_changes_only_the_pointer(
    client: TestClient, session: Session, world: World
) -> None:
    a, b = _twins(session, world)
    res = client.post(
        f"/console/persons/{a}/merge",
        json={"into": b, "survivor": "b", "choices": {"last_name": "b", "first_name": "a"}},
        headers=world.sophie.headers,
    )
    assert res.status_code == 204, res.text
    assert _data(session, b)["first_name"] == "Mohamed"
    assert _data(session, b)["last_name"] == "Ben Yahia"
    assert _data(session, a)["merged_into"] == b


def test_an_unknown_field_or_side_is_refused_and_nothing_changes(
    client: TestClient, session: Session, world: World
) -> None:
    a, b = _twins(session, world)
    before = (_data(session, a), _data(session, b), len(_supervisor_ops(session, world)))
    cases = (
        ({"survivor": "a", "choices": {"nir": "b"}}, "« nir »"),
        ({"survivor": "a", "choices": {"merged_into": "b"}}, "« merged_into »"),
        ({"survivor": "a", "choices": {"phone": "c"}}, "« Téléphone »"),
        ({"survivor": "les deux", "choices": {}}, "« a » ou « b »"),
    )
    for extra, named in cases:
        res = client.post(
            f"/console/persons/{a}/merge", json={"into": b, **extra}, headers=world.sophie.headers
        )
        assert res.status_code == 422, res.text
        assert named in res.json()["detail"], res.text
    after = (_data(session, a), _data(session, b), len(_supervisor_ops(session, world)))
    assert after == before
    assert not session.exec(
        select(AuditEvent).where(col(AuditEvent.action) == "duplicate.merge")
    ).all()


def test_comparing_needs_two_live_unmerged_persons_of_the_cite(
    client: TestClient, session: Session, world: World
) -> None:
    a, b = _twins(session, world)
    sophie = world.sophie.headers
    assert client.get(f"/console/persons/{a}/compare/{a}", headers=sophie).status_code == 409
    client.post(f"/console/persons/{b}/merge", json={"into": a}, headers=sophie)
    merged = client.get(f"/console/persons/{a}/compare/{b}", headers=sophie)
    assert merged.status_code == 409 and "déjà fusionnée" in merged.json()["detail"]
    other = client.get(f"/console/persons/{a}/compare/{b}", headers=world.amina.headers)
    assert other.status_code == 403


def test_a_record_changed_since_the_comparison_is_not_merged_blind(
    client: TestClient, session: Session, world: World
) -> None:
    a, b = _twins(session, world)
    sophie = world.sophie.headers
    seen = client.get(f"/console/persons/{a}/compare/{b}", headers=sophie).json()
    # Meanwhile Karim's phone syncs a new phone number for « b ».
    [synced] = push(
        session,
        login=world.karim,
        ops=[op("person", {"phone": "07 00 00 00 01"}, row_id=b, base_version=seen["b_version"])],
    )
    assert synced.outcome == "applied", synced
    before = (_data(session, a), _data(session, b))
    res = client.post(
        f"/console/persons/{a}/merge",
        json={
            "into": b,
            "survivor": "a",
            "choices": {"phone": "b"},
            "a_version": seen["a_version"],
            "b_version": seen["b_version"],
        },
        headers=sophie,
    )
    assert res.status_code == 409 and "modifiée entre-temps" in res.json()["detail"]
    assert (_data(session, a), _data(session, b)) == before


class _Through(httpx.BaseTransport):
    """Routes the console's httpx requests, bodies included, into the TestClient."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        reply = self._client.request(
            request.method,
            request.url.raw_path.decode(),
            headers=dict(request.headers),
            content=request.read(),
        )
        return httpx.Response(reply.status_code, headers=reply.headers, content=reply.content)


def _console(client: TestClient, world: World) -> DuplicatesState:
    api = ConsoleApi("http://testserver", world.sophie.token, _Through(client))
    state = DuplicatesState(api=api)
    asyncio.run(state.load())
    return state


def test_the_consoles_chooser_merges_with_the_values_picked(
    client: TestClient, session: Session, world: World
) -> None:
    a, b = _twins(session, world)
    state = _console(client, world)
    [pair] = [p for p in state.pairs if {p.a.id, p.b.id} == {a, b}]
    asyncio.run(state.open_choice(pair))
    assert state.choice is not None and state.choice.comparison is not None
    fields = {d.field for d in state.choice.comparison.differences}
    assert fields == {"first_name", "last_name", "phone"}
    # Keep Amina's record with Karim's spelling of the name; the rest follows the record kept.
    amina = "a" if pair.a.id == a else "b"
    karim = "b" if amina == "a" else "a"
    state.keep(amina)
    state.pick("last_name", karim)

    asyncio.run(state.merge_chosen())

    assert state.error is None and state.choice is None
    assert state.notice == "Fiches fusionnées : la fiche de Mohamed BENYAHIA est conservée."
    kept, folded = _data(session, a), _data(session, b)
    assert (kept["first_name"], kept["last_name"], kept["phone"]) == (
        "Mohamed",
        "Ben Yahia",
        "06 12 34 56 78",
    )
    assert folded["merged_into"] == a
    assert [m.person.id for m in state.merges] == [b]


def test_the_consoles_chooser_refuses_a_record_changed_since_it_was_read(
    client: TestClient, session: Session, world: World
) -> None:
    a, b = _twins(session, world)
    state = _console(client, world)
    [pair] = [p for p in state.pairs if {p.a.id, p.b.id} == {a, b}]
    asyncio.run(state.open_choice(pair))
    # Amina's phone syncs a new number while the supervisor is choosing.
    [synced] = push(
        session,
        login=world.amina,
        ops=[
            op("person", {"phone": "07 98 76 54 32"}, row_id=a, base_version=_version(session, a))
        ],
    )
    assert synced.outcome == "applied", synced
    state.pick("phone", "a")

    asyncio.run(state.merge_chosen())

    choice = state.choice
    assert choice is not None and choice.error is not None and state.error is None
    assert choice.error.startswith("Une des deux fiches a été modifiée entre-temps"), choice.error
    assert _data(session, b).get("merged_into") is None
    # Shown again as the records now read, the choice made kept.
    assert choice.comparison is not None and choice.side_of("phone") == "a"
    [phone] = [d for d in choice.comparison.differences if d.field == "phone"]
    side = "a_label" if pair.a.id == a else "b_label"
    assert getattr(phone, side) == "07 98 76 54 32"
    # Not the same person after all: the chooser goes with the pair.
    asyncio.run(state.dismiss(pair))
    assert state.choice is None and state.notice == "Paire écartée : elle ne sera plus proposée."
