"""The programme view over HTTP, on SQLite and PostgreSQL: a préfecture correspondent
reads its cités' figures side by side and together, aggregated and protected."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from app.console.state.api import ConsoleApi
from app.console.state.programme_state import ProgrammeState
from app.store import LocalStore
from app.sync.client import SyncClient
from app.sync.errors import PARTNER_ON_PHONE, SyncError
from domain.api.programme import ProgrammeOut
from domain.disclosure import SUPPRESSED
from domain.periods import quarter_of
from domain.vocabulary import Role
from sync_server.models import AuditEvent, Cite, ProgrammeCite
from tests.factories import (
    PASSWORD,
    DeviceLogin,
    make_cite,
    make_device,
    make_followed_person,
    make_partner,
    make_user,
)
from tests.server.conftest import World

Q1_2025 = {"date_from": "2025-01-01", "date_to": "2025-03-31"}


def _programme(session: Session, cites: list[Cite], username: str = "prefecture") -> DeviceLogin:
    user = make_user(session, cite=cites[0], role=Role.PROGRAMME, username=username)
    session.add_all([ProgrammeCite(user_id=user.id, cite_id=c.id) for c in cites])
    session.commit()
    return make_device(session, user=user, name="console")


def _row(table: dict[str, Any], label: str) -> list[Any]:
    return next(r["cells"] for r in table["rows"] if r["label"] == label)


def _table(body: dict[str, Any], title: str) -> dict[str, Any]:
    return next(t for t in body["tables"] if t["title"] == title)


def _creil_and_beauvais(
    session: Session, world: World, *, followed_in_creil: int
) -> tuple[Cite, Cite]:
    """The world's two cités, with that many persons followed in Creil."""
    creil, beauvais = session.get(Cite, world.cite_id), session.get(Cite, world.other.user.cite_id)
    assert creil is not None and beauvais is not None
    for n in range(followed_in_creil):
        make_followed_person(
            session, login=world.amina, partner_id=world.partner_id, first_name=f"Zoé{n}"
        )
    return creil, beauvais


def test_cites_side_by_side_and_together_with_secrecy(
    client: TestClient, session: Session, world: World
) -> None:
    creil, beauvais = _creil_and_beauvais(session, world, followed_in_creil=6)
    compiegne = make_cite(session, name="Cité de l'emploi de Compiègne")
    beauvais_partner = make_partner(session, cite=beauvais, name="France Travail Beauvais")
    for n in range(2):
        make_followed_person(
            session, login=world.other, partner_id=beauvais_partner.id, first_name=f"Inès{n}"
        )
    prefecture = _programme(session, [creil, beauvais, compiegne])

    res = client.get("/programme/indicators", params=Q1_2025, headers=prefecture.headers)

    assert res.status_code == 200, res.text
    body = res.json()
    assert [c["name"] for c in body["cites"]] == [
        "Cité de l'emploi de Beauvais",
        "Cité de l'emploi de Compiègne",
        "Cité de l'emploi de Creil",
    ]
    key = _table(body, "Chiffres clés")
    # Beauvais's 2 is hidden, and Creil's 6 with it (else 8 − 6); Compiègne's true zero
    # shows as 0; the consolidated 8 stays readable.
    assert _row(key, "Contacts") == [SUPPRESSED, 0, SUPPRESSED, 8]
    assert _row(key, "Actions de terrain") == [0, 0, 0, 0]
    # Two structures of one kind, one in each cité: one row, « France Travail ».
    by_kind = _table(body, "Orientations par type de partenaire")
    assert {r["label"] for r in by_kind["rows"]} == {"France Travail"}
    assert by_kind["total"]["cells"][-1] == 8
    # Aggregated only: no name, phone or note of anyone.
    for secret in ("Zoé", "Inès", "Quatrebarbes", "06 12 34 56 78", "CAP cuisine", "amina"):
        assert secret not in res.text
    # Journaled in each cité read, for its administrators.
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "programme.indicators")
    ).all()
    assert {e.cite_id for e in events} == {creil.id, beauvais.id, compiegne.id}
    assert {e.actor_user_id for e in events} == {prefecture.user.id}


def test_only_the_attached_cites_are_read(
    client: TestClient, session: Session, world: World
) -> None:
    beauvais = session.get(Cite, world.other.user.cite_id)
    assert beauvais is not None
    for n in range(7):
        make_followed_person(
            session, login=world.amina, partner_id=world.partner_id, first_name=f"Zoé{n}"
        )
    anct = _programme(session, [beauvais], username="anct")

    body = client.get("/programme/indicators", params=Q1_2025, headers=anct.headers).json()

    assert [c["name"] for c in body["cites"]] == ["Cité de l'emploi de Beauvais"]
    assert _row(_table(body, "Chiffres clés"), "Contacts") == [0, 0]
    assert "Creil" not in str(body)


def test_a_cites_team_and_partners_never_reach_it(client: TestClient, world: World) -> None:
    assert client.get("/programme/indicators", headers=world.sophie.headers).status_code == 403
    assert client.get("/programme/indicators", headers=world.amina.headers).status_code == 403


def test_a_programme_account_reaches_nothing_else(
    client: TestClient, session: Session, world: World
) -> None:
    creil = session.get(Cite, world.cite_id)
    assert creil is not None
    prefecture = _programme(session, [creil])
    for path in ("/console/indicators", "/referentials", "/sync/pull", "/partner/orientations"):
        res = client.get(path, headers=prefecture.headers)
        assert res.status_code == 404, (path, res.text)
        assert "compte programme" in res.json()["detail"]


