"""How the suite shares out its tests between two workers (pytest-xdist).

Two kinds of test must not overlap with their own kind:
- browser tests: each drives Chromium against a server and an app process, and two
  at once on a 2-core machine starve Flutter's rendering into timeouts;
- PostgreSQL tests: a pull cursor stops below the oldest transaction still open on
  the whole cluster (sync_server/sync/pull.py), whatever database it is in, so a
  test on the other worker holding a transaction open would hold back this test's
  rows.
Each kind is one unit of work, run on one worker while the other worker takes the
rest. xdist's own `xdist_group` mark cannot say this with pytest 9.2 (it rewrites a
node id attribute pytest 9 does not read), so the scheduler below groups by node id,
and collection checks that every marked test carries its kind in its id.
"""

from __future__ import annotations

from typing import Any

import pytest


def unit_of_work(nodeid: str) -> str:
    """The group a test is scheduled in: its kind, or the test itself."""
    if "_browser.py::" in nodeid:
        return "browser"
    if "postgres" in nodeid:
        return "postgres"
    if "test_phone_packages.py::" in nodeid:
        return "phone-packages"  # one fresh environment for them all, built once
    return nodeid


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        group = unit_of_work(item.nodeid)
        if item.get_closest_marker("browser") is not None and group != "browser":
            raise pytest.UsageError(f"{item.nodeid}: a browser test lives in a *_browser.py file")
        if item.get_closest_marker("postgres") is not None and group == item.nodeid:
            raise pytest.UsageError(f"{item.nodeid}: a PostgreSQL test says 'postgres' in its id")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class KindScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of_work(nodeid)

    return KindScheduling(config, log)
