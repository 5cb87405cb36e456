"""JSON for the phone's hot paths: a pulled page is read once, then each row written.

Reading: pydantic-core's parser (Rust, as fast as orjson here and ~1.5x the standard
library), which the app has on every platform since pydantic needs it. Writing:
orjson where it is installed (~6x the standard library; the phone ships the build of
it Flet's index of Android/iOS packages has), the standard library otherwise, so the
app never needs it. Both give the same text for what a phone stores
(compact, keys sorted, UTF-8 kept as is); `tests/app/test_replies.py` runs with and
without orjson.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pydantic_core

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
    """Parsed JSON (integers beyond 64 bits and NaN included, as the standard library
    reads them); raises `ValueError` for text that is not JSON."""
    return pydantic_core.from_json(raw)
