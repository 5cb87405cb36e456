"""The programme's quarterly report (XLSX and PDF) parses back to the dashboard's figures.

Rows are pushed through the real sync path; the expected cells are the API's exact
figures (`/console/indicators`, per QPV and per quarter) through the disclosure rules.
The PDF is read with pdftotext (Debian's poppler-utils, installed by ./relais test).
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from app.console.state.api import ConsoleApi
from app.console.state.insight_state import ExportsState, parse_custom_period
from domain.disclosure import Cell, protect_count, protect_table
from domain.periods import quarter_of
from domain.quarterly import year_quarters
from sync_server.models import Cite, Qpv
from tests.factories import contact_values, make_partner, make_record, person_values
from tests.server.conftest import World

REPORT = {"year": "2025", "quarter": "2"}
QUARTERS = year_quarters(2025)
AREA_ROWS = {
    "Actions de terrain": "actions",
    "Contacts": "contacts",
    "Personnes rencontrées": "people_met",
    "Personnes suivies": "persons_followed",
    "Sorties": "exits",
}


def _seed(session: Session, world: World) -> dict[str, str]:
    """Q1 2025: a pied d'immeuble in QPV A with France Travail (7 anonymous contacts),
    a forum in QPV B (2); Léa (QPV A) met twice, oriented to France Travail, who says
    she came. Q2: a permanence in QPV A (6 contacts); Yanis (QPV B) met once, oriented
    to the Mission Locale."""
    qpv_a = session.exec(select(Qpv).where(Qpv.cite_id == world.cite_id)).one().code
    qpv_b = "QN0699991"
    session.add(Qpv(code=qpv_b, name="Les Hauts", cite_id=world.cite_id))
    session.commit()
    creil = session.get(Cite, world.cite_id)
    assert creil is not None
    ml = make_partner(session, cite=creil, name="Mission Locale").id
    amina = world.amina
    mediator = amina.user.id

    def record(entity: str, values: dict[str, Any]) -> str:
        return make_record(session, login=amina, entity=entity, values=values)[0]

    def contacts(n: int, day: str, **extra: Any) -> None:
        for i in range(n):
            at = f"{day}T10:{10 + i:02d}:00+01:00"
            record("contact", contact_values(mediator, occurred_at=at, **extra))

    actions: tuple[tuple[str, str, str, list[str], int], ...] = (
        ("foot_of_building", "2025-01-14", qpv_a, [world.partner_id], 7),
        ("forum", "2025-02-11", qpv_b, [], 2),
        ("drop_in", "2025-05-06", qpv_a, [], 6),
    )
    for kind, day, qpv, partners, n in actions:
        event = record(
            "event",
            {
                "type": kind,
                "starts_at": f"{day}T09:00:00+01:00",
                "qpv_code": qpv,
                "place": "Maison de quartier",
                "partner_ids": partners,
                "mediator_ids": [mediator],
            },
        )
        contacts(n, day, event_id=event)
    lea = record("person", person_values(first_name="Léa", qpv_code=qpv_a))
    contacts(1, "2025-01-20", person_id=lea)
    contacts(1, "2025-02-20", person_id=lea)
    yanis = record("person", person_values(first_name="Yanis", qpv_code=qpv_b))
    contacts(1, "2025-04-15", person_id=yanis)
    orientations = (
        (lea, world.partner_id, "2025-02-21", "attended", "attended"),
        (yanis, ml, "2025-04-16", "proposed", None),
    )
    for person, partner, day, status, outcome in orientations:
        values = {"person_id": person, "partner_id": partner, "date": day, "status": status}
        record("orientation", {**values, **({"outcome": outcome} if outcome else {})})
    return {"a": qpv_a, "b": qpv_b}


def _api(client: TestClient, world: World, quarter: int, qpv: str | None) -> dict[str, Any]:
    period = QUARTERS[quarter]
    params = {"date_from": period.start.isoformat(), "date_to": period.end.isoformat()}
    res = client.get(
        "/console/indicators",
        params={**params, **({"qpv": qpv} if qpv else {})},
        headers=world.sophie.headers,
    )
    assert res.status_code == 200, res.text
    body: dict[str, Any] = res.json()
    return body


def _expected_area(figures: list[dict[str, Any]]) -> dict[str, list[Cell]]:
    """What the area's grid must show for T1 and T2, from the API's exact figures."""
    rows: dict[str, list[Cell]] = {
        label: [protect_count(f[name]) for f in figures] for label, name in AREA_ROWS.items()
    }
    partners: list[str] = []
    for f in figures:
        partners += [c["label"] for c in f["orientations_by_partner"] if c["label"] not in partners]
    rows["Orientations"] = []
    for f in figures:
        by_label = {c["label"]: c["value"] for c in f["orientations_by_partner"]}
        protected = protect_table([by_label.get(p, 0) for p in partners], with_total=True)
        rows["Orientations"].append(protected.total)  # type: ignore[arg-type]
        for partner, cell in zip(partners, protected.cells, strict=True):
            rows.setdefault(f"dont {partner}", []).append(cell)
    return rows


def _xlsx_grids(content: bytes) -> dict[str, dict[str, list[Any]]]:
    """Every grid of every sheet: title → row label → cells."""
    book = load_workbook(io.BytesIO(content))
    grids: dict[str, dict[str, list[Any]]] = {}
    for sheet in book.worksheets:
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        for i, row in enumerate(rows[:-1]):
            is_title = row and row[0] and all(v is None for v in row[1:])
            if is_title and i + 1 < len(rows) and any(rows[i + 1][1:]):
                body = {}
                for line in rows[i + 2 :]:
                    if not line or line[0] is None:
                        break
                    body[str(line[0])] = line[1:]
                grids[str(row[0])] = body
    return grids


def _pdf_pages(content: bytes, tmp_path: Path) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: run the tests through ./relais test (poppler-utils)")
    pdf = tmp_path / "rapport.pdf"
    pdf.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


def _pdf_grid(text: str, title: str) -> dict[str, list[str]]:
    """The grid under `title`: row label → printed cells (empty ones are not printed)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == title)
    rows: dict[str, list[str]] = {}
    for line in lines[start + 2 :]:
        if not line.strip():
            break
        label, *cells = re.split(r"\s{2,}", line.strip())
        rows[label] = cells
    return rows


