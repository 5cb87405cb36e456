"""How the suite shares out its tests between three workers (pytest-xdist).

Two kinds of test must not overlap with their own kind too much:
- browser tests: each drives Chromium against a server and an app process, and
  spends most of its time waiting on Flutter's frames (the browser tests alone used
  about a quarter of the two cores). They are split in three groups of about the same
  length, one on each worker: the field app's screens, the console's, and the long
  journeys (phone and console together, through nginx, the PIN, enrolment, a week);
  two groups on two workers took over 12 minutes each, the whole suite over 15;
- PostgreSQL tests: a pull cursor stops below the oldest transaction still open on
  the whole cluster (sync_server/sync/pull.py), whatever database it is in, so a
  test on another worker holding a transaction open would hold back this test's
  rows.
Each group is one unit of work, run on one worker while the others take the rest.
xdist's own `xdist_group` mark cannot say this with pytest 9.2 (it rewrites a node id
attribute pytest 9 does not read), so the scheduler below groups by node id, and
collection checks that every marked test carries its kind in its id.
"""

from __future__ import annotations

from typing import Any

import pytest

# The long browser journeys, a group of their own (see above).
_JOURNEYS = (
    "/test_first_path_browser.py::",
    "/test_deploy_nginx_browser.py::",
    "/test_phone_lock_browser.py::",
    "/test_phone_enrol_browser.py::",
    "/test_field_week_browser.py::",
)


def unit_of_work(nodeid: str) -> str:
    """The group a test is scheduled in: its kind, or the test itself."""
    if "_browser.py::" in nodeid:
        if any(journey in nodeid for journey in _JOURNEYS):
            return "browser-journeys"
        return "browser-field" if "/test_field_" in nodeid else "browser-console"
    if "postgres" in nodeid:
        return "postgres"
    if "test_phone_packages.py::" in nodeid:
        return "phone-packages"  # one fresh environment for them all, built once
    return nodeid


# The long groups first, one browser group per worker, so that none waits for the
# others at the end; the PostgreSQL group goes to the first worker done with its
# browser group, and the short tests fill in around them.
_FIRST = {"browser-field": 0, "browser-console": 1, "browser-journeys": 2, "postgres": 3}


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
