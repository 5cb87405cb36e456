"""How the suite shares out its tests between two workers (pytest-xdist).

Two kinds of test must not overlap with their own kind too much:
- browser tests: each drives Chromium against a server and an app process. They are
  split in two groups, the phone's and the console's, one on each worker: run all
  on one worker, they alone took over 15 minutes while the other worker sat idle
  once the rest was done; two at once (one per group) still leave Flutter enough of
  the two cores, three or more starve its rendering into timeouts;
- PostgreSQL tests: a pull cursor stops below the oldest transaction still open on
  the whole cluster (sync_server/sync/pull.py), whatever database it is in, so a
  test on the other worker holding a transaction open would hold back this test's
  rows.
Each group is one unit of work, run on one worker while the other worker takes the
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
        phone = "/test_field_" in nodeid or "/test_phone_" in nodeid
        return "browser-phone" if phone else "browser-console"
    if "postgres" in nodeid:
        return "postgres"
    if "test_phone_packages.py::" in nodeid:
        return "phone-packages"  # one fresh environment for them all, built once
    return nodeid


# The long groups first, one browser group per worker, so that neither waits for the
# other at the end; the PostgreSQL group goes to the first worker done with its
# browser group, and the short tests fill in around them.
_FIRST = {"browser-phone": 0, "browser-console": 1, "postgres": 2}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: _FIRST.get(unit_of_work(item.nodeid), len(_FIRST)))
    for item in items:
        group = unit_of_work(item.nodeid)
        if item.get_closest_marker("browser") is not None and not group.startswith("browser"):
            raise pytest.UsageError(f"{item.nodeid}: a browser test lives in a *_browser.py file")
        if item.get_closest_marker("postgres") is not None and group == item.nodeid:
            raise pytest.UsageError(f"{item.nodeid}: a PostgreSQL test says 'postgres' in its id")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class KindScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of_work(nodeid)

    # Groups in the collection's order (above), not largest first.
    config.option.loadscopereorder = False
    return KindScheduling(config, log)
