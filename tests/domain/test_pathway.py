from __future__ import annotations

import datetime as dt

from domain.minimisation import freins_for_partner
from domain.pathway import (
    ReferentPeriod,
    Row,
    assemble,
    derive_status,
    orientation_detail,
    referent_label,
)
from domain.vocabulary import PathwayStatus

PERSON = Row("p1", {"first_name": "Aïcha"})


def contact(rid: str, when: str, mediator: str, **extra: object) -> Row:
    return Row(
        rid, {"occurred_at": when, "channel": "foot_of_building", "mediator_id": mediator, **extra}
    )


def test_timeline_gathers_every_mediators_contacts_newest_first() -> None:
    path = assemble(
        PERSON,
        [
            contact("c1", "2026-10-01T10:00:00+00:00", "amina"),
            contact("c2", "2026-11-02T09:00:00+00:00", "karim", need="CACES"),
            contact(
                "c3",
                "2026-11-03T09:00:00+00:00",
                "karim",
            ),
        ],
        [],
        [],
    )
    assert [e.row_id for e in path.timeline] == ["c3", "c2", "c1"]
    assert path.referents == ("karim", "amina")
    assert path.first_contact == "2026-10-01T10:00:00+00:00"
    assert path.status is PathwayStatus.IN_CONTACT


def test_each_referent_has_a_period_and_the_current_one_none_ending() -> None:
    path = assemble(
        PERSON,
        [
            contact("c1", "2026-09-01T10:00:00+00:00", "amina"),
            contact("c2", "2026-09-20T10:00:00+00:00", "amina"),
            contact("c3", "2026-10-05T09:00:00+00:00", "karim"),
            contact("c4", "2026-11-03T09:00:00+00:00", "karim"),
            contact("c5", "2026-10-10T09:00:00+00:00", "julie"),
        ],
        [],
        [],
    )
    assert path.referent_periods == (
        ReferentPeriod("karim", "2026-10-05", None),
        ReferentPeriod("julie", "2026-10-10", "2026-10-10"),
        ReferentPeriod("amina", "2026-09-01", "2026-09-20"),
    )
    labels = [referent_label(p.mediator_id, p.since, p.until) for p in path.referent_periods]
    assert labels == [
        "karim (depuis le 05/10/2026)",
        "julie (le 10/10/2026)",
        "amina (01/09/2026 – 20/09/2026)",
    ]


def test_deleted_rows_do_not_count() -> None:
    path = assemble(
        PERSON, [Row("c1", {"occurred_at": "2026-10-01T10:00:00+00:00"}, deleted=True)], [], []
    )
    assert path.contact_count == 0 and path.status is PathwayStatus.SPOTTED


def test_orientations_and_followups_shape_status_and_todo() -> None:
    orient = Row(
        "o1", {"date": "2026-11-05", "status": "appointment", "partner_id": "ml", "reason": "CV"}
    )
    late = Row("f1", {"due_date": "2026-11-10", "what": "Rappeler"})
    done = Row("f2", {"due_date": "2026-11-11", "what": "RDV", "done": True})
    path = assemble(
        PERSON,
        [contact("c1", "2026-11-01T10:00:00+00:00", "amina")],
        [orient],
        [late, done],
        partner_names={"ml": "Mission Locale"},
        today=dt.date(2026, 11, 20),
    )
    assert path.status is PathwayStatus.SUPPORTED
    assert any(
        e.title == "Orientation vers Mission Locale" and "Rendez-vous pris" in e.detail
        for e in path.timeline
    )
    assert [(f.row_id, f.detail) for f in path.open_followups] == [("f1", "en retard")]


def test_an_exit_closes_the_pathway() -> None:
    person = Row("p1", {"first_name": "A", "exit_type": "cdi", "exit_date": "2026-11-15"})
    path = assemble(person, [contact("c1", "2026-11-01T10:00:00+00:00", "amina")], [], [])
    assert path.status is PathwayStatus.EXITED
    assert path.timeline[0].title == "Sortie · CDI"


def test_freins_gather_the_person_s_and_every_live_contact_s() -> None:
    person = Row("p1", {"first_name": "Aïcha", "freins": ["housing"]})
    contacts = [
        Row("c1", {"occurred_at": "2026-10-01T10:00:00+00:00", "freins": ["digital"]}),
        Row("c2", {"occurred_at": "2026-10-08T10:00:00+00:00", "freins": ["mobility", "housing"]}),
        Row("c3", {"occurred_at": "2026-10-09T10:00:00+00:00", "freins": ["health"]}, deleted=True),
    ]
    pathway = assemble(person, contacts, [], [])
    # Once each, in the vocabulary's order; a deleted contact's freins do not count.
    assert pathway.freins == ("mobility", "housing", "digital")
    assert assemble(PERSON, [], [], []).freins == ()


def test_a_contact_shows_the_need_and_the_note_when_both_were_typed() -> None:
    path = assemble(
        PERSON,
        [
            contact(
                "c1", "2026-10-01T10:00:00+00:00", "amina", need="CACES", note="rappeler lundi"
            ),
            contact("c2", "2026-10-02T10:00:00+00:00", "amina", note="absent"),
        ],
        [],
        [],
    )
    assert [e.detail for e in path.timeline] == ["absent", "CACES — rappeler lundi"]


def test_an_orientation_reads_with_the_partner_s_answer() -> None:
    data = {
        "status": "attended",
        "appointment_date": "2026-12-11",
        "outcome": "attended",
        "reason": "Projet de formation",
    }
    assert orientation_detail(data) == (
        "Honorée · RDV le 11/12/2026 · Rendez-vous honoré · Projet de formation"
    )
    declined = {"status": "refused", "decline_reason": "unreachable"}
    assert orientation_detail(declined) == "Refusée · Personne injoignable"
    assert orientation_detail({"status": "proposed", "outcome": "nonsense"}) == "Proposée"


def test_a_missed_appointment_is_not_an_accompaniment() -> None:
    booked = {"status": "appointment", "appointment_date": "2026-12-11"}
    assert derive_status({}, 1, [booked]) is PathwayStatus.SUPPORTED
    missed = {**booked, "outcome": "missed"}
    assert derive_status({}, 1, [missed]) is PathwayStatus.ORIENTED
    assert derive_status({}, 1, [{"status": "attended", "outcome": "training"}]) is (
        PathwayStatus.SUPPORTED
    )


def test_a_partner_reads_the_health_frein_only_where_it_is_its_job() -> None:
    noted = ["health", "mobility", "unknown-value"]
    assert freins_for_partner(noted, "mission_locale") == ["mobility"]
    assert freins_for_partner(noted, "cap_emploi") == ["mobility", "health"]
