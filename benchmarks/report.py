"""What the programme's quarterly report costs next to the dashboard it extends.

    uv run python -m benchmarks.report --contacts 20000 --qpvs 5

A synthetic cité over one year (contacts spread over its QPV and its actions de
terrain, a third as many persons, a tenth as many orientations), in process, no
database: the dashboard of one quarter (`compute_indicators`, what
`/console/indicators` computes) is the baseline measured in the same run; then the
report's figures (`compute_quarterly`: the cité and each QPV over four quarters), its
protected sections, the workbook and the PDF. Also the floor of the same contacts
(`benchmarks.common.floor_seconds`). Medians of `--runs`.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from benchmarks.common import emit, floor_median, median, timed, workdir
from domain.indicators import compute_indicators
from domain.periods import quarter_of
from domain.quarterly import compute_quarterly
from domain.quarterly_report import quarterly_sections
from sync_server.core.report_pdf import report_pdf
from sync_server.core.reports import sections_xlsx

YEAR = 2025


def _rows(contacts: int, qpvs: int) -> dict[str, Any]:
    codes = [f"QN06{i:05d}" for i in range(qpvs)]
    partners = {f"p{i}": f"Partenaire {i}" for i in range(6)}
    events = [
        {
            "id": f"e{i}",
            "type": ("foot_of_building", "drop_in", "forum", "door_to_door")[i % 4],
            "starts_at": f"{YEAR}-{1 + i % 12:02d}-{1 + i % 28:02d}T09:00:00+01:00",
            "qpv_code": codes[i % qpvs],
            "place": f"Place n°{i}",
            "partner_ids": list(partners)[: i % 3],
        }
        for i in range(max(1, contacts // 40))
    ]
    persons = [
        {"id": f"p-{i}", "first_name": "X", "qpv_code": codes[i % qpvs], "declared_age": 30}
        for i in range(contacts // 3)
    ]
    rows = []
    for i in range(contacts):
        event = events[i % len(events)]
        rows.append(
            {
                "id": f"c{i}",
                "event_id": event["id"],
                "person_id": f"p-{i % len(persons)}" if persons and i % 4 else None,
                "occurred_at": event["starts_at"],
                "age_band": "under_26",
            }
        )
    orientations = [
        {
            "id": f"o{i}",
            "person_id": f"p-{i % max(1, len(persons))}",
            "partner_id": f"p{i % 6}",
            "date": f"{YEAR}-{1 + i % 12:02d}-15",
            "status": "accepted",
        }
        for i in range(contacts // 10)
    ]
    return {
        "events": events,
        "persons": persons,
        "contacts": rows,
        "orientations": orientations,
        "partner_names": partners,
        "qpv_names": {c: f"Quartier {i}" for i, c in enumerate(codes)},
    }


def measure(contacts: int, qpvs: int, runs: int) -> dict[str, Any]:
    rows = _rows(contacts, qpvs)
    qpv_names = rows.pop("qpv_names")
    period = quarter_of(dt.date(YEAR, 10, 1))
    today = dt.date(YEAR + 1, 1, 15)
    dashboard = median(
        [timed(lambda: compute_indicators(period=period, **rows)) for _ in range(runs)]
    )
    report = compute_quarterly(period=period, today=today, qpv_names=qpv_names, **rows)
    sections = quarterly_sections(report, today=today)
    pdf = report_pdf(
        cite="Cité de banc d'essai", period_label=period.label, sections=sections, today=today
    )
    steps = {
        "figures_s": lambda: compute_quarterly(
            period=period, today=today, qpv_names=qpv_names, **rows
        ),
        "sections_s": lambda: quarterly_sections(report, today=today),
        "xlsx_s": lambda: sections_xlsx("Cité de banc d'essai", sections),
        "pdf_s": lambda: report_pdf(
            cite="Cité de banc d'essai", period_label=period.label, sections=sections, today=today
        ),
    }
    figures: dict[str, Any] = {"dashboard_s": dashboard}
    for name, step in steps.items():
        figures[name] = median([timed(step) for _ in range(runs)])
    total = sum(figures[name] for name in steps)
    with workdir() as tmp:
        floor = floor_median(rows["contacts"], Path(tmp), runs)
    return {
        "contacts": contacts,
        "persons": len(rows["persons"]),
        "orientations": len(rows["orientations"]),
        "actions": len(rows["events"]),
        "qpvs": qpvs,
        "runs": runs,
        **figures,
        "report_total_s": total,
        "report_vs_dashboard": total / dashboard,
        "figures_vs_dashboard": figures["figures_s"] / dashboard,
        "floor_s": floor,
        "report_vs_floor": total / floor,
        "pdf_bytes": len(pdf),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--qpvs", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", help="where to write the JSON (default: benchmarks/results/)")
    args = parser.parse_args()
    emit("report", measure(args.contacts, args.qpvs, args.runs), args.out)


if __name__ == "__main__":
    main()
