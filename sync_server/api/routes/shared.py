"""What the console's routes share: their documented errors, the refusals of the
persistence layer turned into those errors, what an edit route works with, and the
paging of a list."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Annotated, Unpack

from fastapi import Depends, HTTPException, Query
from sqlmodel import Session

from domain.api.console import Paging
from domain.sync import ErrorOut
from sync_server.api.deps import ClockDep, CurrentDevice, PartnerUser, SupervisorUser
from sync_server.api.guards import Journal, JournalDep, What
from sync_server.crud.admin import AdminError
from sync_server.sync.held_ops import HeldDecided, HeldNotFound
from sync_server.sync.supervisor_ops import Invalid, NotFound, OpAuthor, Refused

ERRORS: dict[int | str, dict[str, object]] = {
    403: {"model": ErrorOut, "description": "Réservé aux superviseurs et administrateurs."},
    404: {"model": ErrorOut, "description": "Inconnu dans la cité de l'appelant."},
    409: {"model": ErrorOut, "description": "L'état actuel de la fiche ne le permet pas."},
    422: {"model": ErrorOut, "description": "Valeur invalide (message lisible)."},
}


# The persistence layer's readable refusals, by HTTP status; their message is French.
_STATUSES: dict[type[Exception], int] = {
    NotFound: 404,
    HeldNotFound: 404,
    Refused: 409,
    HeldDecided: 409,
    Invalid: 422,
}


def http_error(exc: Exception) -> HTTPException:
    """Map the persistence layer's readable errors to HTTP statuses."""
    status = exc.status_code if isinstance(exc, AdminError) else _STATUSES.get(type(exc), 400)
    return HTTPException(status, detail=str(exc))


@contextmanager
def refusals(session: Session) -> Iterator[None]:
    """A refusal of the persistence layer becomes its HTTP error, and whatever the
    request wrote before it is rolled back (nothing half-done is journaled)."""
    try:
        yield
    except (NotFound, HeldNotFound, Refused, HeldDecided, Invalid, AdminError) as exc:
        session.rollback()
        raise http_error(exc) from None


@dataclass(frozen=True)
class Edit:
    """What a route that edits synced rows works with: the author of the ops it writes
    (the supervisor or the partner's conseiller, their console device, the server
    clock) and the journal the edit is recorded in, with the request's session."""

    author: OpAuthor
    journal: Journal

    @property
    def session(self) -> Session:
        return self.journal.session

    def refusals(self) -> AbstractContextManager[None]:
        return refusals(self.session)

    def commit(self, action: str, **what: Unpack[What]) -> None:
        """Journal the edit and commit it, in one transaction."""
        self.journal.write(action, **what)


async def supervisor_edit(
    user: SupervisorUser, device: CurrentDevice, clock: ClockDep, journal: JournalDep
) -> Edit:
    return Edit(OpAuthor(user, device, clock), journal)


async def partner_edit(
    user: PartnerUser, device: CurrentDevice, clock: ClockDep, journal: JournalDep
) -> Edit:
    return Edit(OpAuthor(user, device, clock), journal)


SupervisorEdit = Annotated[Edit, Depends(supervisor_edit)]
PartnerEdit = Annotated[Edit, Depends(partner_edit)]


async def paging(
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Paging:
    return Paging(page, page_size)


PagingDep = Annotated[Paging, Depends(paging)]
