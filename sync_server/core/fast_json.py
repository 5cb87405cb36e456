"""JSON text for the server's hot paths (bulk writes, sync replies), with orjson.

orjson is several times faster than the stdlib encoder on the small dicts a push
writes (data, per-field HLCs and versions, the ledger's `set`). It refuses what
the stdlib accepts in one case that can reach us, integers beyond 64 bits in an
op's raw `set` (only in a rejected op's ledger entry): those fall back to the
stdlib. Output is compact UTF-8, read back by the ORM like any JSON text.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_stdlib = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value: Any) -> str:
    """Compact JSON text."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return _stdlib.encode(value)
