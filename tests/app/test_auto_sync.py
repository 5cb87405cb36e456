"""AutoSync: syncs when the server answers and work is waiting, not otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from app.sync.auto import (
    DEFAULT_INTERVAL,
    MAX_BACKOFF,
    RECONNECT_PROBE,
    RECONNECT_WINDOW,
    AutoSync,
    interval_from_env,
)


@dataclass
class FakeState:
    pending: int = 0
    online: bool | None = None
    allowed: bool = True
    syncs: list[int] = field(default_factory=list)
    asked_wait: float | None = None

    def can_sync(self) -> bool:
        return self.allowed

    def pending_count(self) -> int:
        return self.pending

    def retry_after(self) -> float | None:
        return self.asked_wait

    async def sync(self, *, quiet: bool = False) -> bool:
        assert quiet, "automatic syncs are quiet"
        self.syncs.append(self.pending)
        self.pending = 0
        return True


def test_syncs_only_when_reachable_and_pending() -> None:
    state = FakeState(pending=2)
    up = {"value": False}
    auto = AutoSync(
        state, "http://relais.test", interval=0, pull_every=3600, prober=lambda _u: up["value"]
    )

    async def scenario() -> list[bool]:
        results = [await auto.tick()]  # server down: nothing
        up["value"] = True
        results.append(await auto.tick())  # back: the two pending ops go
        results.append(await auto.tick())  # nothing pending, pull not due yet
        return results

    assert asyncio.run(scenario()) == [False, True, False]
    assert state.syncs == [2]
    assert state.online is True


def test_pulls_periodically_with_nothing_pending() -> None:
    state = FakeState()
    auto = AutoSync(state, "http://relais.test", interval=0, pull_every=0, prober=lambda _u: True)
    assert asyncio.run(auto.tick()) is True
    assert state.syncs == [0]


def test_nothing_is_probed_nor_synced_while_not_allowed() -> None:
    state = FakeState(pending=3, allowed=False)
    probes: list[str] = []
    auto = AutoSync(state, lambda: "http://relais.test", interval=0, prober=_recording(probes))
    assert asyncio.run(auto.tick()) is False
    assert (probes, state.syncs, state.online) == ([], [], None)


def test_a_failing_round_does_not_end_the_loop() -> None:
    state = FakeState(pending=1)
    calls = {"n": 0}
    stop = asyncio.Event()

    def prober(_url: str) -> bool:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("boom")
        stop.set()
        return True

    async def no_sleep(_s: float) -> None:
        return None

    auto = AutoSync(state, "http://relais.test", prober=prober, sleep=no_sleep)
    asyncio.run(auto.run(stop))
    assert calls["n"] == 2 and state.syncs == [1]


def test_interval_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELAIS_AUTOSYNC_SECONDS", "1")
    assert interval_from_env() == 1.0
    monkeypatch.setenv("RELAIS_AUTOSYNC_SECONDS", "n'importe quoi")
    assert interval_from_env() == DEFAULT_INTERVAL


def _recording(probes: list[str]) -> Callable[[str], bool]:
    def prober(url: str) -> bool:
        probes.append(url)
        return True

    return prober


@dataclass
class FailingState(FakeState):
    fail: bool = True

    async def sync(self, *, quiet: bool = False) -> bool:
        self.syncs.append(self.pending)
        if self.fail:
            return False
        self.pending = 0
        return True


def test_failed_syncs_back_off_then_a_success_resets() -> None:
    # The server answers its health check but every sync fails (busy, 5xx): phones
    # must not retry every tick; the wait doubles up to MAX_BACKOFF.
    state = FailingState(pending=1)
    clock = {"now": 1000.0}
    auto = AutoSync(
        state,
        "http://relais.test",
        interval=10,
        pull_every=3600,
        prober=lambda _u: True,
        clock=lambda: clock["now"],
        jitter=lambda: 0.0,  # the shortest wait jitter allows
    )

    async def tick_at(t: float) -> bool:
        clock["now"] = t
        return await auto.tick()

    async def scenario() -> list[bool]:
        return [
            await tick_at(1000),  # fails: next try not before 1010
            await tick_at(1005),  # too early
            await tick_at(1010),  # fails again: wait 20 s
            await tick_at(1025),  # too early
            await tick_at(1030),  # fails a third time: wait 40 s
        ]

    assert asyncio.run(scenario()) == [True, False, True, False, True]
    assert auto.backoff == 40
    for _ in range(10):
        clock["now"] += MAX_BACKOFF
        asyncio.run(auto.tick())
    assert auto.backoff == MAX_BACKOFF  # capped

    state.fail = False
    clock["now"] += MAX_BACKOFF
    assert asyncio.run(auto.tick()) is True
    assert (auto.backoff, state.pending) == (0.0, 0)
    state.pending = 1
    assert asyncio.run(tick_at(clock["now"] + 0.1)) is True  # no wait after a success


def _failing_auto(state: FailingState, clock: dict[str, float], draw: float) -> AutoSync:
    return AutoSync(
        state,
        "http://relais.test",
        interval=10,
        pull_every=3600,
        prober=lambda _u: True,
        clock=lambda: clock["now"],
        jitter=lambda: draw,
    )


def test_jitter_spreads_the_retries_of_phones_that_failed_together() -> None:
    # Two phones fail at the same second; their draws differ, so do their retries.
    waits = []
    for draw in (0.1, 0.9):
        clock = {"now": 1000.0}
        auto = _failing_auto(FailingState(pending=1), clock, draw)
        asyncio.run(auto.tick())
        waits.append(auto.retry_wait)
        clock["now"] = 1000 + auto.retry_wait - 0.5
        assert asyncio.run(auto.tick()) is False  # not before its own wait
        clock["now"] = 1000 + auto.retry_wait
        assert asyncio.run(auto.tick()) is True
    assert waits == [pytest.approx(10 * 1.05), pytest.approx(10 * 1.45)]


def test_a_retry_after_from_the_server_is_waited_out() -> None:
    # A busy server answers 503 with Retry-After: 120; the phone's own backoff (10 s)
    # would come back far sooner.
    state = FailingState(pending=1, asked_wait=120.0)
    clock = {"now": 1000.0}
    auto = _failing_auto(state, clock, 0.0)
    assert asyncio.run(auto.tick()) is True
    assert auto.retry_wait == 120.0
    clock["now"] = 1119.0
    assert asyncio.run(auto.tick()) is False
    clock["now"] = 1120.0
    assert asyncio.run(auto.tick()) is True
    assert len(state.syncs) == 2


@dataclass
class CutState(FakeState):
    """A first install (nothing pending) whose first sync is cut: the link is lost."""

    cut: bool = True

    async def sync(self, *, quiet: bool = False) -> bool:
        self.syncs.append(self.pending)
        if self.cut:
            self.online = False
            return False
        self.online = True
        return True


def test_a_sync_cut_by_the_link_resumes_soon_after_it_returns() -> None:
    state = CutState()
    clock = {"now": 1000.0}
    up = {"value": True}
    auto = AutoSync(
        state,
        "http://relais.test",
        interval=10,
        pull_every=3600,
        prober=lambda _u: up["value"],
        clock=lambda: clock["now"],
    )

    async def tick_at(t: float) -> bool:
        clock["now"] = t
        return await auto.tick()

    assert asyncio.run(tick_at(1000)) is True  # the install starts, and is cut
    assert auto.wait == RECONNECT_PROBE  # probing often while the link is down
    up["value"] = False
    assert asyncio.run(tick_at(1002)) is False
    up["value"] = True
    state.cut = False
    # Back 20 s later: the install is still due although nothing is pending and the
    # periodic pull is an hour away, and its backoff (10 s) is over.
    assert asyncio.run(tick_at(1020)) is True
    assert state.syncs == [0, 0]
    assert auto.wait == 10  # a success: the usual interval again
    assert asyncio.run(tick_at(1030)) is False  # and nothing due


def test_reconnect_probing_is_bounded_in_time() -> None:
    state = CutState()
    clock = {"now": 1000.0}
    auto = AutoSync(
        state,
        "http://relais.test",
        interval=10,
        prober=lambda _u: False,
        clock=lambda: clock["now"],
    )
    up = AutoSync(
        state, "http://relais.test", interval=10, prober=lambda _u: True, clock=lambda: clock["now"]
    )
    asyncio.run(up.tick())  # cut
    assert up.wait == RECONNECT_PROBE
    clock["now"] += RECONNECT_WINDOW
    assert up.wait == 10  # a long outage: back to the usual interval
    assert auto.wait == 10  # never lost a link: the usual interval
