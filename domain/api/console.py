"""Response models of the supervisor console endpoints (documented in OpenAPI)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class Paging:
    """The page of a list a request asks for (`page` counts from 1)."""

    page: int
    page_size: int

    def of(self, items: list[T], total: int) -> Page[T]:
        """The answer: this page's items, out of `total`."""
        return Page(items=items, total=total, page=self.page, page_size=self.page_size)

    def window(self, items: list[T]) -> list[T]:
        """This page's part of the whole list."""
        return items[self.offset : self.offset + self.page_size]

    @property
    def offset(self) -> int:
        """How many items the pages before this one hold."""
        return (self.page - 1) * self.page_size


class ContactFilters(BaseModel):
    """What the console's contact list may be filtered on (query parameters)."""

    mediator_id: str | None = None
    event_id: str | None = None
    qpv: str | None = None
    review_state: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def used(self) -> list[str]:
        """The filters set, by name."""
        return sorted(k for k, v in self.model_dump().items() if v)


class EventBrief(BaseModel):
    id: str
    type: str | None
    type_label: str | None
    place: str | None
    starts_at: str | None


class PersonBrief(BaseModel):
    id: str
    display_name: str


class ConsoleContact(BaseModel):
    id: str
    occurred_at: str | None
    channel: str | None
    channel_label: str | None
    mediator_id: str | None
    mediator_name: str | None
    event: EventBrief | None
    person: PersonBrief | None
    """None for an anonymous contact."""
    age_band: str | None
    age_band_label: str | None
    gender: str | None
    gender_label: str | None
    qpv_resident: str | None
    qpv_resident_label: str | None
    freins: list[str]
    freins_labels: list[str]
    need: str | None
    note: str | None
    review_state: str | None
    review_state_label: str | None
    review_comment: str | None
    version: int


class ConsoleConflict(BaseModel):
    id: str
    entity: str
    row_id: str
    field: str | None
    server_value: Any
    server_hlc: str | None
    incoming_value: Any
    incoming_hlc: str | None
    incoming_won: bool
    """True when the incoming value is the one now stored (later HLC)."""
    op_id: str
    created_at: dt.datetime
