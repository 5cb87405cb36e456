"""What every push path checks of an op before merging it, and its two failures.

Both paths (the bulk one and the op-by-op fallback) run the same checks with the
same French reasons; they differ only in where they look rows up (`References`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Protocol

import orjson

from domain.entities import (
    REFERENCE_FIELDS,
    REQUIRED_ON_CREATE,
    SELF_ONLY_FIELDS,
    SUPERVISOR_ONLY_FIELDS,
    FieldsError,
    date_problem,
    normalise_fields,
    text_problem,
)
from domain.field_labels import french_error
from domain.hlc import Hlc, HlcClock, is_ahead
from domain.sync import CLOCK_TOLERANCE_MS, Op
from domain.vocabulary import Role


class OpRejected(Exception):
    """An op that cannot apply; the message is its readable reason."""


class TransientDbError(Exception):
    """The database was busy, not wrong: the whole batch is to be retried later."""


# What `Hlc.encode` writes: fixed widths keep string order equal to clock order, and
# the node is printable text (no NUL, no lone surrogate, no separator).
_CANONICAL_HLC = re.compile(r"\d{15}:\d{5}:[^\x00-\x1f\x7f:\ud800-\udfff]{1,58}")


def clean_json(values: object) -> str | None:
    """`values` as JSON text (as `fast_json.dumps` writes it) when none of its text is
    refused by `text_problem`, else None (some may be: `text_problem` tells).

    orjson refuses every surrogate code point, and writes NUL, and NUL only, as the
    escape `\\u0000` (a backslash typed before "u0000" is written doubled, so it only
    makes a needless None): one C pass instead of a walk of the values in Python."""
    try:
        out = orjson.dumps(values)
    except TypeError:  # a surrogate, or an integer beyond 64 bits
        return None
    return None if b"\\u0000" in out else out.decode()


def validate_op(
    op: Op,
    role: str,
    *,
    normalised: bool = False,
    user_id: str | None = None,
    text_clean: bool = False,
    today: dt.date | None = None,
) -> tuple[dict[str, Any], Hlc]:
    """The op's values to merge and its HLC, or OpRejected with the reason in French.

    `text_clean`: `clean_json` found nothing refused in `op.set`; `today`: the date of
    the batch (read once for it)."""
    if not op.set:
        raise OpRejected("opération vide : aucun champ à écrire")
    if _CANONICAL_HLC.fullmatch(op.hlc) is None:
        raise OpRejected(
            "horodatage HLC mal formé (attendu : 15 chiffres:5 chiffres:nœud,"
            " 80 caractères au plus)"
        )
    # The one-pass validation of a batch does not look inside text: checked here.
    problem = unstorable_values(op) if normalised and not text_clean else None
    if problem is not None:
        raise OpRejected(problem)
    if normalised:
        values = op.set
    else:
        try:
            values = normalise_fields(op.entity, op.set)
        except FieldsError as exc:
            # In French (the phone shows it as is, beside the op it kept), with the
            # technical field for whoever supports the phone.
            where = f" [{op.entity}.{exc.field}]" if exc.field else ""
            raise OpRejected(french_error(op.entity, exc) + where) from None
    problem = date_problem(op.entity, values, today or dt.datetime.now(dt.UTC).date())
    if problem is not None:
        raise OpRejected(problem)
    if role == Role.MEDIATOR:
        reserved = SUPERVISOR_ONLY_FIELDS.get(op.entity)
        if reserved is not None and not reserved.isdisjoint(values):
            forbidden = sorted(reserved.intersection(values))
            raise OpRejected(f"champ(s) réservé(s) aux superviseurs : {', '.join(forbidden)}")
        for name in SELF_ONLY_FIELDS.get(op.entity, ()):
            if values.get(name) not in (None, user_id):
                raise OpRejected(
                    "un médiateur ne peut nommer que lui-même référent ; "
                    "un superviseur nomme un collègue"
                )
    try:
        hlc = Hlc.parse(op.hlc)
    except ValueError as exc:
        raise OpRejected(str(exc)) from None
    return values, hlc


def unstorable_values(op: Op) -> str | None:
    """Why some text of `op`'s values cannot be stored (NUL, a lone surrogate), as the
    French reason the op is refused with; None when all of it can."""
    problem = text_problem(op.set)
    return None if problem is None else f"{op.entity}.{problem}"


def storable(op: Op) -> tuple[str, dict[str, Any]]:
    """The HLC and values of `op` as its ledger entry keeps them: text no database can
    store (a rejected op's NUL or lone surrogate) is left out, so that logging the
    refusal cannot fail on PostgreSQL and not on SQLite."""
    hlc = op.hlc if text_problem(op.hlc) is None else ""
    values = op.set if text_problem(op.set) is None else {}
    return hlc, values


def stamp(clock: HlcClock, hlc: Hlc, now_ms: int) -> tuple[Hlc, bool]:
    """The HLC an op is merged at, and whether its own was flagged as ahead.

    A phone whose clock runs ahead would win every later edit: its op is merged as if
    stamped now by the server (the ledger keeps the claimed HLC). Otherwise the op
    keeps its stamp and the server clock moves past it."""
    if is_ahead(hlc, now_ms, CLOCK_TOLERANCE_MS):
        return clock.now(), True
    clock.observe(hlc)
    return hlc, False


class References(Protocol):
    """Where a push path looks up what an op points at: rows, partners, members."""

    def row(self, row_id: str) -> tuple[str, str] | None:
        """The row's (entity, cité), or None when unknown."""

    def partner_cite(self, partner_id: str) -> str | None:
        """The partner structure's cité, or None when unknown."""

    def member_cite(self, user_id: str) -> str | None:
        """The user's cité, or None when unknown."""


def check_op(
    op: Op,
    values: dict[str, Any],
    *,
    cite_id: str,
    stored: tuple[str, str] | None,
    refs: References,
) -> None:
    """Raise OpRejected unless `op` (with its validated `values`) may merge into the
    row stored as (entity, cité) `stored` (None: the op creates it) for a pusher of
    `cite_id`: same entity and cité, required fields on create, every reference known
    in the cité (earlier ops of the batch count)."""
    if stored is not None and stored != (op.entity, cite_id):
        raise OpRejected(f"ligne {op.row_id} inconnue pour ce type dans votre cité")
    if stored is None:
        missing = [f for f in REQUIRED_ON_CREATE[op.entity] if values.get(f) is None]
        if missing:
            raise OpRejected(f"champs obligatoires manquants : {', '.join(sorted(missing))}")
    _check_rows(op, values, cite_id=cite_id, refs=refs)
    _check_people(op, values, cite_id=cite_id, refs=refs)


def _check_rows(op: Op, values: dict[str, Any], *, cite_id: str, refs: References) -> None:
    for name, target in REFERENCE_FIELDS.get(op.entity, {}).items():
        ref = values.get(name)
        if ref is None:
            continue
        if op.entity == "person" and ref == op.row_id:
            raise OpRejected(f"{name} : une personne ne peut pas pointer vers elle-même")
        if refs.row(ref) != (target, cite_id):
            raise OpRejected(f"{name} : référence inconnue dans votre cité ({ref})")


def _check_people(op: Op, values: dict[str, Any], *, cite_id: str, refs: References) -> None:
    partner_id = values.get("partner_id") if op.entity == "orientation" else None
    if partner_id is not None and refs.partner_cite(partner_id) != cite_id:
        raise OpRejected(f"partner_id : structure partenaire inconnue ({partner_id})")
    mediator_id = values.get("mediator_id") if op.entity == "contact" else None
    if mediator_id is not None and refs.member_cite(mediator_id) != cite_id:
        raise OpRejected(f"mediator_id : médiateur inconnu dans votre cité ({mediator_id})")
    if op.entity == "event":
        for pid in values.get("partner_ids") or ():
            if refs.partner_cite(pid) != cite_id:
                raise OpRejected(f"partner_ids : structure partenaire inconnue ({pid})")
        for mid in values.get("mediator_ids") or ():
            if refs.member_cite(mid) != cite_id:
                raise OpRejected(f"mediator_ids : médiateur inconnu dans votre cité ({mid})")
