"""JSON for the phone's hot paths: orjson where it is installed, the stdlib otherwise.

A pulled page of 1,000 rows is read once and each row written back to the store:
orjson does both ~3x and ~8x faster than the standard library. But Flet's index of
binary packages for Android and iOS has no build of orjson, so the app must not
need it: without it, the same JSON comes from the standard library, only slower.
Both paths give the same text for what a phone stores (compact, keys sorted,
UTF-8 kept as is); `tests/app/test_replies.py` runs with and without orjson.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

orjson: ModuleType | None
try:
    import orjson
except ImportError:  # a phone build without it
    orjson = None

_SORTED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def dumps_sorted(data: dict[str, Any]) -> str:
    """Compact JSON with sorted keys (stable bytes for the same values)."""
    if orjson is not None:
        try:
            return str(orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode())
        except TypeError:
            pass  # an integer beyond 64 bits: the stdlib writes it
    return _SORTED.encode(data)


def loads(raw: str | bytes) -> Any:
    """Parsed JSON; raises `ValueError` for text that is not JSON."""
    if orjson is not None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # what orjson refuses and the stdlib reads (NaN, integers beyond 64 bits)
    return json.loads(raw)
