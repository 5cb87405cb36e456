"""The concurrency benchmark's core, small: phones syncing at once lose and double nothing.

Timings are not asserted (see benchmarks/README.md); only what the benchmark checks
on the server database and in every phone's outbox afterwards.
"""

from __future__ import annotations

import pytest

from benchmarks.concurrency import intact, measure

pytestmark = pytest.mark.processes


def test_five_phones_at_once_on_sqlite() -> None:
    figures = measure("sqlite", 1, phones=5, contacts=3, shared=2, edits=2, lone_runs=1)
    assert intact(figures), figures
    assert figures["lost"] == 0 and figures["doubled"] == 0
    assert figures["phones_ok"] == 5
    assert figures["errors"] == {} and figures["server_errors_logged"] == {}
