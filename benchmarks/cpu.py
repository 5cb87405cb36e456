"""Where a benchmark's CPU went, and which cores processes may run on (Linux, /proc).

A capacity figure means something only if one knows which core was the limit: the
server's, the simulated phones', or PostgreSQL's processes. These helpers read the
CPU time of processes and cores from /proc, and pin a group of processes (such as
PostgreSQL's) to cores for the length of a run, then give them back the cores they
had.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

TICK_S = 1 / os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def _stat(pid: int | str) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces):
    [0] is the state, [1] the parent's pid, [11:15] utime, stime, cutime, cstime,
    [19] the start time."""
    return (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int | str = "self") -> float:
    """CPU seconds (user + system) a live process has used, all its threads."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) * TICK_S


def group_cpu_seconds(pids: list[int]) -> float:
    """CPU seconds of the processes `pids`, and of their children that ended and were
    waited for (a parent's cutime/cstime): the difference of two readings counts a
    process that ended in between too, as long as its parent is in the group."""
    total = 0
    for pid in pids:
        try:
            fields = _stat(pid)
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended: its time is in its parent's children's time
        total += sum(int(f) for f in fields[11:15])
    return total * TICK_S


def cores_busy_ticks() -> dict[int, tuple[int, int]]:
    """Per core, (busy ticks, all ticks) since boot, from /proc/stat (idle and iowait
    are not busy)."""
    out: dict[int, tuple[int, int]] = {}
    for line in (PROC / "stat").read_text().splitlines():
        name, *values = line.split()
        if not name.startswith("cpu") or name == "cpu":
            continue
        ticks = [int(v) for v in values[:8]]
        out[int(name[3:])] = (sum(ticks) - ticks[3] - ticks[4], sum(ticks))
    return out


def cores_busy(before: dict[int, tuple[int, int]]) -> dict[str, float]:
    """Per core, the share of its time it was busy since the reading `before`
    (any process's work, this machine's other users' too)."""
    now = cores_busy_ticks()
    out = {}
    for core, (busy, total) in now.items():
        busy0, total0 = before.get(core, (0, 0))
        out[str(core)] = round((busy - busy0) / max(1, total - total0), 3)
    return out


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (of any of its threads)."""
    out: list[int] = []
    try:
        for task in (PROC / str(pid) / "task").iterdir():
            out += [int(c) for c in (task / "children").read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def process_tree(root: int) -> list[int]:
    """`root` and its live descendants, parents before children."""
    out = [root]
    for pid in out:
        out += children(pid)
    return out


def postgres_pids() -> list[int]:
    """This machine's PostgreSQL processes: each postmaster (a process named `postgres`
    whose parent is not one) and its descendants (backends, checkpointer, WAL writer…).
    Found by the kernel's name of the executable, not by command line: a command line
    such as `--db postgres` is not PostgreSQL's."""
    named = set()
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    named.add(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    out: list[int] = []
    for pid in sorted(named):
        try:
            if int(_stat(pid)[1]) not in named:
                out += process_tree(pid)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return out


@dataclass(frozen=True)
class Affinity:
    """The cores a process could run on, and its start time (to know it again)."""

    cpus: frozenset[int]
    started: str


def _started(pid: int) -> str:
    return _stat(pid)[19]


def cores(spec: str) -> set[int]:
    """The cores a command line names, "0" or "0,1"."""
    return {int(c) for c in spec.split(",")}


def set_affinity(pid: int, cpus: set[int] | frozenset[int]) -> None:
    """Every thread of `pid` on `cpus` (as `taskset -a -p`); its later threads and
    children inherit them."""
    for task in (PROC / str(pid) / "task").iterdir():
        try:
            os.sched_setaffinity(int(task.name), cpus)
        except ProcessLookupError:
            continue


@contextmanager
def pinned(find: Callable[[], list[int]], cpus: set[int]) -> Iterator[dict[int, Affinity]]:
    """The processes `find()` lists, pinned to `cpus` until the block ends, however it
    ends; then each given back the cores it had. One started meanwhile (it inherited
    the pin from its parent) is given its parent's former cores. Yields what was
    changed: pid → its former affinity."""
    before: dict[int, Affinity] = {}
    try:
        for pid in find():  # parents first: a child forked meanwhile inherits the pin
            try:
                before[pid] = Affinity(frozenset(os.sched_getaffinity(pid)), _started(pid))
                set_affinity(pid, cpus)
            except (FileNotFoundError, ProcessLookupError):
                continue
        yield before
    finally:
        restore(find, before, cpus)


def restore(find: Callable[[], list[int]], before: dict[int, Affinity], cpus: set[int]) -> None:
    """Each process of `before` still running (the same one: same start time) back on
    its former cores; each process `find()` lists that was not there and still has
    the pin, on the cores its parent is given back (its parent's former ones)."""
    given: dict[int, frozenset[int]] = {}
    for pid, was in before.items():
        try:
            if _started(pid) == was.started:
                set_affinity(pid, was.cpus)
                given[pid] = was.cpus
        except (FileNotFoundError, ProcessLookupError):
            continue
    for pid in find():  # parents first
        try:
            if pid in given:
                continue
            parent = given.get(int(_stat(pid)[1]))
            if parent is not None and os.sched_getaffinity(pid) == cpus:
                set_affinity(pid, parent)
                given[pid] = parent
        except (FileNotFoundError, ProcessLookupError):
            continue
