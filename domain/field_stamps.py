"""A record's per-field stamps (HLC, version), stored without their repetitions.

The merge rule keeps, for every field of a record, the HLC of its stored value and
the version that last changed it (`domain.merge.StoredRow`). Most fields share one
stamp: every field of a new contact carries the same HLC and the same version, and
after an edit or a review the fields it did not touch still share the older one.
Stored in full, those maps were half of a new record's bytes and a third of what a
push writes (`benchmarks.sync_phases`, `server_writes_replayed_s`). So a stored map
keeps only the fields whose stamp differs from the one most of them share; that
shared stamp is implied when it is the record's own (`updated_hlc`, `version`) and
written once under the reserved key `BASE` otherwise. `expand` gives the full map
back, `compact` makes the stored form. A map stored in full (rows written before)
reads the same.

Both are exact: `expand(data, compact(data, full, d), d) == full`, except entries
holding `missing` (""/0), which every reader already takes as "no stamp". A
field of `data` with no stamp at all is stored as `missing`, so that `expand`
does not give it the shared stamp. `BASE` is never a field name: entity fields are
identifiers, and unknown fields are refused before any merge.
"""

from __future__ import annotations

from typing import Any, TypeVar

S = TypeVar("S", str, int)

NO_HLC = ""
NO_VERSION = 0
BASE = "*"


def expand(data: dict[str, Any], stored: dict[str, S], own: S, missing: S) -> dict[str, S]:
    """The full map: each field of `data` at the shared stamp unless `stored` says
    otherwise; the shared stamp is `stored[BASE]`, or the record's `own` without it."""
    if not stored:
        return dict.fromkeys(data, own) if own != missing else {}
    base = stored.get(BASE, own)
    full = dict.fromkeys(data, base)
    full.update(stored)
    full.pop(BASE, None)
    if base == missing or missing in full.values():
        return {k: v for k, v in full.items() if v != missing}
    return full


def compact(data: dict[str, Any], full: dict[str, S], own: S, missing: S) -> dict[str, S]:
    """The stored form of `full`: the fields whose stamp is not the shared one."""
    if BASE in data:
        raise ValueError(f"« {BASE} » ne peut pas être un nom de champ")
    base = own
    out = {k: v for k, v in full.items() if v != own or k not in data}
    if len(out) > 1 and (shared := _shared(data, full, own)) != own:
        # With one field left, naming another shared stamp would cost as much.
        base = shared
        out = {k: v for k, v in full.items() if v != base or k not in data}
        out[BASE] = base
    if base != missing:
        unstamped = data.keys() - full.keys()  # usually none: a set difference in C
        if unstamped:
            out.update(dict.fromkeys(unstamped, missing))
    return out


def _shared(data: dict[str, Any], full: dict[str, S], own: S) -> S:
    """The stamp most fields of `data` carry (`own` when it is as common as any)."""
    counts: dict[S, int] = {}
    for name in data:
        stamp = full.get(name)
        if stamp is not None:
            counts[stamp] = counts.get(stamp, 0) + 1
    if not counts or counts.get(own, 0) == max(counts.values()):
        return own
    return max(counts, key=lambda stamp: (counts[stamp], stamp))


def expand_hlc(data: dict[str, Any], stored: dict[str, str], updated_hlc: str) -> dict[str, str]:
    return expand(data, stored, updated_hlc, NO_HLC)


def compact_hlc(data: dict[str, Any], full: dict[str, str], updated_hlc: str) -> dict[str, str]:
    return compact(data, full, updated_hlc, NO_HLC)


def expand_version(data: dict[str, Any], stored: dict[str, int], version: int) -> dict[str, int]:
    return expand(data, stored, version, NO_VERSION)


def compact_version(data: dict[str, Any], full: dict[str, int], version: int) -> dict[str, int]:
    return compact(data, full, version, NO_VERSION)
