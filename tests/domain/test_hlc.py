from __future__ import annotations

import pytest

from domain.hlc import Hlc, HlcClock, is_ahead


def fixed(ms: int):  # a wall clock that stands still, like a phone's in a tight loop
    return lambda: ms


def test_local_events_strictly_increase_even_when_the_wall_clock_stands_still() -> None:
    clock = HlcClock("phone-a", wall=fixed(1_000))
    stamps = [clock.now() for _ in range(5)]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 5
    assert stamps[-1] == Hlc(1_000, 4, "phone-a")


def test_observing_a_remote_clock_moves_past_it() -> None:
    clock = HlcClock("phone-a", wall=fixed(1_000))
    remote = Hlc(5_000, 7, "server")
    after = clock.observe(remote)
    assert after > remote
    assert clock.now() > after


def test_wall_clock_going_backwards_never_moves_the_clock_backwards() -> None:
    times = iter([5_000, 1_000, 1_000])
    clock = HlcClock("phone-a", wall=lambda: next(times))
    first, second, third = clock.now(), clock.now(), clock.now()
    assert first < second < third


def test_encoding_sorts_like_the_clock() -> None:
    a, b, c = Hlc(999, 65535, "z"), Hlc(1_000, 0, "a"), Hlc(1_000, 1, "a")
    assert sorted([c.encode(), a.encode(), b.encode()]) == [a.encode(), b.encode(), c.encode()]
    assert Hlc.parse(b.encode()) == b


@pytest.mark.parametrize("text", ["", "abc", "12:xx:node", "1:2:", "-5:0:n", "1:70000:n"])
def test_unreadable_hlc_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Hlc.parse(text)


def test_counter_overflow_moves_to_the_next_millisecond() -> None:
    clock = HlcClock("n", last=Hlc(1_000, 0xFFFF, "n"), wall=fixed(1_000))
    assert clock.now() == Hlc(1_001, 0, "n")


def test_a_clock_a_day_ahead_is_flagged_but_a_few_seconds_are_tolerated() -> None:
    server_ms = 1_700_000_000_000
    assert is_ahead(Hlc(server_ms + 86_400_000, 0, "p"), server_ms)
    assert not is_ahead(Hlc(server_ms + 5_000, 0, "p"), server_ms)
