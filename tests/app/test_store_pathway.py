"""The store's pathway (with merged persons) and form drafts, on real SQLite files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store import LocalStore
from domain.ids import uuid7
from domain.sync import MemberOut, PartnerOut, QpvOut, ReferentialsOut, RowOut
from domain.vocabulary import PathwayStatus
from tests.factories import (
    LOCAL_MEDIATOR_ID,
    make_local_contact,
    make_local_person,
    make_local_store,
)

COLLEAGUE_ID = "01900000-0000-7000-8000-000000000002"
PARTNER_ID = "01900000-0000-7000-8000-0000000000f1"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    s = make_local_store(tmp_path)
    s.save_referentials(
        ReferentialsOut(
            cite_id="01900000-0000-7000-8000-0000000000c1",
            cite_name="Creil",
            qpvs=[QpvOut(code="QN0600101", name="Rouher")],
            partners=[PartnerOut(id=PARTNER_ID, name="Mission Locale", type="mission_locale")],
            members=[MemberOut(id=COLLEAGUE_ID, display_name="Karim B.", role="mediator")],
        )
    )
    yield s
    s.close()


def pulled(entity: str, data: dict[str, object], version: int = 1) -> RowOut:
    return RowOut(entity=entity, id=uuid7(), version=version, data=data)  # type: ignore[arg-type]


def test_pathway_gathers_own_and_colleagues_rows_with_partner_names(store: LocalStore) -> None:
    person = pulled("person", make_local_person())
    colleague_contact = pulled(
        "contact",
        make_local_contact(
            person_id=person.id, mediator_id=COLLEAGUE_ID, occurred_at="2025-02-01T10:00:00+00:00"
        ),
    )
    store.apply_pulled([person, colleague_contact])
    store.create(
        "contact",
        make_local_contact(person_id=person.id, occurred_at="2025-03-14T10:30:00+00:00"),
    )
    store.create(
        "orientation",
        {
            "person_id": person.id,
            "partner_id": PARTNER_ID,
            "date": "2025-03-14",
            "status": "proposed",
        },
    )
    store.create("followup", {"person_id": person.id, "due_date": "2025-03-01", "what": "Rappeler"})
    # Someone else's contact must not leak into this pathway.
    store.create("contact", make_local_contact(person_id=uuid7()))

    p = store.pathway(person.id, today=dt.date(2025, 3, 14))

    assert p is not None
    assert p.contact_count == 2 and p.orientation_count == 1
    assert p.first_contact is not None and p.first_contact.startswith("2025-02-01")
    assert p.referents == (LOCAL_MEDIATOR_ID, COLLEAGUE_ID)
    assert p.status == PathwayStatus.ORIENTED
    titles = [e.title for e in p.timeline]
    assert "Orientation vers Mission Locale" in titles
    assert [f.detail for f in p.open_followups] == ["en retard"]


def test_pathway_follows_merge_chains_and_unknown_person_is_none(store: LocalStore) -> None:
    survivor = pulled("person", make_local_person())
    middle = pulled("person", make_local_person(first_name="Aicha", merged_into=survivor.id))
    oldest = pulled("person", make_local_person(first_name="Aisha", merged_into=middle.id))
    store.apply_pulled([survivor, middle, oldest])
    for pid in (survivor.id, middle.id, oldest.id):
        store.create("contact", make_local_contact(person_id=pid))

    p = store.pathway(survivor.id)
    assert p is not None and p.contact_count == 3
    middle_view = store.pathway(middle.id)
    assert middle_view is not None and middle_view.contact_count == 2
    assert store.pathway(uuid7()) is None


def test_merge_cycle_does_not_hang(store: LocalStore) -> None:
    a_id, b_id = uuid7(), uuid7()
    a = RowOut(entity="person", id=a_id, version=1, data=make_local_person(merged_into=b_id))
    b = RowOut(entity="person", id=b_id, version=1, data=make_local_person(merged_into=a_id))
    store.apply_pulled([a, b])
    p = store.pathway(a_id)
    assert p is not None and p.contact_count == 0


def test_drafts_survive_reopen_and_are_cleared(tmp_path: Path) -> None:
    store = make_local_store(tmp_path)
    assert store.draft("new-person") is None
    store.save_draft("new-person", {"first_name": "Yasmina", "freins": ["mobility"]})
    store.save_draft("new-person", {"first_name": "Yasmine", "freins": ["mobility"]})
    store.close()

    reopened = make_local_store(tmp_path)
    assert reopened.draft("new-person") == {"first_name": "Yasmine", "freins": ["mobility"]}
    assert reopened.sync_status().pending == 0  # a draft is not an op
    reopened.clear_draft("new-person")
    assert reopened.draft("new-person") is None
    reopened.close()
