"""What every push path checks of an op before merging it, and its two failures."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from domain.entities import (
    SELF_ONLY_FIELDS,
    SUPERVISOR_ONLY_FIELDS,
    FieldsError,
    date_problem,
    normalise_fields,
    text_problem,
)
from domain.field_labels import french_error
from domain.hlc import Hlc
from domain.sync import Op
from domain.vocabulary import Role


class OpRejected(Exception):
    """An op that cannot apply; the message is its readable reason."""


class TransientDbError(Exception):
    """The database was busy, not wrong: the whole batch is to be retried later."""


# What `Hlc.encode` writes: fixed widths keep string order equal to clock order, and
# the node is printable text (no NUL, no lone surrogate, no separator).
_CANONICAL_HLC = re.compile(r"\d{15}:\d{5}:[^\x00-\x1f\x7f:\ud800-\udfff]{1,58}")


def validate_op(
    op: Op, role: str, *, normalised: bool = False, user_id: str | None = None
) -> tuple[dict[str, Any], Hlc]:
    if not op.set:
        raise OpRejected("opération vide : aucun champ à écrire")
    if _CANONICAL_HLC.fullmatch(op.hlc) is None:
        raise OpRejected(
            "horodatage HLC mal formé (attendu : 15 chiffres:5 chiffres:nœud,"
            " 80 caractères au plus)"
        )
    # The one-pass validation of a batch does not look inside text: checked here.
    problem = text_problem(op.set) if normalised else None
    if problem is not None:
        raise OpRejected(f"{op.entity}.{problem}")
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
    problem = date_problem(op.entity, values, dt.datetime.now(dt.UTC).date())
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


def storable(op: Op) -> tuple[str, dict[str, Any]]:
    """The HLC and values of `op` as its ledger entry keeps them: text no database can
    store (a rejected op's NUL or lone surrogate) is left out, so that logging the
    refusal cannot fail on PostgreSQL and not on SQLite."""
    hlc = op.hlc if text_problem(op.hlc) is None else ""
    values = op.set if text_problem(op.set) is None else {}
    return hlc, values