def test_an_admin_creates_a_programme_account_for_its_own_cite(
    client: TestClient, session: Session, world: World
) -> None:
    creil = session.get(Cite, world.cite_id)
    assert creil is not None
    admin = make_device(session, user=make_user(session, cite=creil, role=Role.ADMIN))
    res = client.post(
        "/admin/users",
        headers=admin.headers,
        json={
            "username": "sous-prefecture",
            "display_name": "Sous-préfecture de Senlis",
            "role": "programme",
            "password": "un-mot-de-passe",
        },
    )
    assert res.status_code == 201, res.text
    login = client.post(
        "/auth/login",
        json={"username": "sous-prefecture", "password": "un-mot-de-passe", "device_name": "x"},
    )
    token = login.json()["token"]
    body = client.get(
        "/programme/indicators", params=Q1_2025, headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert [c["name"] for c in body["cites"]] == ["Cité de l'emploi de Creil"]


def test_the_field_app_refuses_a_programme_account_and_keeps_no_session(
    client: TestClient, session: Session, world: World, tmp_path: Path
) -> None:
    creil = session.get(Cite, world.cite_id)
    assert creil is not None
    _programme(session, [creil])
    store = LocalStore(tmp_path / "phone.sqlite3")

    def through_the_app(request: httpx.Request) -> httpx.Response:
        reply = client.request(
            request.method, request.url.path, content=request.content, headers=request.headers
        )
        return httpx.Response(reply.status_code, content=reply.content, headers=reply.headers)

    phone = SyncClient(store, "http://relais.test", transport=httpx.MockTransport(through_the_app))
    try:
        with pytest.raises(SyncError) as refused:
            phone.login("prefecture", PASSWORD, "téléphone")
        assert str(refused.value) == PARTNER_ON_PHONE
        assert store.session() is None
    finally:
        phone.close()
        store.close()


def test_a_cite_s_column_reads_as_its_supervisor_s_figures(
    client: TestClient, session: Session, world: World
) -> None:
    creil, beauvais = _creil_and_beauvais(session, world, followed_in_creil=7)
    prefecture = _programme(session, [creil, beauvais])
    own = client.get("/console/indicators", params=Q1_2025, headers=world.sophie.headers).json()

    body = client.get("/programme/indicators", params=Q1_2025, headers=prefecture.headers).json()

    key = _table(body, "Chiffres clés")
    assert [c["name"] for c in body["cites"]][1] == "Cité de l'emploi de Creil"
    for label, figure in (
        ("Contacts", "contacts"),
        ("Personnes rencontrées", "people_met"),
        ("Personnes suivies", "persons_followed"),
        ("Orientations", "orientations"),
    ):
        assert own[figure] >= 5
        assert _row(key, label) == [0, own[figure], own[figure]], label


def test_the_workbook_parses_back_to_the_screen_s_figures(
    client: TestClient, session: Session, world: World
) -> None:
    creil, beauvais = _creil_and_beauvais(session, world, followed_in_creil=6)
    beauvais_partner = make_partner(session, cite=beauvais)
    make_followed_person(session, login=world.other, partner_id=beauvais_partner.id)
    prefecture = _programme(session, [creil, beauvais])
    shown = client.get("/programme/indicators", params=Q1_2025, headers=prefecture.headers).json()

    res = client.get("/programme/indicators.xlsx", params=Q1_2025, headers=prefecture.headers)

    assert res.status_code == 200, res.text
    assert "relais-programme-2025-T1.xlsx" in res.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(res.content)).active
    assert sheet is not None
    lines = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    head = lines.index(["Chiffres clés", *[c["name"] for c in shown["cites"]], "Ensemble"])
    key = _table(shown, "Chiffres clés")
    for offset, row in enumerate(key["rows"], start=1):
        assert lines[head + offset] == [row["label"], *row["cells"]]
    assert _row(key, "Contacts") == [SUPPRESSED, SUPPRESSED, 7]
    # No count from 1 to 4 anywhere (delays, in days, are floats); and nobody's name.
    counts = [c for line in lines[2:] for c in line[1:] if isinstance(c, int)]
    assert counts and not [n for n in counts if 0 < n < 5]
    assert "Zoé" not in str(lines) and "Zéphyrine" not in str(lines)
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "programme.export_xlsx")
    ).all()
    assert {e.cite_id for e in events} == {creil.id, beauvais.id}


def test_the_console_shows_and_saves_what_the_api_answers(
    client: TestClient, session: Session, world: World
) -> None:
    creil, beauvais = _creil_and_beauvais(session, world, followed_in_creil=6)
    prefecture = _programme(session, [creil, beauvais])

    def through_the_app(request: httpx.Request) -> httpx.Response:
        reply = client.request(
            request.method, request.url.raw_path.decode(), headers=request.headers
        )
        return httpx.Response(reply.status_code, content=reply.content, headers=reply.headers)

    api = ConsoleApi("http://relais.test", prefecture.token, httpx.MockTransport(through_the_app))
    state = ProgrammeState(api=api)
    saved: dict[str, bytes] = {}

    async def save(name: str, content: bytes) -> bool:
        saved[name] = content
        return True

    asyncio.run(state.choose(period=quarter_of(dt.date(2025, 2, 1))))
    asyncio.run(state.download(save))

    shown = client.get("/programme/indicators", params=Q1_2025, headers=prefecture.headers)
    assert state.error is None and state.data == ProgrammeOut.model_validate(shown.json())
    assert list(saved) == ["relais-programme-2025-T1.xlsx"]
    assert state.notice == "« relais-programme-2025-T1.xlsx » prêt."
    # Dates that do not fit are said in French; the figures shown stay.
    asyncio.run(state.choose_custom("31/03/2025", "01/01/2025"))
    assert state.error and state.data == ProgrammeOut.model_validate(shown.json())
