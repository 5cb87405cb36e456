"""Administration endpoints: admin only, own cité only; enrolment codes are single use."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from domain.vocabulary import Role
from sync_server.models import Cite, EnrolCode
from tests.factories import DeviceLogin, make_device, make_user
from tests.server.conftest import World


@pytest.fixture
def admin(session: Session, world: World) -> DeviceLogin:
    cite = session.get(Cite, world.cite_id)
    assert cite is not None
    return make_device(
        session, user=make_user(session, cite=cite, username="admin", role=Role.ADMIN)
    )


ADMIN_GETS = ["/admin/users", "/admin/qpvs", "/admin/partners", "/admin/settings"]


def test_admin_routes_refuse_supervisors_and_mediators(
    client: TestClient, world: World, admin: DeviceLogin
) -> None:
    for login in (world.sophie, world.amina):
        for path in ADMIN_GETS:
            res = client.get(path, headers=login.headers)
            assert res.status_code == 403, (login.user.username, path)
            assert res.json()["detail"] == "Réservé aux administrateurs."
        res = client.post(f"/admin/users/{world.amina.user.id}/enrol-codes", headers=login.headers)
        assert res.status_code == 403
    assert client.get("/admin/users", headers=admin.headers).status_code == 200


def test_users_create_list_reset_deactivate(
    client: TestClient, world: World, admin: DeviceLogin
) -> None:
    body = {
        "username": "nadia",
        "display_name": "Nadia M.",
        "role": "mediator",
        "password": "premier-mdp",
        "structure": "  Association Rue & Cité ",
    }
    created = client.post("/admin/users", json=body, headers=admin.headers)
    assert created.status_code == 201, created.text
    assert created.json()["role_label"] == "Médiateur"
    assert created.json()["structure"] == "Association Rue & Cité"
    again = client.post("/admin/users", json=body, headers=admin.headers)
    assert again.status_code == 409 and "déjà pris" in again.json()["detail"]

    listing = client.get("/admin/users", params={"page_size": 2}, headers=admin.headers).json()
    assert listing["total"] == 5 and len(listing["items"]) == 2  # Creil: 4 + Nadia
    names = {
        u["username"]
        for p in (1, 2, 3)
        for u in client.get(
            "/admin/users", params={"page": p, "page_size": 2}, headers=admin.headers
        ).json()["items"]
    }
    assert "nadia" in names and "bruno" not in names  # Beauvais stays hidden

    uid = created.json()["id"]
    res = client.post(
        f"/admin/users/{uid}/password", json={"password": "second-mdp"}, headers=admin.headers
    )
    assert res.status_code == 204
    login = {"username": "nadia", "password": "second-mdp", "device_name": "tel"}
    assert client.post("/auth/login", json=login).status_code == 200
    devices = client.get(f"/admin/users/{uid}/devices", headers=admin.headers).json()
    assert [d["name"] for d in devices] == ["tel"] and devices[0]["revoked_at"] is None
    revoked = client.post(f"/admin/devices/{devices[0]['id']}/revoke", headers=admin.headers)
    assert revoked.json()["revoked_at"] is not None

    off = client.post(f"/admin/users/{uid}/deactivate", headers=admin.headers)
    assert off.json()["active"] is False
    assert client.post("/auth/login", json=login).status_code == 401
    other = client.post(f"/admin/users/{world.other.user.id}/deactivate", headers=admin.headers)
    assert other.status_code == 404


def test_enrol_code_is_single_use(client: TestClient, world: World, admin: DeviceLogin) -> None:
    res = client.post(f"/admin/users/{world.amina.user.id}/enrol-codes", headers=admin.headers)
    assert res.status_code == 201, res.text
    code = res.json()["code"]
    expires = dt.datetime.fromisoformat(res.json()["expires_at"])
    assert dt.timedelta(minutes=14) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=15)
    first = client.post("/auth/enrol", json={"code": code.lower(), "device_name": "Pixel"})
    assert first.status_code == 200, first.text
    token = first.json()["token"]
    assert first.json()["user"]["username"] == "amina"
    assert (
        client.get("/referentials", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    second = client.post("/auth/enrol", json={"code": code, "device_name": "Autre"})
    assert second.status_code == 401 and "déjà utilisé" in second.json()["detail"]


def test_enrol_code_expires(
    client: TestClient, session: Session, world: World, admin: DeviceLogin
) -> None:
    code = client.post(
        f"/admin/users/{world.amina.user.id}/enrol-codes", headers=admin.headers
    ).json()["code"]
    row = session.exec(select(EnrolCode)).one()
    assert code not in row.code_hash  # stored hashed
    row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    session.add(row)
    session.commit()
    res = client.post("/auth/enrol", json={"code": code, "device_name": "Pixel"})
    assert res.status_code == 401 and "expiré" in res.json()["detail"]


def test_referentials_and_retention(client: TestClient, world: World, admin: DeviceLogin) -> None:
    qpv = client.put(
        "/admin/qpvs", json={"code": "QN0601234", "name": "Les Hauts"}, headers=admin.headers
    )
    assert qpv.status_code == 200, qpv.text
    bad = client.put("/admin/qpvs", json={"code": "75012", "name": "X"}, headers=admin.headers)
    assert bad.status_code == 422
    assert "QN0601234" in {
        q["code"] for q in client.get("/admin/qpvs", headers=admin.headers).json()
    }

    partner = client.post(
        "/admin/partners",
        json={
            "name": "Mission Locale de la Vallée",
            "type": "mission_locale",
            "themes": ["emploi", " jeunes "],
        },
        headers=admin.headers,
    )
    assert partner.status_code == 201
    assert partner.json()["type_label"] == "Mission Locale"
    assert partner.json()["themes"] == ["emploi", "jeunes"]
    renamed = client.put(
        f"/admin/partners/{partner.json()['id']}",
        json={"name": "ML Vallée", "type": "mission_locale"},
        headers=admin.headers,
    )
    assert renamed.json()["name"] == "ML Vallée"
    assert (
        client.post(
            "/admin/partners", json={"name": "X", "type": "banque"}, headers=admin.headers
        ).status_code
        == 422
    )

    assert client.get("/admin/settings", headers=admin.headers).json() == {"retention_months": 24}
    for months in (0, 37):
        res = client.put(
            "/admin/settings", json={"retention_months": months}, headers=admin.headers
        )
        assert res.status_code == 422
    res = client.put("/admin/settings", json={"retention_months": 12}, headers=admin.headers)
    assert res.json() == {"retention_months": 12}
    assert client.get("/admin/settings", headers=admin.headers).json() == {"retention_months": 12}


def test_a_password_reset_revokes_the_user_s_devices(
    client: TestClient, world: World, admin: DeviceLogin
) -> None:
    assert client.get("/sync/pull", headers=world.karim.headers).status_code == 200
    res = client.post(
        f"/admin/users/{world.karim.user.id}/password",
        json={"password": "nouveau-mdp-solide"},
        headers=admin.headers,
    )
    assert res.status_code == 204, res.text
    refused = client.get("/sync/pull", headers=world.karim.headers)
    assert refused.status_code == 401 and refused.json()["code"] == "device_revoked"
    # The push still takes (holds) what the phone logged, and tells it to wipe.
    pushed = client.post("/sync/push", json={"ops": []}, headers=world.karim.headers)
    assert pushed.status_code == 200 and pushed.json()["device_revoked"] is True
    # The other users, and the admin who reset it, keep their sessions.
    assert client.get("/sync/pull", headers=world.amina.headers).status_code == 200
    assert client.get("/admin/users", headers=admin.headers).status_code == 200
