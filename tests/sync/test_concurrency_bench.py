"""The concurrency benchmark's core, small: phones syncing at once lose and double nothing.

Timings are not asserted (see benchmarks/README.md); only what the benchmark checks
on the server database and in every phone's outbox afterwards.
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.concurrency import intact, measure

pytestmark = pytest.mark.processes


def _clean(figures: dict[str, Any], phones: int) -> None:
    assert intact(figures), figures
    assert figures["lost"] == 0 and figures["doubled"] == 0
    assert figures["phones_ok"] == phones
    assert figures["errors"] == {} and figures["server_errors_logged"] == {}
    assert figures["requests"]["http_5xx"] == 0
    # Every request of the crowd was timed by the server too. Each phone pushed; its
    # first pull page came with its last push's answer, so pull requests may be none.
    assert figures["requests"]["/sync/push"]["requests"] >= phones
    for route in ("/sync/push", "/sync/pull", "/sync/pull/stream"):
        reqs = figures["requests"][route]
        assert reqs["server_timed"] == reqs["requests"]


def test_five_phones_in_one_cite_on_sqlite() -> None:
    figures = measure(
        "sqlite", 1, phones=5, contacts=3, scenario="one-cite", phone_procs=1, lone_runs=1
    )
    _clean(figures, 5)
    assert figures["cites"] == 1 and figures["shared_fields_checked"] > 0
    # One cité: every phone pulls what the four others pushed (3 contacts each).
    assert figures["rows_pulled_per_phone_p50"] >= 4 * 3


def test_phones_of_several_cites_from_two_processes_on_sqlite() -> None:
    figures = measure(
        "sqlite", 1, phones=6, contacts=3, scenario="cites", per_cite=2, phone_procs=2,
        lone_runs=1,
    )  # fmt: skip
    _clean(figures, 6)
    assert figures["cites"] == 3 and len(figures["phone_cpu_s"]["per_process"]) == 2
    # Pull is scoped to the cité: a phone gets its colleague's rows, not the crowd's.
    assert figures["rows_pulled"] < 6 * 5 * 3


@pytest.mark.postgres
def test_phones_of_several_cites_against_two_instances_on_postgres() -> None:
    figures = measure(
        "postgres", 2, phones=6, contacts=3, scenario="cites", per_cite=3, phone_procs=2,
        lone_runs=1,
    )  # fmt: skip
    _clean(figures, 6)
    assert figures["cites"] == 2
