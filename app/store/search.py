"""The person search index, kept in memory only and rebuilt at unlock.

Per person it holds one folded haystack of every name ("aicha benali ben ali"),
the phone digits in international and national forms, a sort key and the
duplicate-matching tokens, so a mediator typing "aich", "benal" or "0612" finds
the person without decrypting 20,000 rows.

Why in memory rather than keyed hashes (HMAC) of name trigrams on disk: the
store must leak no name, and even keyed trigram tokens leak equality (which
persons share a name, how long names are) to whoever holds the file; an
in-memory index leaks nothing at rest, needs no second key, keeps the exact
same substring semantics as before, and rebuilding it costs one decryption
pass over the persons at unlock (measured in `tests/app/test_phone_security.py`:
well under a second for 20,000 persons). Locking the app drops it with the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from domain.matching import PersonKeys, fold, person_keys, phone_key

_DIGITS = re.compile(r"\D")
MIN_PHONE_DIGITS = 3


def _phone_haystack(phone: str | None) -> str:
    digits = _DIGITS.sub("", phone or "")
    key = phone_key(phone)
    forms = {digits, key, f"0{key}" if key else ""}
    return " ".join(sorted(f for f in forms if f))


def match_tokens(keys: PersonKeys) -> list[str]:
    """Tokens a duplicate candidate must share with the new person.

    `domain.matching.compare` cannot reach its threshold without a shared phone or
    a shared last name (folded or phonetic): first name + birth year tops at 45 < 50.
    So these tokens prefilter exactly the persons worth scoring.
    """
    raw = [
        ("n", keys.last),
        ("n", keys.birth),
        ("p", keys.last_phonetic),
        ("t", keys.phone),
    ]
    return [f"{kind}:{value.replace(' ', '_')}" for kind, value in raw if value]


@dataclass(frozen=True)
class _Entry:
    names: str
    phone: str
    sort_key: str
    tokens: frozenset[str]


class PersonIndex:
    """Active persons only; deleted or merged persons leave the index."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def put(self, row_id: str, data: dict[str, Any], deleted: bool) -> None:
        """(Re)write the entry of one person; call it with every person write."""
        if deleted or data.get("merged_into"):
            self._entries.pop(row_id, None)
            return
        names = [fold(data.get(k)) for k in ("first_name", "last_name", "birth_name")]
        self._entries[row_id] = _Entry(
            names=" ".join(n for n in names if n),
            phone=_phone_haystack(data.get("phone")),
            sort_key=f"{names[1]} {names[0]}".strip(),
            tokens=frozenset(match_tokens(person_keys(row_id, data))),
        )

    def find(self, text: str, limit: int) -> list[str]:
        """Ids of active persons matching every word of `text` (or its phone digits)."""
        words = fold(text).split()
        digits = _DIGITS.sub("", text)
        if not words:
            return []
        by_phone = len(digits) >= MIN_PHONE_DIGITS
        found = [
            (e.sort_key, row_id)
            for row_id, e in self._entries.items()
            if all(w in e.names for w in words) or (by_phone and digits in e.phone)
        ]
        found.sort()
        return [row_id for _, row_id in found[:limit]]

    def candidates(self, keys: PersonKeys) -> list[str]:
        """Active persons sharing at least one matching token with `keys`."""
        tokens = set(match_tokens(keys))
        if not tokens:
            return []
        return [
            row_id
            for row_id, e in self._entries.items()
            if row_id != keys.id and not tokens.isdisjoint(e.tokens)
        ]
