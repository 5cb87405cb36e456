"""Partner structures answer orientations (role `partner`): an admin attaches the
account to one structure; its conseiller sees only the orientations addressed to it,
with the minimum of the person; each answer is an op that reaches the orienting
mediator's phone (pathway, and a relance when they must act), the indicators, the
audit journal and the person's data-rights export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.store import LocalStore
from app.sync.client import SyncClient
from app.sync.errors import PARTNER_ON_PHONE, SyncError
from domain.vocabulary import Role
from sync_server.models import AuditEvent, Cite, Partner
from tests.factories import (
    DeviceLogin,
    make_device,
    make_followed_person,
    make_partner,
    make_user,
)
from tests.server.conftest import World


def _admin(session: Session, world: World) -> DeviceLogin:
    creil = session.get(Cite, world.cite_id)
    assert creil is not None
    return make_device(session, user=make_user(session, cite=creil, role=Role.ADMIN))


def _partner_login(
    client: TestClient, admin: DeviceLogin, partner_id: str, username: str
) -> dict[str, str]:
    created = client.post(
        "/admin/users",
        json={
            "username": username,
            "display_name": "Conseillère Mission Locale",
            "role": "partner",
            "password": "un-mot-de-passe",
            "partner_id": partner_id,
        },
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    token = client.post(
        "/auth/login",
        json={"username": username, "password": "un-mot-de-passe", "device_name": "console"},
    ).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _mission_locale(session: Session, world: World) -> Partner:
    creil = session.get(Cite, world.cite_id)
    assert creil is not None
    partner = make_partner(session, cite=creil, name="Mission Locale de Creil")
    partner.type = "mission_locale"
    session.add(partner)
    session.commit()
    return partner


def _pulled(client: TestClient, login: DeviceLogin) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        page = client.get(
            "/sync/pull", params={"cursor": cursor} if cursor else {}, headers=login.headers
        ).json()
        rows.update({r["id"]: r for r in page["rows"]})
        cursor = page["cursor"]
        if not page["has_more"]:
            return rows


def test_admin_attaches_a_partner_account_to_one_structure_of_the_cite(
    client: TestClient, session: Session, world: World
) -> None:
    admin = _admin(session, world)
    base = {
        "username": "conseil",
        "display_name": "Conseil",
        "role": "partner",
        "password": "un-mot-de-passe",
    }
    missing = client.post("/admin/users", json=base, headers=admin.headers)
    assert missing.status_code == 422
    assert missing.json()["detail"] == "Choisissez la structure partenaire de ce compte."
    beauvais = session.get(Cite, world.other.user.cite_id)
    assert beauvais is not None
    elsewhere = make_partner(session, cite=beauvais, name="Mission Locale de Beauvais")
    other_cite = client.post(
        "/admin/users", json={**base, "partner_id": elsewhere.id}, headers=admin.headers
    )
    assert other_cite.status_code == 422
    assert "introuvable dans votre cité" in other_cite.json()["detail"]
    mediator = client.post(
        "/admin/users",
        json={**base, "role": "mediator", "partner_id": world.partner_id},
        headers=admin.headers,
    )
    assert mediator.status_code == 422
    created = client.post(
        "/admin/users", json={**base, "partner_id": world.partner_id}, headers=admin.headers
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["role_label"], body["partner_name"]) == ("Partenaire", "France Travail")
    code = client.post(f"/admin/users/{body['id']}/enrol-codes", headers=admin.headers)
    assert code.status_code == 409
    assert "console" in code.json()["detail"]


def test_a_partner_sees_only_its_structure_s_orientations_with_the_minimum(
    client: TestClient, session: Session, world: World
) -> None:
    ml = _mission_locale(session, world)
    ours = make_followed_person(session, login=world.amina, partner_id=ml.id)
    theirs = make_followed_person(
        session,
        login=world.karim,
        partner_id=world.partner_id,
        first_name="Barnabé",
        last_name="Autrestructure",
    )
    headers = _partner_login(client, _admin(session, world), ml.id, "conseil.ml")

    listed = client.get("/partner/orientations", headers=headers)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["partner_name"] == "Mission Locale de Creil"
    assert [o["id"] for o in body["items"]] == [ours["orientation"]]
    item = body["items"][0]
    assert item["person"]["first_name"] == "Zéphyrine"
    assert item["person"]["phone"] == "06 12 34 56 78"
    assert item["mediator_name"] == world.amina.user.display_name
    assert item["status_label"] == "Proposée"
    # Nothing else of the pathway: no contact note, no birth date, no other person.
    for leaked in ("CAP cuisine", "1990-06-02", "Barnabé", "QN0600001", "rappeler"):
        assert leaked not in listed.text

    assert client.get(f"/partner/orientations/{ours['orientation']}", headers=headers).is_success
    for elsewhere in (theirs["orientation"], ours["person"], ours["contact"], ours["followup"]):
        res = client.get(f"/partner/orientations/{elsewhere}", headers=headers)
        assert res.status_code == 404, res.text
        assert res.json()["detail"] == "Orientation introuvable pour votre structure."
        answer = client.post(
            f"/partner/orientations/{elsewhere}/answer", json={"action": "accept"}, headers=headers
        )
        assert answer.status_code == 404
    # A person's pathway, the console, the phones' sync: not for a partner account.
    for path in (
        f"/console/persons/{ours['person']}/pathway",
        "/console/persons",
        "/sync/pull",
        "/referentials",
        "/admin/users",
    ):
        res = client.get(path, headers=headers)
        assert res.status_code == 404, (path, res.text)
        assert "Zéphyrine" not in res.text


def test_answers_reach_the_mediator_s_phone_the_indicators_and_the_journal(
    client: TestClient, session: Session, world: World
) -> None:
    ml = _mission_locale(session, world)
    today = dt.datetime.now(dt.UTC).date()
    ids = make_followed_person(
        session, login=world.amina, partner_id=ml.id, occurred_at=f"{today}T09:00:00+00:00"
    )
    declined = make_followed_person(
        session,
        login=world.amina,
        partner_id=ml.id,
        first_name="Octave",
        last_name="Refusé",
        occurred_at=f"{today}T09:30:00+00:00",
    )
    headers = _partner_login(client, _admin(session, world), ml.id, "conseil.ml")
    url = f"/partner/orientations/{ids['orientation']}/answer"

    accepted = client.post(url, json={"action": "accept"}, headers=headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status_label"] == "Acceptée"
    again = client.post(url, json={"action": "accept"}, headers=headers)
    assert again.status_code == 409
    no_date = client.post(url, json={"action": "appointment"}, headers=headers)
    assert no_date.status_code == 422
    assert "date du rendez-vous" in str(no_date.json()["detail"])
    too_early = client.post(
        url,
        json={"action": "appointment", "appointment_date": str(today - dt.timedelta(days=3))},
        headers=headers,
    )
    assert too_early.status_code == 422
    assert "précède l'orientation" in too_early.json()["detail"]
    appointment = today + dt.timedelta(days=6)
    dated = client.post(
        url, json={"action": "appointment", "appointment_date": str(appointment)}, headers=headers
    )
    assert dated.json()["status_label"] == "Rendez-vous pris"
    stale = client.post(
        url,
        json={"action": "outcome", "outcome": "attended", "version": accepted.json()["version"]},
        headers=headers,
    )
    assert stale.status_code == 409
    done = client.post(
        url,
        json={"action": "outcome", "outcome": "attended", "version": dated.json()["version"]},
        headers=headers,
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status_label"], done.json()["outcome_label"]) == (
        "Honorée",
        "Rendez-vous honoré",
    )
    refused = client.post(
        f"/partner/orientations/{declined['orientation']}/answer",
        json={"action": "decline", "decline_reason": "unreachable"},
        headers=headers,
    )
    assert refused.status_code == 200, refused.text

    # The mediator's phone, at its next pull: the answers, and one relance to act on.
    rows = _pulled(client, world.amina)
    got = rows[ids["orientation"]]["data"]
    assert got["status"] == "attended"
    assert got["appointment_date"] == str(appointment)
    assert got["outcome"] == "attended"
    assert got["feedback_date"] == str(today)
    assert rows[declined["orientation"]]["data"]["decline_reason"] == "unreachable"
    relances = [
        r["data"]
        for r in rows.values()
        if r["entity"] == "followup" and r["data"]["due_date"] == str(today)
    ]
    assert relances == [
        {
            "person_id": declined["person"],
            "due_date": str(today),
            "what": "Mission Locale de Creil : orientation refusée (Personne injoignable) "
            "— voir avec la personne",
        }
    ]

    # The indicators of the period.
    ind = client.get(
        "/console/indicators",
        params={"date_from": str(today), "date_to": str(today)},
        headers=world.sophie.headers,
    ).json()
    assert ind["orientations"] == 2
    assert ind["orientations_answered"] == 2
    assert ind["appointments_attended"] == 1
    assert ind["appointment_delay_orientations"] == 1
    assert ind["appointment_delay_median_days"] == 6.0
    outcomes = {c["key"]: c["value"] for c in ind["orientations_by_outcome"]}
    assert outcomes["attended"] == 1 and outcomes["unknown"] == 1

    # The journal: each answer, with codes only (never a name).
    session.commit()
    answers = session.exec(select(AuditEvent).where(AuditEvent.action == "partner.answer")).all()
    assert [(a.detail["action"], a.detail.get("value")) for a in answers] == [
        ("accept", None),
        ("appointment", None),
        ("outcome", "attended"),
        ("decline", "unreachable"),
    ]
    assert all("Zéphyrine" not in str(a.detail) for a in answers)


def test_the_person_s_export_lists_the_partner_s_reads_and_erasure_hides_it(
    client: TestClient, session: Session, world: World
) -> None:
    ml = _mission_locale(session, world)
    ids = make_followed_person(session, login=world.amina, partner_id=ml.id)
    other = make_followed_person(session, login=world.karim, partner_id=ml.id, first_name="Léon")
    headers = _partner_login(client, _admin(session, world), ml.id, "conseil.ml")
    assert len(client.get("/partner/orientations", headers=headers).json()["items"]) == 2
    client.post(
        f"/partner/orientations/{ids['orientation']}/answer",
        json={"action": "accept"},
        headers=headers,
    )
    export = client.get(f"/console/persons/{ids['person']}/export", headers=world.sophie.headers)
    assert export.status_code == 200, export.text
    events = export.json()["consultations et réponses des structures partenaires"]
    assert [(e["action"], e["structure"]) for e in events] == [
        ("Orientations reçues par un partenaire", "Mission Locale de Creil"),
        ("Réponse d'un partenaire à une orientation", "Mission Locale de Creil"),
    ]
    [orientation] = export.json()["orientations"]
    assert orientation["statut"] == "accepted"

    erased = client.post(
        f"/console/persons/{ids['person']}/erase",
        json={"reason": "demande de la personne"},
        headers=world.sophie.headers,
    )
    assert erased.status_code == 200, erased.text
    listed = client.get("/partner/orientations", headers=headers)
    assert [o["id"] for o in listed.json()["items"]] == [other["orientation"]]
    assert "Zéphyrine" not in listed.text
    gone = client.get(f"/partner/orientations/{ids['orientation']}", headers=headers)
    assert gone.status_code == 404


def test_the_field_app_refuses_a_partner_account_and_keeps_no_session(
    client: TestClient, session: Session, world: World, tmp_path: Path
) -> None:
    _partner_login(client, _admin(session, world), world.partner_id, "conseil.ft")
    store = LocalStore(tmp_path / "phone.sqlite3")

    def through_the_app(request: httpx.Request) -> httpx.Response:
        reply = client.request(
            request.method, request.url.path, content=request.content, headers=request.headers
        )
        return httpx.Response(reply.status_code, content=reply.content, headers=reply.headers)

    phone = SyncClient(store, "http://relais.test", transport=httpx.MockTransport(through_the_app))
    try:
        with pytest.raises(SyncError) as refused:
            phone.login("conseil.ft", "un-mot-de-passe", "téléphone")
        assert str(refused.value) == PARTNER_ON_PHONE
        assert store.session() is None
    finally:
        phone.close()
        store.close()
