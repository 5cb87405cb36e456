"""Person matching keys and duplicate evidence (docs/architecture.md §3.13).

Pure functions: the app uses them to offer "already met?" candidates before a new
person is created; the server uses them to propose duplicates to supervisors.
Nothing here decides a merge; it only weighs evidence a person can read.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_DIGIT = re.compile(r"\D")
_REPEATS = re.compile(r"(.)\1+")
# Ordered rewrite rules of a small French phonetic key: spellings that sound alike
# ("Mohamed"/"Mohammed", "Kévin"/"Quevin", "Christophe"/"Kristof") collapse together.
_PHONETIC_RULES: tuple[tuple[str, str], ...] = (
    (r"ph", "f"),
    (r"qu", "k"),
    (r"ck", "k"),
    (r"c(?=[eiy])", "s"),
    (r"c", "k"),
    (r"gu(?=[eiy])", "g"),
    (r"g(?=[eiy])", "j"),
    (r"(?<=[aeiouy])s(?=[aeiouy])", "z"),
    (r"y", "i"),
    (r"eau|au|o", "o"),
    (r"ou", "u"),
    (r"ai|ei|e", "e"),
    (r"w", "v"),
    (r"z", "s"),
    (r"h", ""),
    (r"x$|s$|t$|d$|e$", ""),
)
_COMPILED_RULES = tuple((re.compile(pattern), repl) for pattern, repl in _PHONETIC_RULES)


def fold(text: str | None) -> str:
    """Accent- and case-folded, punctuation to single spaces: 'Aïcha  N'Diaye' → 'aicha n diaye'."""
    return _fold(text) if text else ""


# Names repeat a lot across a cité (first names above all) and the phone rebuilds its
# search index from every person at unlock: each distinct name is folded and keyed
# once. The caches hold names: `forget_names` empties them when the phone locks.
@functools.lru_cache(maxsize=65_536)
def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _NON_ALNUM.sub(" ", bare).strip()


def phonetic(text: str | None) -> str:
    """A phonetic key per word, for names spelt as heard in the street."""
    return " ".join(k for k in map(_word_key, fold(text).split()) if k)


@functools.lru_cache(maxsize=65_536)
def _word_key(word: str) -> str:
    key = word
    for pattern, repl in _COMPILED_RULES:
        key = pattern.sub(repl, key)
    return _REPEATS.sub(r"\1", key) if key else ""


def forget_names() -> None:
    """Drop the folded names cached in memory (the phone calls it when it locks)."""
    _fold.cache_clear()
    _word_key.cache_clear()


def phone_key(phone: str | None) -> str:
    """Last nine digits: '+33 6 12 34 56 78' and '06.12.34.56.78' agree."""
    digits = _NON_DIGIT.sub("", phone or "")
    return digits[-9:] if len(digits) >= 9 else ""


@dataclass(frozen=True)
class PersonKeys:
    id: str
    first: str
    last: str
    birth: str
    first_phonetic: str
    last_phonetic: str
    birth_year: int | None
    phone: str


def birth_year(data: dict[str, Any], today: dt.date | None = None) -> int | None:
    if data.get("birth_date"):
        return int(str(data["birth_date"])[:4])
    age = data.get("declared_age")
    if age is None:
        return None
    return (today or dt.date.today()).year - int(age)


def person_keys(person_id: str, data: dict[str, Any], today: dt.date | None = None) -> PersonKeys:
    return PersonKeys(
        id=person_id,
        first=fold(data.get("first_name")),
        last=fold(data.get("last_name")),
        birth=fold(data.get("birth_name")),
        first_phonetic=phonetic(data.get("first_name")),
        last_phonetic=phonetic(data.get("last_name")),
        birth_year=birth_year(data, today),
        phone=phone_key(data.get("phone")),
    )


@dataclass(frozen=True)
class MatchEvidence:
    other_id: str
    score: int
    reasons: tuple[str, ...]
    """French, shown as is to the mediator or supervisor."""


# A candidate needs a name signal; a birth year alone is a coincidence, not evidence.
CANDIDATE_THRESHOLD = 50


def compare(new: PersonKeys, known: PersonKeys) -> MatchEvidence:
    score = 0
    reasons: list[str] = []
    if new.phone and new.phone == known.phone:
        score += 60
        reasons.append("même téléphone")
    known_lasts = {k for k in (known.last, known.birth) if k}
    new_lasts = {k for k in (new.last, new.birth) if k}
    if new_lasts & known_lasts:
        score += 35
        reasons.append("même nom")
    elif new.last_phonetic and new.last_phonetic == known.last_phonetic:
        score += 25
        reasons.append("nom qui se prononce pareil")
    if new.first and new.first == known.first:
        score += 25
        reasons.append("même prénom")
    elif new.first_phonetic and new.first_phonetic == known.first_phonetic:
        score += 18
        reasons.append("prénom qui se prononce pareil")
    if new.birth_year is not None and known.birth_year is not None:
        gap = abs(new.birth_year - known.birth_year)
        if gap == 0:
            score += 20
            reasons.append("même année de naissance")
        elif gap == 1:
            score += 10
            reasons.append("année de naissance proche")
        elif gap > 5:
            score -= 40
    return MatchEvidence(known.id, score, tuple(reasons))


def candidates(new: PersonKeys, known: list[PersonKeys], limit: int = 5) -> list[MatchEvidence]:
    """Known persons who may be `new`, best first."""
    found = [compare(new, k) for k in known if k.id != new.id]
    kept = [e for e in found if e.score >= CANDIDATE_THRESHOLD]
    kept.sort(key=lambda e: (-e.score, e.other_id))
    return kept[:limit]
