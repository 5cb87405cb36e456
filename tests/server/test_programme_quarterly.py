"""The programme's quarterly report over HTTP, on SQLite and PostgreSQL: the cités side
by side and together, read back from the workbook (openpyxl) and the PDF (pdftotext)
to the figures of /programme/indicators for the same quarter."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.console.state.console_state import ConsoleApi
from app.console.state.insight_state import parse_custom_period
from app.console.state.programme_state import ProgrammeState
from domain.disclosure import SUPPRESSED
from domain.vocabulary import Role
from sync_server.core.report_pdf import text
from sync_server.models import AuditEvent, Cite
from tests.factories import (
    make_cite,
    make_device,
    make_followed_person,
    make_partner,
    make_record,
    make_user,
)
from tests.server.conftest import World
from tests.server.test_programme import Q1_2025, _programme, _row, _table
from tests.server.test_quarterly_report import _pdf_grid, _pdf_pages, _Through, _xlsx_grids

REPORT = {"year": "2025", "quarter": "1"}
PLACE = "Gymnase Marcel-Cerdan"


def _seed(session: Session, world: World) -> list[Cite]:
    """Creil: six persons followed in T1 2025 and an action de terrain with a typed
    place; Beauvais: two persons; Compiègne: nothing at all."""
    creil, beauvais = session.get(Cite, world.cite_id), session.get(Cite, world.other.user.cite_id)
    assert creil is not None and beauvais is not None
    compiegne = make_cite(session, name="Cité de l'emploi de Compiègne")
    for n in range(6):
        make_followed_person(
            session, login=world.amina, partner_id=world.partner_id, first_name=f"Zoé{n}"
        )
    make_record(
        session,
        login=world.amina,
        entity="event",
        values={
            "type": "forum",
            "starts_at": "2025-02-11T09:00:00+01:00",
            "qpv_code": "QN0600001",
            "place": PLACE,
            "partner_ids": [world.partner_id],
            "mediator_ids": [world.amina.user.id],
        },
    )
    beauvais_partner = make_partner(session, cite=beauvais, name="France Travail Beauvais")
    for n in range(2):
        make_followed_person(
            session, login=world.other, partner_id=beauvais_partner.id, first_name=f"Inès{n}"
        )
    return [creil, beauvais, compiegne]


def _counts(rows: dict[str, list[Any]]) -> list[Any]:
    return [c for cells in rows.values() for c in cells if isinstance(c, int)]


def test_the_quarterly_report_reads_back_to_the_programme_s_figures(
    client: TestClient, session: Session, world: World, tmp_path: Path
) -> None:
    prefecture = _programme(session, _seed(session, world))
    shown = client.get("/programme/indicators", params=Q1_2025, headers=prefecture.headers)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    key = _table(body, "Chiffres clés")
    assert _row(key, "Contacts") == [SUPPRESSED, 0, SUPPRESSED, 8]

    xlsx = client.get("/programme/quarterly", params=REPORT, headers=prefecture.headers)

    assert xlsx.status_code == 200, xlsx.text
    assert 'filename="relais-programme-rapport-2025-T1.xlsx"' in xlsx.headers["content-disposition"]
    grids = _xlsx_grids(xlsx.content)
    for table in body["tables"]:
        lines = [*table["rows"], *([table["total"]] if table["total"] else [])]
        assert grids[table["title"]] == {r["label"]: r["cells"] for r in lines}, table["title"]
    # The trend: T1 is the quarter's figures, the quarters after it are left empty.
    contacts = grids["Contacts"]
    assert contacts["T1 2025"] == _row(key, "Contacts")
    assert contacts["T2 2025"] == contacts["T4 2025"] == [None] * 4
    assert grids["Sorties"]["T1 2025"] == [0, 0, 0, 0]  # true zeros
    assert grids["Réponses des partenaires"]["Orientations"] == _row(key, "Orientations")
    actions = grids["Cité de l'emploi de Creil : actions de terrain (1)"]
    assert [cells[0] for cells in actions.values()] == ["Forum / job dating"]
    counts = [c for grid in grids.values() for c in _counts(grid)]
    assert 0 in counts and not [c for c in counts if 0 < c < 5], "a cell holds 1–4"
    everything = str(grids)
    for secret in (PLACE, "Zoé", "Inès", "Quatrebarbes", "06 12 34 56 78", "CAP cuisine"):
        assert secret not in everything

    pdf = client.get(
        "/programme/quarterly", params={**REPORT, "format": "pdf"}, headers=prefecture.headers
    )

    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    pages = _pdf_pages(pdf.content, tmp_path)
    for number, page in enumerate(pages, start=1):
        assert "3 cité(s) · T1 2025" in page and f"Page {number} sur {len(pages)}" in page
    printed = "\n".join(pages)
    key_printed = _pdf_grid(printed, "Chiffres clés")
    for row in key["rows"]:
        if not row["label"].startswith("Délai"):  # long labels wrap over two lines
            assert key_printed[row["label"]] == [text(c) for c in row["cells"]], row["label"]
    assert _pdf_grid(printed, "Contacts")["T1 2025"] == ["<5", "0", "<5", "8"]
    for secret in (PLACE, "Zoé", "Inès", "Quatrebarbes", "CAP cuisine"):
        assert secret not in printed

    events = session.exec(
        select(AuditEvent).where(
            col(AuditEvent.action).in_(["programme.report_xlsx", "programme.report_pdf"])
        )
    ).all()
    assert len(events) == 6  # each download journaled in each of the three cités


def test_the_quarterly_report_refuses_in_french(
    client: TestClient, session: Session, world: World
) -> None:
    creil = session.get(Cite, world.cite_id)
    assert creil is not None
    prefecture = _programme(session, [creil])
    future = client.get(
        "/programme/quarterly", params={"year": "2100", "quarter": "1"}, headers=prefecture.headers
    )
    assert future.status_code == 400
    assert "n'a pas encore commencé" in future.json()["detail"]
    bad = client.get(
        "/programme/quarterly", params={**REPORT, "format": "docx"}, headers=prefecture.headers
    )
    assert bad.status_code == 422 and bad.json()["detail"].startswith("Requête invalide")
    assert (
        client.get("/programme/quarterly", params=REPORT, headers=world.sophie.headers).status_code
        == 403
    )


def test_the_console_downloads_the_quarter_its_period_starts_in(
    client: TestClient, session: Session, world: World
) -> None:
    prefecture = _programme(session, _seed(session, world))
    api = ConsoleApi("http://testserver", prefecture.token, _Through(client))
    state = ProgrammeState(api=api)
    state.period = parse_custom_period("10/02/2025", "20/05/2025")
    saved: dict[str, bytes] = {}

    async def save(name: str, content: bytes) -> bool:
        saved[name] = content
        return True

    asyncio.run(state.download_report(save, "xlsx"))

    assert state.error is None, state.error
    assert list(saved) == ["relais-programme-rapport-2025-T1.xlsx"]  # February: T1
    assert state.notice == "« relais-programme-rapport-2025-T1.xlsx » prêt."
    contacts = _xlsx_grids(saved["relais-programme-rapport-2025-T1.xlsx"])["Contacts"]
    assert contacts["T1 2025"] == [SUPPRESSED, 0, SUPPRESSED, 8]


def test_an_account_with_no_cite_attached_gets_an_empty_report(
    client: TestClient, session: Session, world: World, tmp_path: Path
) -> None:
    creil = session.get(Cite, world.cite_id)
    assert creil is not None
    lonely = make_device(
        session, user=make_user(session, cite=creil, role=Role.PROGRAMME), name="console"
    )
    for fmt in ("xlsx", "pdf"):
        res = client.get(
            "/programme/quarterly", params={**REPORT, "format": fmt}, headers=lonely.headers
        )
        assert res.status_code == 200, res.text
    assert "0 cité(s) · T1 2025" in _pdf_pages(res.content, tmp_path)[0]
    screen = client.get("/programme/indicators", params=Q1_2025, headers=lonely.headers)
    assert screen.status_code == 200, screen.text
    assert screen.json()["cites"] == []


def test_only_the_attached_cites_are_in_the_report(
    client: TestClient, session: Session, world: World
) -> None:
    _creil, beauvais, _compiegne = _seed(session, world)
    anct = _programme(session, [beauvais], username="anct")

    res = client.get("/programme/quarterly", params=REPORT, headers=anct.headers)

    assert res.status_code == 200, res.text
    grids = _xlsx_grids(res.content)
    assert grids["Contacts"]["T1 2025"] == [SUPPRESSED, SUPPRESSED]  # Beauvais's 2, « Ensemble »
    assert "Cité de l'emploi de Beauvais : actions de terrain (0)" in grids
    assert "Creil" not in str(grids) and "Compiègne" not in str(grids)