def test_quarterly_report_parses_back_to_the_dashboards_figures(
    client: TestClient, session: Session, world: World, tmp_path: Path
) -> None:
    qpvs = _seed(session, world)
    areas = {
        "Ensemble de la cité": None,
        f"QPV Quartier 0 ({qpvs['a']})": qpvs["a"],
        f"QPV Les Hauts ({qpvs['b']})": qpvs["b"],
    }
    expected = {
        title: _expected_area([_api(client, world, q, code) for q in (0, 1)])
        for title, code in areas.items()
    }
    xlsx = client.get("/console/exports/quarterly", params=REPORT, headers=world.sophie.headers)
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    disposition = xlsx.headers["content-disposition"]
    assert 'filename="relais-rapport-programme-2025-T2.xlsx"' in disposition
    grids = _xlsx_grids(xlsx.content)
    for title, rows in expected.items():
        assert {k: v[:2] for k, v in grids[title].items()} == rows, title
        assert all(v[2:] == [None, None] for v in grids[title].values()), "T3, T4 left empty"
    assert expected["Ensemble de la cité"]["Sorties"] == [0, 0]  # a true zero
    q2 = _api(client, world, 1, None)
    key = grids["Chiffres clés"]
    assert key["Contacts"] == [protect_count(q2["contacts"])] == [7]
    assert key["Personnes rencontrées"] == [protect_count(q2["people_met"])]
    assert key["Sorties"] == [0]
    actions = grids["Actions de terrain du trimestre (1)"]
    assert [v[-1] for v in actions.values()] == [6]  # the permanence's six contacts
    outcomes = grids["Suites des orientations du trimestre, selon les partenaires"]
    by_outcome = {c["label"]: c["value"] for c in q2["orientations_by_outcome"]}
    assert outcomes["Rendez-vous honoré"] == [by_outcome["Rendez-vous honoré"]] == [0]
    cells = [c for grid in grids.values() for row in grid.values() for c in row]
    assert not [c for c in cells if isinstance(c, int) and 0 < c < 5], "a cell holds 1–4"

    pdf = client.get(
        "/console/exports/quarterly",
        params={**REPORT, "format": "pdf"},
        headers=world.sophie.headers,
    )
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    pages = _pdf_pages(pdf.content, tmp_path)
    for number, page in enumerate(pages, start=1):
        assert "Cité de l'emploi de Creil · T2 2025" in page, number
        assert f"Page {number} sur {len(pages)}" in page
    text = "\n".join(pages)
    for title, rows in expected.items():
        printed = _pdf_grid(text, title)
        assert printed == {k: [str(c) for c in v] for k, v in rows.items()}, title
    printed_key = _pdf_grid(text, "Chiffres clés")
    assert printed_key["Contacts"] == ["7"] and printed_key["Sorties"] == ["0"]
    # Figures stand apart from their labels (two spaces or more), in tables and charts.
    printed_cells = [c for line in text.splitlines() for c in re.split(r"\s{2,}", line.strip())]
    assert not [c for c in printed_cells if c in {"1", "2", "3", "4"}], "a figure 1–4 in the PDF"
    assert "0" in printed_cells and "<5" in printed_cells


