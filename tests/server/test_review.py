"""Console review of contacts, their history, and hard-conflict resolution."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from sync_server.core.db import is_postgres
from sync_server.models import Conflict, Record, SyncOp
from tests.factories import (
    DeviceLogin,
    contact_values,
    make_record,
    make_review_conflict,
    make_review_supervisor,
    person_values,
)
from tests.server.conftest import World


def _pulled(client: TestClient, session: Session, login: DeviceLogin, row_id: str) -> Any:
    """The row's data as the device's next pull serves it.

    On PostgreSQL the pull serves rows below the cluster-wide snapshot xmin, which
    any idle transaction on the shared test server (another database) holds back;
    there the committed row is read instead. SQLite runs the real pull.
    """
    session.rollback()
    if is_postgres(session):
        row = session.get(Record, row_id)
        assert row is not None
        return row.data
    rows = client.get("/sync/pull", headers=login.headers).json()["rows"]
    return next(r for r in rows if r["id"] == row_id)["data"]


def _contact(session: Session, world: World) -> tuple[str, int]:
    return make_record(
        session,
        login=world.amina,
        entity="contact",
        values=contact_values(world.amina.user.id, channel="phone", need="Faire un CV"),
    )


def test_to_fix_is_written_as_an_op_and_pulled_by_the_mediator(
    client: TestClient, session: Session, world: World
) -> None:
    contact_id, version = _contact(session, world)
    res = client.post(
        f"/console/contacts/{contact_id}/review",
        json={"state": "to_fix", "comment": "Préciser le besoin.", "version": version},
        headers=world.sophie.headers,
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["review_state_label"] == "À corriger"
    assert body["version"] > version
    assert body["warning"] is None
    # In the ledger, as an op of the supervisor's device...
    ops = session.exec(select(SyncOp).where(SyncOp.row_id == contact_id)).all()
    mine = [o for o in ops if o.user_id == world.sophie.user.id]
    assert [o.set_values for o in mine] == [
        {"review_state": "to_fix", "review_comment": "Préciser le besoin."}
    ]
    assert mine[0].device_id == world.sophie.device.id and mine[0].outcome == "applied"
    # ... and on the mediator's next pull.
    pulled = _pulled(client, session, world.amina, contact_id)
    assert pulled["review_state"] == "to_fix"
    assert pulled["review_comment"] == "Préciser le besoin."


def test_a_sensitive_review_comment_gets_the_minimisation_warning(
    client: TestClient, session: Session, world: World
) -> None:
    contact_id, _version = _contact(session, world)
    res = client.post(
        f"/console/contacts/{contact_id}/review",
        json={"state": "to_fix", "comment": "Préciser : suivi par le SPIP ?"},
        headers=world.sophie.headers,
    )
    assert res.status_code == 200, res.text
    assert "données sensibles (judiciaire)" in res.json()["warning"]


def test_validation_clears_an_earlier_comment(
    client: TestClient, session: Session, world: World
) -> None:
    contact_id, _ = _contact(session, world)
    url = f"/console/contacts/{contact_id}/review"
    client.post(
        url, json={"state": "to_fix", "comment": "Ajouter le canal."}, headers=world.sophie.headers
    )
    res = client.post(url, json={"state": "validated"}, headers=world.sophie.headers)
    assert res.status_code == 200
    session.rollback()  # end the test's read snapshot (SQLite WAL)
    data = session.get(Record, contact_id).data  # type: ignore[union-attr]
    assert data["review_state"] == "validated" and data["review_comment"] is None


def test_review_errors_are_readable(client: TestClient, session: Session, world: World) -> None:
    contact_id, version = _contact(session, world)
    url = f"/console/contacts/{contact_id}/review"
    no_comment = client.post(
        url, json={"state": "to_fix", "comment": "  "}, headers=world.sophie.headers
    )
    assert no_comment.status_code == 422
    assert "commentaire est obligatoire" in no_comment.json()["detail"]
    bad_state = client.post(url, json={"state": "maybe"}, headers=world.sophie.headers)
    assert bad_state.status_code == 422
    unknown = client.post(
        "/console/contacts/0196a1b2-0000-7000-8000-000000000000/review",
        json={"state": "validated"},
        headers=world.sophie.headers,
    )
    assert unknown.status_code == 404 and "introuvable" in unknown.json()["detail"]
    client.post(url, json={"state": "validated"}, headers=world.sophie.headers)
    stale = client.post(
        url, json={"state": "rejected", "version": version}, headers=world.sophie.headers
    )
    assert stale.status_code == 409 and "modifié entre-temps" in stale.json()["detail"]
    session.rollback()  # end the test's read snapshot (SQLite WAL)
    assert session.get(Record, contact_id).data["review_state"] == "validated"  # type: ignore[union-attr]


def test_mediators_are_refused_and_other_cites_see_nothing(
    client: TestClient, session: Session, world: World
) -> None:
    contact_id, _ = _contact(session, world)
    review = {"state": "validated"}
    mediator = client.post(
        f"/console/contacts/{contact_id}/review", json=review, headers=world.amina.headers
    )
    assert mediator.status_code == 403
    assert (
        client.get(
            f"/console/contacts/{contact_id}/history", headers=world.amina.headers
        ).status_code
        == 403
    )
    beauvais = make_review_supervisor(session, cite_id=world.other.user.cite_id, username="bea")
    foreign = client.post(
        f"/console/contacts/{contact_id}/review", json=review, headers=beauvais.headers
    )
    assert foreign.status_code == 404
    history = client.get(f"/console/contacts/{contact_id}/history", headers=beauvais.headers)
    assert history.status_code == 404
    assert client.get("/console/conflicts", headers=beauvais.headers).json() == []


def test_history_says_who_changed_what_in_french(
    client: TestClient, session: Session, world: World
) -> None:
    contact_id, _ = _contact(session, world)
    client.post(
        f"/console/contacts/{contact_id}/review",
        json={"state": "to_fix", "comment": "Canal ?"},
        headers=world.sophie.headers,
    )
    res = client.get(f"/console/contacts/{contact_id}/history", headers=world.sophie.headers)
    assert res.status_code == 200, res.text
    created, reviewed = res.json()["entries"]
    assert created["author_name"] == world.amina.user.display_name
    changes = {c["label"]: c["value_label"] for c in created["changes"]}
    assert changes["Canal"] == "Téléphone"
    assert changes["Médiateur"] == world.amina.user.display_name
    assert created["outcome_label"] == "Appliquée"
    assert reviewed["author_name"] == world.sophie.user.display_name
    assert {c["label"]: c["value_label"] for c in reviewed["changes"]} == {
        "État de revue": "À corriger",
        "Commentaire de revue": "Canal ?",
    }


def _conflicted_person(session: Session, world: World) -> tuple[str, Conflict]:
    person_id, version = make_record(
        session, login=world.amina, entity="person", values=person_values(gender="f")
    )
    make_review_conflict(
        session,
        first=world.amina,
        second=world.karim,
        entity="person",
        row_id=person_id,
        base_version=version,
        values=({"ft_registration": "yes"}, {"ft_registration": "no"}),
    )
    [conflict] = session.exec(select(Conflict).where(Conflict.kind == "hard")).all()
    return person_id, conflict


def test_conflicts_read_in_plain_language(
    client: TestClient, session: Session, world: World
) -> None:
    _person_id, conflict = _conflicted_person(session, world)
    res = client.get("/console/conflicts", headers=world.sophie.headers)
    assert res.status_code == 200, res.text
    [item] = res.json()
    assert item["id"] == conflict.id
    assert item["field_label"] == "Inscrit à France Travail"
    assert item["row_summary"] == "Aïcha N'DIAYE"
    assert item["server"]["value_label"] == "Oui"
    assert item["server"]["author_name"] == world.amina.user.display_name
    assert item["incoming"]["value_label"] == "Non"
    assert item["incoming"]["author_name"] == world.karim.user.display_name
    assert item["incoming"]["at"] is not None
    # A closed field is resolved by picking among its values, never by typing.
    assert item["choices"] == [
        {"value": "yes", "label": "Oui"},
        {"value": "no", "label": "Non"},
        {"value": "unknown", "label": "Ne sait pas"},
    ]
    assert item["multiple"] is False


def test_resolving_writes_the_chosen_value_as_a_winning_op(
    client: TestClient, session: Session, world: World
) -> None:
    person_id, conflict = _conflicted_person(session, world)
    res = client.post(
        f"/console/conflicts/{conflict.id}/resolve",
        json={"choice": "server"},
        headers=world.sophie.headers,
    )
    assert res.status_code == 200, res.text
    assert res.json()["resolved_by_name"] == world.sophie.user.display_name
    session.rollback()  # end the test's read snapshot (SQLite WAL)
    assert session.get(Record, person_id).data["ft_registration"] == "yes"  # type: ignore[union-attr]
    assert client.get("/console/conflicts", headers=world.sophie.headers).json() == []
    assert _pulled(client, session, world.karim, person_id)["ft_registration"] == "yes"
    again = client.post(
        f"/console/conflicts/{conflict.id}/resolve",
        json={"choice": "incoming"},
        headers=world.sophie.headers,
    )
    assert again.status_code == 409 and "déjà été résolu" in again.json()["detail"]


def test_custom_resolution_is_validated(client: TestClient, session: Session, world: World) -> None:
    person_id, conflict = _conflicted_person(session, world)
    url = f"/console/conflicts/{conflict.id}/resolve"
    bad = client.post(
        url, json={"choice": "custom", "value": "peut-être"}, headers=world.sophie.headers
    )
    assert bad.status_code == 422
    assert bad.json()["detail"] == (
        "« peut-être » n'est pas une valeur possible pour « Inscrit à France Travail » "
        "(Oui, Non, Ne sait pas)."
    )
    assert (
        client.post(
            url, json={"choice": "custom", "value": "unknown"}, headers=world.amina.headers
        ).status_code
        == 403
    )
    good = client.post(
        url, json={"choice": "custom", "value": "unknown"}, headers=world.sophie.headers
    )
    assert good.status_code == 200, good.text
    session.rollback()  # end the test's read snapshot (SQLite WAL)
    assert session.get(Record, person_id).data["ft_registration"] == "unknown"  # type: ignore[union-attr]
    beauvais = make_review_supervisor(session, cite_id=world.other.user.cite_id, username="bea")
    foreign = client.post(url, json={"choice": "server"}, headers=beauvais.headers)
    assert foreign.status_code == 404
