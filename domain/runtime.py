"""Process-level settings shared by the server and the phone app."""

from __future__ import annotations

import gc

_heap_settled = False


def settle_heap() -> None:
    """Move what startup allocated (modules, framework, ORM metadata) out of the GC's reach.

    A sync batch allocates tens of thousands of short-lived containers, which
    triggers full collections; each one otherwise walks every object the process
    ever imported (~0.1 s a time on the server, several times per 5,000-op push).
    Frozen objects are never collected, so this runs once per process, at startup.
    """
    global _heap_settled
    if not _heap_settled:
        _heap_settled = True
        gc.collect()
        gc.freeze()
