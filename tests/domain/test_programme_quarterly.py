"""The programme's quarterly trend: each quarter protected across cités and « Ensemble »."""

from __future__ import annotations

from domain.disclosure import SUPPRESSED
from domain.indicators import compute_indicators
from domain.periods import Period
from domain.programme_quarterly import trend_grid
from domain.quarterly import AreaFigures, AreaTrend, QuarterlyReport, year_quarters

QUARTERS = year_quarters(2025)


def _report(contacts: list[int | None]) -> QuarterlyReport:
    """A cité whose contacts are known for the first quarters, `None` after."""

    def figures(n: int | None) -> AreaFigures | None:
        if n is None:
            return None
        return AreaFigures(
            actions=0,
            contacts=n,
            people_met=0,
            persons_followed=0,
            orientations=0,
            orientations_by_partner=[],
            exits=0,
        )

    period: Period = QUARTERS[1]
    empty = compute_indicators(
        period=period, events=[], persons=[], contacts=[], orientations=[], partner_names={}
    )
    trend = AreaTrend(None, "Ensemble de la cité", [figures(n) for n in contacts])
    return QuarterlyReport(period, QUARTERS, empty, [trend], [])


def test_a_cite_s_hidden_quarter_cannot_be_recomputed_from_the_ensemble() -> None:
    reports = [_report([3, 0, None, None]), _report([10, 12, None, None])]

    grid = trend_grid("Contacts", "contacts", ["Beauvais", "Creil"], reports)

    assert grid.columns == ["", "Beauvais", "Creil", "Ensemble"]
    rows = dict(grid.rows)
    # 3 hidden, so Creil's 10 too (else 13 − 10); the consolidated 13 stays readable.
    assert rows["T1 2025"] == [SUPPRESSED, SUPPRESSED, 13]
    assert rows["T2 2025"] == [0, 12, 12]  # a true zero
    assert rows["T3 2025"] == rows["T4 2025"] == [None, None, None]  # not reported yet
