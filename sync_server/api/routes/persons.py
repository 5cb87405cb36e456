"""Console: persons (search, pathway), duplicate candidates, merges."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from domain.api.console import Page
from domain.api.review import (
    DismissRequest,
    DuplicatePair,
    MergeCompareOut,
    MergeOut,
    MergeRequest,
    PathwayOut,
    PersonSummary,
    ReferentRequest,
)
from domain.periods import utc_today
from sync_server.api.deps import SessionDep, SupervisorUser
from sync_server.api.guards import JournalDep
from sync_server.api.routes.shared import ERRORS, PagingDep, SupervisorEdit, refusals
from sync_server.crud import merges as crud_merges
from sync_server.crud import persons as crud_persons

router = APIRouter(prefix="/console", tags=["console"])


@router.get("/persons", response_model=Page[PersonSummary], responses=ERRORS)
def persons(
    session: SessionDep,
    user: SupervisorUser,
    journal: JournalDep,
    paging: PagingDep,
    q: Annotated[str, Query(max_length=80)] = "",
) -> Page[PersonSummary]:
    """Persons of the cité (merged ones excluded), searched by folded name or phone digits."""
    result = crud_persons.read_persons_page(
        session, cite_id=user.cite_id, q=q, paging=paging, today=utc_today()
    )
    # Whether a search was typed, never what: it is a name or a phone number.
    journal.read(
        "persons.list",
        detail={"page": paging.page, "count": result.total, "search": bool(q.strip())},
    )
    return result


@router.get("/persons/{person_id}/pathway", response_model=PathwayOut, responses=ERRORS)
def pathway(
    person_id: str, session: SessionDep, user: SupervisorUser, journal: JournalDep
) -> PathwayOut:
    """The person's pathway, including persons merged into it, with names."""
    with refusals(session):
        result = crud_persons.read_person_pathway(
            session, cite_id=user.cite_id, person_id=person_id, today=utc_today()
        )
    journal.read("person.read", entity="person", row_id=person_id)
    return result


@router.get("/duplicates", response_model=list[DuplicatePair], responses=ERRORS)
def duplicates(
    session: SessionDep, user: SupervisorUser, journal: JournalDep
) -> list[DuplicatePair]:
    """Candidate pairs with their evidence; nothing is merged without a supervisor."""
    result = crud_persons.read_duplicate_pairs(session, cite_id=user.cite_id, today=utc_today())
    journal.read("duplicates.list", detail={"count": len(result)})
    return result


@router.post("/duplicates/dismiss", status_code=204, responses=ERRORS)
def dismiss(
    body: DismissRequest, session: SessionDep, user: SupervisorUser, journal: JournalDep
) -> None:
    """ "Ce n'est pas la même personne": the pair is not proposed again."""
    with refusals(session):
        crud_persons.dismiss_pair(
            session, user=user, person_a=body.person_a, person_b=body.person_b
        )
    journal.write(
        "duplicate.dismiss", entity="person", row_id=body.person_a, detail={"with": body.person_b}
    )


@router.get("/merges", response_model=list[MergeOut], responses=ERRORS)
def merges(session: SessionDep, user: SupervisorUser, journal: JournalDep) -> list[MergeOut]:
    """Persons currently merged into another, most recent first (to undo a merge)."""
    result = crud_persons.read_recent_merges(session, cite_id=user.cite_id, today=utc_today())
    journal.read("merges.list", detail={"count": len(result)})
    return result


@router.post("/persons/{person_id}/merge", status_code=204, responses=ERRORS)
def merge(person_id: str, body: MergeRequest, edit: SupervisorEdit) -> None:
    """Merge `person_id` (« a ») and `into` (« b »): the survivor (« b » unless said)
    takes the values chosen field by field, the other points at it (`merged_into`);
    written as supervisor ops, they reach every device."""
    with edit.refusals():
        absorbed, survivor, fields = crud_merges.merge_with_choices(
            edit.session,
            author=edit.author,
            a_id=person_id,
            b_id=body.into,
            survivor=body.survivor,
            choices=body.choices,
            versions=(body.a_version, body.b_version),
        )
    detail: dict[str, object] = {"into": survivor}
    if fields:
        detail["fields"] = fields
    edit.commit("duplicate.merge", entity="person", row_id=absorbed, detail=detail)


@router.get(
    "/persons/{person_id}/compare/{other_id}", response_model=MergeCompareOut, responses=ERRORS
)
def compare(
    person_id: str, other_id: str, session: SessionDep, user: SupervisorUser, journal: JournalDep
) -> MergeCompareOut:
    """Two persons side by side, and the fields where they differ (before a merge)."""
    with refusals(session):
        result = crud_merges.read_merge_comparison(
            session, cite_id=user.cite_id, a_id=person_id, b_id=other_id, today=utc_today()
        )
    journal.read("duplicate.compare", entity="person", row_id=person_id, detail={"with": other_id})
    return result


@router.post("/persons/{person_id}/referent", status_code=204, responses=ERRORS)
def name_referent(person_id: str, body: ReferentRequest, edit: SupervisorEdit) -> None:
    """Name a mediator of the cité the person's référent (sets `referent_id` by an op)."""
    with edit.refusals():
        crud_persons.name_referent(
            edit.session, author=edit.author, person_id=person_id, mediator_id=body.mediator_id
        )
    edit.commit(
        "person.referent",
        entity="person",
        row_id=person_id,
        detail={"mediator_id": body.mediator_id},
    )


@router.post("/persons/{person_id}/unmerge", status_code=204, responses=ERRORS)
def unmerge(person_id: str, edit: SupervisorEdit) -> None:
    """Undo a merge: clears `merged_into` by an op, and gives the person it was merged
    into back the values a field-by-field merge took from this one (where unchanged)."""
    with edit.refusals():
        restored = crud_merges.unmerge_and_restore(
            edit.session, author=edit.author, person_id=person_id
        )
    detail = {"fields": restored} if restored else None
    edit.commit("duplicate.unmerge", entity="person", row_id=person_id, detail=detail)
