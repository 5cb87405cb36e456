from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import PASSWORD
from tests.server.conftest import World


def test_health_needs_no_token(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_login_enrols_a_device_whose_token_works(client: TestClient, world: World) -> None:
    res = client.post(
        "/auth/login", json={"username": "amina", "password": PASSWORD, "device_name": "Pixel 7"}
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["user"]["username"] == "amina"
    assert body["user"]["cite_id"] == world.cite_id
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/referentials", headers=headers).status_code == 200


def test_wrong_password_is_401_with_a_readable_message(client: TestClient, world: World) -> None:
    for username in ("amina", "nobody"):
        res = client.post("/auth/login", json={"username": username, "password": "faux"})
        assert res.status_code == 401
        assert res.json() == {"detail": "Identifiant ou mot de passe incorrect."}


def test_unknown_or_missing_token_is_401(client: TestClient, world: World) -> None:
    res = client.get("/sync/pull", headers={"Authorization": "Bearer pas-un-jeton"})
    assert res.status_code == 401
    assert "Jeton inconnu" in res.json()["detail"]
    assert client.get("/sync/pull").status_code == 401


def test_logout_revokes_the_calling_device_only(client: TestClient, world: World) -> None:
    assert client.post("/auth/logout", headers=world.amina.headers).status_code == 204
    res = client.get("/referentials", headers=world.amina.headers)
    assert res.status_code == 401
    assert "révoqué" in res.json()["detail"]
    assert client.get("/referentials", headers=world.karim.headers).status_code == 200


def test_referentials_are_those_of_the_callers_cite(client: TestClient, world: World) -> None:
    body = client.get("/referentials", headers=world.amina.headers).json()
    assert body["cite_name"] == "Cité de l'emploi de Creil"
    assert [p["id"] for p in body["partners"]] == [world.partner_id]
    assert {m["display_name"] for m in body["members"]} >= {
        world.amina.user.display_name,
        world.sophie.user.display_name,
    }
    assert world.other.user.id not in {m["id"] for m in body["members"]}
    assert body["protocol"] == 1 and body["schema_version"] >= 1
