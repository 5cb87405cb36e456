"""What every push path checks of an op before merging it, and its two failures."""

from __future__ import annotations

from typing import Any

from domain.entities import (
    SELF_ONLY_FIELDS,
    SUPERVISOR_ONLY_FIELDS,
    FieldsError,
    normalise_fields,
)
from domain.hlc import Hlc
from domain.sync import Op
from domain.vocabulary import Role


class OpRejected(Exception):
    """An op that cannot apply; the message is its readable reason."""


class TransientDbError(Exception):
    """The database was busy, not wrong: the whole batch is to be retried later."""


def validate_op(
    op: Op, role: str, *, normalised: bool = False, user_id: str | None = None
) -> tuple[dict[str, Any], Hlc]:
    if not op.set:
        raise OpRejected("opération vide : aucun champ à écrire")
    if normalised:
        values = op.set
    else:
        try:
            values = normalise_fields(op.entity, op.set)
        except FieldsError as exc:
            raise OpRejected(str(exc)) from None
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