def test_weeks_still_to_come_are_empty_and_past_ones_zero(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    current = quarter_of(today)
    params = {"year": str(current.start.year), "quarter": str(current.start.month // 3 + 1)}
    res = client.get("/console/exports/quarterly", params=params, headers=world.sophie.headers)
    assert res.status_code == 200, res.text
    weeks = {
        label: value for label, (value,) in _xlsx_grids(res.content)["Contacts par semaine"].items()
    }
    # Today's workbook too (one sheet, each table under its title and « Nombre »).
    workbook = client.get(
        "/console/exports/quarterly.xlsx",
        params={"date_from": current.start.isoformat(), "date_to": current.end.isoformat()},
        headers=world.sophie.headers,
    )
    assert workbook.status_code == 200, workbook.text
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    start = rows.index(("Contacts par semaine", "Nombre"))
    end = start + 1 + next(i for i, r in enumerate(rows[start + 1 :]) if r[0] == "Total")
    assert dict(rows[start + 1 : end + 1]) == weeks
    csv_report = client.get(
        "/console/exports/quarterly.csv",
        params={"date_from": current.start.isoformat(), "date_to": current.end.isoformat()},
        headers=world.sophie.headers,
    )
    lines = csv.DictReader(io.StringIO(csv_report.content.decode("utf-8-sig")), delimiter=";")
    in_csv = {r["categorie"]: r["valeur"] for r in lines if r["section"] == "Contacts par semaine"}
    assert in_csv == {k: "" if v is None else str(v) for k, v in weeks.items()}
    for label, value in weeks.items():
        if label == "Total":
            assert value == 0
            continue
        monday = dt.datetime.strptime(label.removeprefix("Semaine du "), "%d/%m/%Y").date()
        assert value == (None if monday > today else 0), label
    # A cité with nothing recorded yet still gets its PDF: zeros, no QPV row hidden.
    pdf = client.get(
        "/console/exports/quarterly",
        params={**params, "format": "pdf"},
        headers=world.sophie.headers,
    )
    assert pdf.status_code == 200, pdf.text
    text = "\n".join(_pdf_pages(pdf.content, tmp_path))
    assert _pdf_grid(text, "Chiffres clés")["Contacts"] == ["0"]


def test_quarterly_report_refuses_bad_requests_in_french(client: TestClient, world: World) -> None:
    mediator = client.get("/console/exports/quarterly", params=REPORT, headers=world.amina.headers)
    assert mediator.status_code == 403
    next_year = dt.datetime.now(dt.UTC).date().year + 1
    future = client.get(
        "/console/exports/quarterly",
        params={"year": str(next_year), "quarter": "1"},
        headers=world.sophie.headers,
    )
    assert future.status_code == 400
    assert "n'a pas encore commencé" in future.json()["detail"]
    for bad in ({"quarter": "5"}, {"format": "docx"}, {"year": "1999"}):
        res = client.get(
            "/console/exports/quarterly", params={**REPORT, **bad}, headers=world.sophie.headers
        )
        assert res.status_code == 422, bad
        assert res.json()["detail"].startswith("Requête invalide"), res.json()


class _Through(httpx.BaseTransport):
    """Routes the console's httpx requests into the in-process TestClient."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        reply = self._client.request(
            request.method, request.url.raw_path.decode(), headers=dict(request.headers)
        )
        return httpx.Response(reply.status_code, headers=reply.headers, content=reply.content)


def test_the_console_downloads_the_quarter_its_period_starts_in(
    client: TestClient, session: Session, world: World
) -> None:
    _seed(session, world)
    state = ExportsState(api=ConsoleApi("http://testserver", world.sophie.token, _Through(client)))
    asyncio.run(state.choose(period=parse_custom_period("10/05/2025", "20/06/2025")))
    saved: dict[str, bytes] = {}

    async def save(name: str, content: bytes) -> bool:
        saved[name] = content
        return True

    asyncio.run(state.programme_report("xlsx", save))
    assert state.error is None
    assert list(saved) == ["relais-rapport-programme-2025-T2.xlsx"]  # May–June: T2
    assert state.notice and state.notice.startswith("« relais-rapport-programme-2025-T2.xlsx »")
    grids = _xlsx_grids(saved["relais-rapport-programme-2025-T2.xlsx"])
    assert grids["Ensemble de la cité"]["Contacts"][:2] == [
        protect_count(_api(client, world, q, None)["contacts"]) for q in (0, 1)
    ]

    next_year = dt.datetime.now(dt.UTC).date().year + 1
    asyncio.run(state.choose(period=quarter_of(dt.date(next_year, 2, 1))))
    asyncio.run(state.programme_report("pdf", save))
    assert state.error and "n'a pas encore commencé" in state.error
    assert state.fetching == "" and len(saved) == 1
