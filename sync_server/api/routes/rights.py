"""Per-person rights (export, erasure) and the retention preview, for supervisors."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Response

from domain.api.security import EraseRequest, EraseResult, RetentionDue
from domain.entities import person_display_name
from sync_server.api.deps import ClockDep, SessionDep, SettingsDep, SupervisorUser
from sync_server.api.guards import JournalDep, SupervisorActor
from sync_server.crud import retention as crud_retention
from sync_server.crud import rights as crud_rights
from sync_server.crud.admin import get_retention
from sync_server.crud.audit import record_audit
from sync_server.models import Record, utcnow

router = APIRouter(prefix="/console", tags=["rights"])

PersonId = Annotated[str, Path(max_length=36)]
_NOT_FOUND = "Personne introuvable dans votre cité."


def _person(session: SessionDep, person_id: str, cite_id: str | None) -> Record:
    person = crud_rights.find_person(session, person_id=person_id, cite_id=cite_id or "")
    if person is None:
        raise HTTPException(404, detail=_NOT_FOUND)
    return person


@router.get(
    "/persons/{person_id}/export",
    response_class=Response,
    responses={
        200: {
            "description": "Everything held on the person, as a JSON file with French keys.",
            "content": {"application/json": {}},
        },
        404: {"description": _NOT_FOUND},
    },
)
def export_person(
    session: SessionDep, actor: SupervisorActor, journal: JournalDep, person_id: PersonId
) -> Response:
    person = _person(session, person_id, actor.cite_id)
    document = crud_rights.export_person(session, person=person)
    journal.read("person.export", entity="person", row_id=person.id)
    return Response(
        content=json.dumps(document, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="relais-personne-{person.id}.json"'},
    )


@router.post(
    "/persons/{person_id}/erase",
    response_model=EraseResult,
    responses={404: {"description": _NOT_FOUND}},
)
def erase_person(
    session: SessionDep,
    actor: SupervisorActor,
    clock: ClockDep,
    person_id: PersonId,
    body: EraseRequest,  # noqa: ARG001 -- required and validated, never stored (may name the person)
) -> EraseResult:
    person = _person(session, person_id, actor.cite_id)
    if person.deleted:
        raise HTTPException(409, detail="Cette personne a déjà été effacée.")
    rows = crud_rights.erase_person(session, person=person, clock=clock)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.entity] = counts.get(row.entity, 0) + 1
    # The reason is the supervisor's free text, which may name someone: not journaled.
    record_audit(
        session,
        actor=actor,
        action="person.erase",
        entity="person",
        row_id=person.id,
        detail={"rows": counts},
    )
    session.commit()
    return EraseResult(
        person_id=person.id,
        rows_erased=len(rows),
        detail=(
            f"Données effacées ({len(rows)} fiche(s)) ; les téléphones les retireront "
            "à la prochaine synchronisation."
        ),
    )


@router.get("/retention/upcoming", response_model=list[RetentionDue])
def retention_upcoming(
    session: SessionDep, user: SupervisorUser, settings: SettingsDep, journal: JournalDep
) -> list[RetentionDue]:
    months = get_retention(session, cite_id=user.cite_id, default_months=settings.retention_months)
    due = crud_retention.upcoming(session, cite_id=user.cite_id, now=utcnow(), months=months)
    journal.read("retention.upcoming", detail={"count": len(due)})
    return [
        RetentionDue(
            person_id=a.person.id,
            display_name=person_display_name(a.person.data),
            last_contact=a.last_contact,
            anonymised_on=when.date(),
        )
        for a, when in due
    ]
