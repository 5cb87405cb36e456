from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from domain.api.console import ConsoleContact, ContactFilters, Page
from domain.api.review import ReadableConflict
from sync_server.api.deps import SessionDep, SupervisorUser
from sync_server.api.guards import JournalDep
from sync_server.api.routes.shared import PagingDep
from sync_server.crud import console as crud_console
from sync_server.crud import review as crud_review

router = APIRouter(prefix="/console", tags=["console"])


@router.get("/contacts", response_model=Page[ConsoleContact])
def contacts(
    session: SessionDep,
    user: SupervisorUser,
    journal: JournalDep,
    filters: Annotated[ContactFilters, Query()],
    paging: PagingDep,
) -> Page[ConsoleContact]:
    result = crud_console.list_contacts(
        session, cite_id=user.cite_id, paging=paging, filters=filters
    )
    # Contact lists show person names: a person-record read for the journal. The
    # filters are named, never their values (a mediator or a QPV could identify).
    journal.read(
        "contacts.list",
        detail={"page": paging.page, "count": result.total, "filters": filters.used()},
    )
    return result


@router.get("/conflicts", response_model=list[ReadableConflict])
def conflicts(
    session: SessionDep, user: SupervisorUser, journal: JournalDep
) -> list[ReadableConflict]:
    """Open hard conflicts in plain language (field label, both sides with who and when)."""
    result = crud_review.list_open_conflicts(session, cite_id=user.cite_id)
    journal.read("conflicts.list", detail={"count": len(result)})
    return result
