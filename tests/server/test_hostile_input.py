"""Hostile input, on SQLite and PostgreSQL alike: every bad request gets a 4xx (or its
op alone a refusal) with a French reason, never a 5xx, and the store is unchanged.

Each family here was seen answered with a 5xx, or stored on one database and not the
other, by an independent probe of a running server."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from domain.ids import uuid7
from domain.vocabulary import Role
from sync_server.models import Cite
from tests.factories import (
    DeviceLogin,
    contact_values,
    hlc_at,
    make_device,
    make_partner,
    make_record,
    make_user,
    op,
    person_values,
    push,
)
from tests.server.conftest import World

# What a refused request must leave as it was (the ledger and the journal record
# refusals and reads, a device its last use: they are not compared).
_READS = {
    t: f"SELECT * FROM {t}"
    for t in ("record", "conflict", "app_user", "partner", "held_op", "cite_settings")
} | {"device": "SELECT id, user_id, token_hash, revoked_at FROM device"}


def _store(session: Session) -> str:
    session.commit()  # a fresh read: SQLite would keep an older snapshot
    out = {t: sorted(map(str, session.execute(text(q)).all())) for t, q in _READS.items()}
    return json.dumps(out, sort_keys=True, default=str)


@pytest.fixture
def unchanged(session: Session) -> Iterator[None]:
    before = _store(session)
    yield
    assert _store(session) == before


@pytest.fixture
def admin(session: Session, world: World) -> DeviceLogin:
    creil = session.get(Cite, world.cite_id)
    assert creil is not None
    return make_device(session, user=make_user(session, cite=creil, role=Role.ADMIN))


def _french_4xx(res: Any, *codes: int) -> str:
    assert res.status_code in codes, (res.status_code, res.text[:300])
    detail = res.json()["detail"]
    assert isinstance(detail, str) and "Input should" not in detail, detail
    return detail


def _push_raw(client: TestClient, login: DeviceLogin, body: str, **params: str) -> Any:
    headers = {**login.headers, "content-type": "application/json"}
    return client.post("/sync/push", content=body, headers=headers, params=params)


# --- Requests refused whole ------------------------------------------------------------


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_deeply_nested_json(client: TestClient, world: World, unchanged: None, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    res = _push_raw(client, world.karim, '{"ops": ' + nested + "}")
    assert "imbriqué" in _french_4xx(res, 422) or "invalide" in res.json()["detail"]
    login = client.post(
        "/auth/login",
        content='{"username": ' + nested + ', "password": "x"}',
        headers={"content-type": "application/json"},
    )
    _french_4xx(login, 400, 422)


def _cursor(payload: str) -> str:
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


BAD_CURSORS = [
    _cursor('{"t":1e400,"v":1}'),  # read as infinite
    _cursor('{"t":0,"v":' + "9" * 30 + "}"),  # beyond a BIGINT
    _cursor('{"t":-1,"v":0}'),
    "pas-un-curseur",
]


def test_bad_pull_cursors(client: TestClient, world: World, unchanged: None) -> None:
    for cursor in BAD_CURSORS:
        for path in ("/sync/pull", "/sync/pull/stream"):
            res = client.get(path, params={"cursor": cursor}, headers=world.karim.headers)
            assert "curseur" in _french_4xx(res, 400)


def test_then_pull_with_a_bad_cursor_does_not_hide_the_saved_ops(
    client: TestClient, session: Session, world: World
) -> None:
    ops = [op("person", person_values())]
    res = _push_raw(
        client,
        world.karim,
        json.dumps({"ops": ops}),
        then_pull="true",
        cursor=_cursor('{"t":1e400,"v":1}'),
    )
    assert res.status_code == 200, res.text
    assert res.json()["results"][0]["outcome"] == "applied"
    assert "pull" not in res.json()


def test_huge_page_numbers(
    client: TestClient, world: World, admin: DeviceLogin, unchanged: None
) -> None:
    for path in ("/console/contacts", "/console/persons", "/admin/users", "/admin/audit"):
        res = client.get(path, params={"page": 10**20}, headers=admin.headers)
        assert "page" in _french_4xx(res, 422)


def test_implausible_report_years(client: TestClient, world: World, unchanged: None) -> None:
    for year in (1, 1999, 9997, 9998, 9999):
        for path in (
            "/console/indicators",
            "/console/exports/contacts.csv",
            "/console/exports/quarterly.csv",
            "/console/exports/quarterly.xlsx",
        ):
            period = {"date_from": f"{year:04d}-01-01", "date_to": f"{year:04d}-12-31"}
            res = client.get(path, params=period, headers=world.sophie.headers)
            assert "période invraisemblable" in _french_4xx(res, 400)
            end = {"date_to": f"{year:04d}-12-31"}
            _french_4xx(client.get(path, params=end, headers=world.sophie.headers), 400)


def test_unstorable_text_in_login_and_partner_names(
    client: TestClient, world: World, admin: DeviceLogin, unchanged: None
) -> None:
    for bad in ("a\u0000b", "\ud800"):
        _refused_everywhere(client, world, admin, bad)
    res = client.get("/console/persons?q=a%00b", headers=world.sophie.headers)
    assert "interdit" in _french_4xx(res, 422)


def _refused_everywhere(client: TestClient, world: World, admin: DeviceLogin, bad: str) -> None:
    body = json.dumps({"username": bad, "password": "xxxxxxxx"})
    res = client.post("/auth/login", content=body, headers={"content-type": "application/json"})
    assert "interdit" in _french_4xx(res, 422)
    partner = json.dumps({"name": f"Mission {bad}", "type": "mission_locale"})
    res = client.post(
        "/admin/partners",
        content=partner,
        headers={**admin.headers, "content-type": "application/json"},
    )
    assert "interdit" in _french_4xx(res, 422)


# --- Ops refused alone: the others of their batch are taken --------------------------------


def _bad_ops(world: World) -> dict[str, dict[str, Any]]:
    future = contact_values(world.karim.user.id, occurred_at="9999-01-01T10:00:00+00:00")
    contact = contact_values(world.karim.user.id)
    return {
        "NUL": op("person", person_values(first_name="Aï\u0000cha")),
        "surrogate": op("person", person_values(last_name="N\ud800D")),
        "surrogate key": op("person", {"first_name": "A", "\udc00": "x"}),
        # References are looked up before they are validated (erasure, batch state).
        "surrogate reference": op("contact", {**contact, "person_id": "\ud800"}),
        "NUL reference": op("contact", {**contact, "person_id": "a\u0000b"}),
        "NUL partner": op("orientation", {"person_id": uuid7(), "partner_id": "p\u0000"}),
        "long reference": op("contact", {**contact, "person_id": "x" * 100_000}),
        "long HLC": op("person", person_values(), hlc="0" * 60 + ":00000:n"),
        "HLC NUL node": op("person", person_values(), hlc=hlc_at(node="a\u0000b")),
        "contact in 9999": op("contact", future),
        "contact in 1970": op(
            "contact", contact_values(world.karim.user.id, occurred_at="1970-01-01T10:00:00Z")
        ),
        "birth in 2999": op("person", person_values(birth_date="2999-01-01")),
        "name too long": op("person", person_values(first_name="A" * 81)),
        "unknown field": op("person", {"first_name": "A", "shoe_size": 44}),
    }


def test_one_bad_op_never_blocks_the_others(
    client: TestClient, session: Session, world: World
) -> None:
    bad = _bad_ops(world)
    good = [op("person", person_values(first_name="Valide")) for _ in range(2)]
    # Serialised by hand: lone surrogates and NULs travel as JSON escapes.
    body = json.dumps({"ops": [good[0], *bad.values(), good[1]]}, ensure_ascii=True)
    before = json.loads(_store(session))
    res = _push_raw(client, world.karim, body)
    assert res.status_code == 200, res.text[:300]
    first, *refused, last = res.json()["results"]
    assert (first["outcome"], last["outcome"]) == ("applied", "applied")
    for case, result in zip(bad, refused, strict=True):
        assert result["outcome"] == "rejected", (case, result)
        reason = result["reason"]
        assert reason and "Input should" not in reason and "erreur du serveur" not in reason, (
            case,
            reason,
        )
    # Sent again (a phone resends what it did not hear): the same answers.
    again = _push_raw(client, world.karim, body).json()["results"]
    assert [r["outcome"] for r in again] == ["duplicate", *["rejected"] * len(bad), "duplicate"]
    after = json.loads(_store(session))
    assert not [r for r in after["record"] for o in bad.values() if o["row_id"] in r]
    assert before["conflict"] == after["conflict"]


def test_a_valid_edit_of_every_person_field_is_taken_on_both_databases(
    client: TestClient, session: Session, world: World
) -> None:
    """A soft conflict of an op setting all of a person's fields names them all
    (266 characters): stored on PostgreSQL as on SQLite."""
    person_id, version = make_record(
        session, login=world.amina, entity="person", values=person_values()
    )
    moved = client.post(
        "/sync/push",
        json={"ops": [op("person", {"gender": "f"}, row_id=person_id, base_version=version)]},
        headers=world.amina.headers,
    )
    assert moved.json()["results"][0]["outcome"] == "applied"
    every = {
        "first_name": "Aïcha",
        "last_name": "N'Diaye",
        "birth_name": "Diallo",
        "birth_date": "1990-06-02",
        "declared_age": 34,
        "phone": "06 12 34 56 78",
        "email": "aicha@example.org",
        "commune": "Creil",
        "qpv_code": "QN0600001",
        "qpv_resident": "yes",
        "ft_registration": "yes",
        "mission_locale": "no",
        "family_situation": "single",
        "info_notice_given": True,
        "info_notice_at": "2025-03-14T10:30:00+01:00",
        "freins": ["mobility"],
        "need": "emploi",
        "status": "in_contact",
        "exit_type": None,
        "exit_date": None,
    }
    edit = op("person", every, row_id=person_id, base_version=version)
    res = client.post("/sync/push", json={"ops": [edit]}, headers=world.karim.headers)
    assert res.status_code == 200, res.text
    result = res.json()["results"][0]
    assert result["outcome"] in ("applied", "conflict"), result
    again = client.post("/sync/push", json={"ops": [edit]}, headers=world.karim.headers)
    assert again.json()["results"][0]["outcome"] == "duplicate"


# --- Responses ---------------------------------------------------------------------------


def test_personal_data_answers_are_not_cached_framed_or_sniffed(
    client: TestClient, world: World
) -> None:
    person_id = op("person", person_values())
    client.post("/sync/push", json={"ops": [person_id]}, headers=world.karim.headers)
    for path in (
        f"/console/persons/{person_id['row_id']}/export",
        f"/console/persons/{person_id['row_id']}/pathway",
        "/console/exports/contacts.csv",
        "/sync/pull",
    ):
        res = client.get(path, headers=world.sophie.headers)
        assert res.status_code == 200, (path, res.text[:200])
        assert res.headers["cache-control"] == "no-store", path
        assert res.headers["x-content-type-options"] == "nosniff"
        assert res.headers["x-frame-options"] == "DENY"
        assert res.headers["referrer-policy"] == "no-referrer"


def test_api_description_is_off_by_default(client: TestClient) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404, path


def test_an_event_names_only_its_own_cite_s_partners_and_mediators(
    client: TestClient, session: Session, world: World, push_path: str
) -> None:
    beauvais = session.get(Cite, world.other.user.cite_id)
    assert beauvais is not None
    foreign_partner = make_partner(session, cite=beauvais, name="Partenaire de Beauvais")
    event = {"type": "drop_in", "starts_at": "2025-03-14T10:00:00+01:00"}
    ops = [
        op("event", {**event, "partner_ids": [foreign_partner.id]}),
        op("event", {**event, "mediator_ids": [world.other.user.id]}),
        op("event", {**event, "partner_ids": [world.partner_id]}),
    ]
    results = push(session, login=world.karim, ops=ops)
    assert [r.outcome for r in results] == ["rejected", "rejected", "applied"], push_path
    assert results[0].reason and "partner_ids" in results[0].reason
    assert results[1].reason and "mediator_ids" in results[1].reason


def test_the_same_op_twice_in_a_batch_is_answered_applied_then_duplicate(
    client: TestClient, world: World
) -> None:
    twice = op("person", person_values())
    res = client.post("/sync/push", json={"ops": [twice, twice]}, headers=world.karim.headers)
    assert [r["outcome"] for r in res.json()["results"]] == ["applied", "duplicate"]
