"""What a partner structure's conseiller reads and answers: the orientations addressed
to their structure, with the minimum of the person, and their answers written as ops
of the conseiller's console device through the normal merge path (so they reach the
orienting mediator's phone on its next pull, and the indicators)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.api.partner import (
    PartnerAnswer,
    PartnerOrientationOut,
    PartnerOrientationsOut,
    PartnerPersonOut,
)
from domain.ids import uuid7
from domain.minimisation import freins_for_partner
from domain.person_groups import root_of
from domain.sync import Op
from domain.vocabulary import DeclineReason, Frein, OrientationOutcome, OrientationStatus
from sync_server.models import AppUser, Partner, Record, SyncOp
from sync_server.sync.push import push_ops
from sync_server.sync.server_ops import merge_map
from sync_server.sync.supervisor_ops import (
    Invalid,
    NotFound,
    OpAuthor,
    Refused,
    member_names,
    write_as_supervisor,
)

NOT_YOURS = "Orientation introuvable pour votre structure."
# The longest an appointment may be set ahead of the orientation: a typo, beyond.
MAX_APPOINTMENT_AHEAD = dt.timedelta(days=366)


def _structure(session: Session, user: AppUser) -> Partner:
    partner = session.get(Partner, user.partner_id) if user.partner_id else None
    if partner is None or partner.cite_id != user.cite_id:
        raise NotFound("Structure partenaire introuvable dans votre cité.")
    return partner


def _orientations(session: Session, *, partner: Partner) -> list[Record]:
    rows = session.exec(
        select(Record).where(
            Record.cite_id == partner.cite_id,
            Record.entity == "orientation",
            col(Record.deleted).is_(False),
        )
    ).all()
    return [r for r in rows if r.data.get("partner_id") == partner.id]


@dataclass(frozen=True)
class _People:
    """The persons the orientations are about, each as its merge group is kept."""

    person_of: dict[str, Record]
    """Orientation id → the person kept (absent when erased or unknown)."""
    contact_freins: dict[str, set[str]]
    """Person kept → the freins noted on the contacts of its whole group."""


def _people(session: Session, *, partner: Partner, rows: list[Record]) -> _People:
    merged_into = merge_map(session, cite_id=partner.cite_id)
    roots = {
        r.id: root_of(merged_into, pid)
        for r in rows
        if (pid := r.data.get("person_id")) in merged_into
    }
    persons = {
        p.id: p
        for p in session.exec(select(Record).where(col(Record.id).in_(set(roots.values())))).all()
        if not p.deleted
    }
    contact_freins: dict[str, set[str]] = {}
    group = [pid for pid in merged_into if root_of(merged_into, pid) in persons]
    if group:
        for c in session.exec(
            select(Record).where(
                Record.cite_id == partner.cite_id,
                Record.entity == "contact",
                col(Record.deleted).is_(False),
                col(Record.person_id).in_(group),
            )
        ).all():
            root = root_of(merged_into, c.person_id or "")
            contact_freins.setdefault(root, set()).update(c.data.get("freins") or [])
    return _People(
        person_of={o: persons[root] for o, root in roots.items() if root in persons},
        contact_freins=contact_freins,
    )


def _person_out(person: Record, *, contact_freins: set[str], partner: Partner) -> PartnerPersonOut:
    """The minimum of the person a partner needs, and only the freins its type may read."""
    p = person.data
    freins = freins_for_partner(sorted(set(p.get("freins") or []) | contact_freins), partner.type)
    return PartnerPersonOut(
        first_name=p.get("first_name"),
        last_name=p.get("last_name"),
        phone=p.get("phone"),
        email=p.get("email"),
        need=p.get("need"),
        freins=freins,
        freins_labels=[Frein(f).label for f in freins],
    )


def _orientation_out(
    row: Record, *, person: PartnerPersonOut, mediator_name: str
) -> PartnerOrientationOut:
    d = row.data
    return PartnerOrientationOut(
        id=row.id,
        version=row.version,
        date=d["date"],
        theme=d.get("theme"),
        reason=d.get("reason"),
        status=d["status"],
        status_label=OrientationStatus(d["status"]).label,
        appointment_date=d.get("appointment_date"),
        decline_reason=d.get("decline_reason"),
        decline_reason_label=DeclineReason.label_of(d.get("decline_reason")),
        outcome=d.get("outcome"),
        outcome_label=OrientationOutcome.label_of(d.get("outcome")),
        feedback_date=d.get("feedback_date"),
        mediator_name=mediator_name,
        person=person,
    )


def _view(session: Session, *, partner: Partner, rows: list[Record]) -> list[PartnerOrientationOut]:
    """Each live orientation with its person (the person kept, when merged since); one
    whose person is erased or unknown has nothing to show."""
    people = _people(session, partner=partner, rows=rows)
    names = member_names(session, cite_id=partner.cite_id)
    out = [
        _orientation_out(
            r,
            person=_person_out(
                person,
                contact_freins=people.contact_freins.get(person.id, set()),
                partner=partner,
            ),
            mediator_name=names.get(r.created_by, "Médiateur"),
        )
        for r in rows
        if (person := people.person_of.get(r.id)) is not None
    ]
    # Awaiting an answer first, then the most recent.
    out.sort(key=lambda o: (o.feedback_date is not None, -o.date.toordinal(), o.id))
    return out


def read_orientations(session: Session, *, user: AppUser) -> PartnerOrientationsOut:
    partner = _structure(session, user)
    items = _view(session, partner=partner, rows=_orientations(session, partner=partner))
    return PartnerOrientationsOut(partner_id=partner.id, partner_name=partner.name, items=items)


def _own_row(session: Session, *, partner: Partner, orientation_id: str) -> Record:
    """The orientation, if addressed to `partner`; else NotFound, whatever it is (an
    orientation elsewhere, a person, another cité's row): nothing to learn from it."""
    row = session.get(Record, orientation_id)
    if (
        row is None
        or row.deleted
        or row.entity != "orientation"
        or row.cite_id != partner.cite_id
        or row.data.get("partner_id") != partner.id
    ):
        raise NotFound(NOT_YOURS)
    return row


def read_orientation(
    session: Session, *, user: AppUser, orientation_id: str
) -> PartnerOrientationOut:
    partner = _structure(session, user)
    row = _own_row(session, partner=partner, orientation_id=orientation_id)
    found = _view(session, partner=partner, rows=[row])
    if not found:
        raise NotFound(NOT_YOURS)
    return found[0]


def _changes(row: Record, answer: PartnerAnswer, today: dt.date) -> dict[str, Any]:
    """The orientation's fields an answer sets (its status follows the answer)."""
    status = str(row.data.get("status"))
    if answer.action == "accept":
        if status not in (OrientationStatus.PROPOSED.value, OrientationStatus.REFUSED.value):
            raise Refused(
                f"Orientation déjà au statut « {OrientationStatus(status).label} » : "
                "rien à accepter."
            )
        values: dict[str, Any] = {"status": OrientationStatus.ACCEPTED.value}
        values["decline_reason"] = None
    elif answer.action == "decline":
        assert answer.decline_reason is not None
        values = {
            "status": OrientationStatus.REFUSED.value,
            "decline_reason": answer.decline_reason.value,
        }
    elif answer.action == "appointment":
        day = answer.appointment_date
        assert day is not None
        oriented = dt.date.fromisoformat(row.data["date"])
        if day < oriented:
            raise Invalid(
                f"La date du rendez-vous ({day:%d/%m/%Y}) précède l'orientation "
                f"({oriented:%d/%m/%Y})."
            )
        if day > oriented + MAX_APPOINTMENT_AHEAD:
            raise Invalid(
                f"La date du rendez-vous ({day:%d/%m/%Y}) est à plus d'un an de l'orientation."
            )
        values = {
            "status": OrientationStatus.APPOINTMENT.value,
            "appointment_date": day.isoformat(),
            "decline_reason": None,
        }
    else:
        outcome = answer.outcome
        assert outcome is not None
        values = {"outcome": outcome.value, "decline_reason": None}
        if outcome.attended:
            values["status"] = OrientationStatus.ATTENDED.value
        elif outcome is OrientationOutcome.NO_FOLLOW_UP:
            values["status"] = OrientationStatus.NO_FOLLOW_UP.value
    # Clearing a field the orientation never had is no change.
    values = {k: v for k, v in values.items() if v is not None or row.data.get(k) is not None}
    values["feedback_date"] = today.isoformat()
    return values


def relance_for(partner_name: str, answer: PartnerAnswer) -> str | None:
    """The relance the orienting mediator gets when the answer asks them to act."""
    if answer.action == "decline" and answer.decline_reason is not None:
        return (
            f"{partner_name} : orientation refusée ({answer.decline_reason.label}) — "
            "voir avec la personne"
        )
    if answer.action == "outcome" and answer.outcome is not None and answer.outcome.needs_action:
        return f"{partner_name} : {answer.outcome.label.lower()} — recontacter la personne"
    return None


def answer_orientation(
    session: Session,
    *,
    author: OpAuthor,
    orientation_id: str,
    answer: PartnerAnswer,
    today: dt.date,
) -> tuple[PartnerOrientationOut, str | None]:
    """Apply the answer as an op of the conseiller's device (and, when the mediator
    must act, a relance for the person); returns the orientation as it now reads and
    the relance's id. The caller opened the write transaction and commits."""
    partner = _structure(session, author.user)
    row = _own_row(session, partner=partner, orientation_id=orientation_id)
    if answer.version is not None and answer.version != row.version:
        raise Refused(
            "L'orientation a changé depuis votre lecture (le médiateur l'a modifiée) : "
            "rechargez la liste puis répondez à nouveau."
        )
    write_as_supervisor(
        session,
        author=author,
        row=row,
        values=_changes(row, answer, today),
    )
    relance_id = None
    what = relance_for(partner.name, answer)
    if what is not None and row.data.get("person_id"):
        relance_id = _create_relance(
            session,
            author=author,
            values={
                "person_id": row.data["person_id"],
                "due_date": today.isoformat(),
                "what": what,
            },
        )
    shown = _view(session, partner=partner, rows=[row])
    if not shown:
        raise NotFound(NOT_YOURS)
    return shown[0], relance_id


def _create_relance(session: Session, *, author: OpAuthor, values: dict[str, Any]) -> str:
    last_seq = session.exec(
        select(func.max(SyncOp.device_seq)).where(SyncOp.device_id == author.device.id)
    ).one()
    op = Op(
        op_id=uuid7(),
        device_seq=int(last_seq or 0) + 1,
        entity="followup",
        row_id=uuid7(),
        hlc=author.clock.now().encode(),
        base_version=None,
        set=values,
    )
    [result] = push_ops(
        session, user=author.user, device=author.device, ops=[op], clock=author.clock
    )
    if result.outcome == "rejected":
        raise Invalid(result.reason or "relance refusée")
    return op.row_id
