"""A record's per-field stamps (HLC, version), stored without their repetitions.

The merge rule keeps, for every field of a record, the HLC of its stored value and
the version that last changed it (`domain.merge.StoredRow`). Most fields share the
record's own `updated_hlc` and `version`: every field of a new contact carries the
same HLC and the same version. Stored in full, those maps were half of a new
record's bytes and a third of what a push writes (`benchmarks.sync_phases`,
`server_writes_replayed_s`). So a stored map keeps only the fields whose stamp
differs from the record's own; `expand` gives the full map back, `compact` makes
the stored form. A map stored in full (rows written before) reads the same.

Both are exact: `expand(data, compact(data, full, d), d) == full`, except entries
holding `missing` (""/0), which every reader already takes as "no stamp". A
field of `data` with no stamp at all is stored as `missing`, so that `expand`
does not give it the record's stamp.
"""

from __future__ import annotations

from typing import Any, TypeVar

S = TypeVar("S", str, int)

NO_HLC = ""
NO_VERSION = 0


def expand(data: dict[str, Any], stored: dict[str, S], default: S, missing: S) -> dict[str, S]:
    """The full map: each field of `data` at `default` unless `stored` says otherwise."""
    if not stored:
        return dict.fromkeys(data, default) if default != missing else {}
    full = dict.fromkeys(data, default)
    full.update(stored)
    if default == missing or missing in stored.values():
        return {k: v for k, v in full.items() if v != missing}
    return full


def compact(data: dict[str, Any], full: dict[str, S], default: S, missing: S) -> dict[str, S]:
    """The stored form of `full`: only the fields whose stamp is not `default`."""
    out = {k: v for k, v in full.items() if v != default or k not in data}
    if default != missing:
        unstamped = data.keys() - full.keys()  # usually none: a set difference in C
        if unstamped:
            out.update(dict.fromkeys(unstamped, missing))
    return out


def expand_hlc(data: dict[str, Any], stored: dict[str, str], updated_hlc: str) -> dict[str, str]:
    return expand(data, stored, updated_hlc, NO_HLC)


def compact_hlc(data: dict[str, Any], full: dict[str, str], updated_hlc: str) -> dict[str, str]:
    return compact(data, full, updated_hlc, NO_HLC)


def expand_version(data: dict[str, Any], stored: dict[str, int], version: int) -> dict[str, int]:
    return expand(data, stored, version, NO_VERSION)


def compact_version(data: dict[str, Any], full: dict[str, int], version: int) -> dict[str, int]:
    return compact(data, full, version, NO_VERSION)
