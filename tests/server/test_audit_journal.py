"""The audit journal covers every supervisor and admin action, every person-record
read and every export (docs/architecture.md §4.8): one event per call, who, what, which row, and
no personal data; only the cité's administrators read it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from domain.audit_actions import ACTIONS
from domain.vocabulary import Role
from sync_server.crud.retention import anonymise_expired
from sync_server.models import AuditEvent, Cite, Conflict
from tests.factories import (
    DeviceLogin,
    make_device,
    make_followed_person,
    make_review_conflict,
    make_user,
)
from tests.server.conftest import World

# What identifies the person (or was typed about them) and must never be journaled.
SECRETS = ("Zéphyrine", "Quatrebarbes", "06 12 34 56 78", "CAP cuisine", "Honorine", "Brézé")
YEAR_2025 = {"date_from": "2025-01-01", "date_to": "2025-12-31"}


@dataclass(frozen=True)
class Step:
    caller: str  # "sophie" (supervisor) or "adele" (admin)
    method: str
    path: str
    action: str
    entity: str | None = None
    row_key: str | None = None  # which id of the scenario the event's row_id is
    body: dict[str, Any] | None = None
    params: dict[str, str] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)  # expected subset


STEPS: tuple[Step, ...] = (
    # Person-record reads.
    Step("sophie", "GET", "/console/contacts", "contacts.list", params={"qpv": "QN0600001"}),
    Step("sophie", "GET", "/console/persons", "persons.list", params={"q": "Zéphyrine"}),
    Step(
        "sophie",
        "GET",
        "/console/persons/{person}/pathway",
        "person.read",
        entity="person",
        row_key="person",
    ),
    Step(
        "sophie",
        "GET",
        "/console/contacts/{contact}/history",
        "contact.history",
        entity="contact",
        row_key="contact",
    ),
    Step("sophie", "GET", "/console/conflicts", "conflicts.list"),
    Step("sophie", "GET", "/console/duplicates", "duplicates.list"),
    Step("sophie", "GET", "/console/merges", "merges.list"),
    Step("sophie", "GET", "/console/retention/upcoming", "retention.upcoming"),
    # Exports and reports.
    Step(
        "sophie",
        "GET",
        "/console/persons/{person}/export",
        "person.export",
        entity="person",
        row_key="person",
    ),
    Step(
        "sophie",
        "GET",
        "/console/exports/contacts.csv",
        "export.contacts_csv",
        params=YEAR_2025,
        detail={"period": "2025-01-01_2025-12-31"},
    ),
    Step("sophie", "GET", "/console/exports/quarterly.csv", "export.report_csv", params=YEAR_2025),
    Step(
        "sophie", "GET", "/console/exports/quarterly.xlsx", "export.report_xlsx", params=YEAR_2025
    ),
    Step("sophie", "GET", "/console/indicators", "indicators.read", params=YEAR_2025),
    Step(
        "sophie",
        "GET",
        "/console/exports/quarterly",
        "export.programme_pdf",
        params={"year": "2025", "quarter": "4", "format": "pdf"},
        detail={"period": "2025-T4"},
    ),
    Step(
        "sophie",
        "GET",
        "/console/exports/quarterly",
        "export.programme_xlsx",
        params={"year": "2025", "quarter": "4"},
    ),
    # Supervision.
    Step(
        "sophie",
        "POST",
        "/console/contacts/{contact}/review",
        "review.to_fix",
        entity="contact",
        row_key="contact",
        body={"state": "to_fix", "comment": "Zéphyrine doit préciser son CAP cuisine"},
    ),
    Step(
        "sophie",
        "POST",
        "/console/conflicts/{conflict}/resolve",
        "conflict.resolve",
        entity="conflict",
        row_key="conflict",
        body={"choice": "server"},
        detail={"choice": "server", "field": "ft_registration"},
    ),
    Step(
        "sophie",
        "POST",
        "/console/duplicates/dismiss",
        "duplicate.dismiss",
        entity="person",
        row_key="person",
        body={"person_a": "{person}", "person_b": "{other}"},
    ),
    Step(
        "sophie",
        "POST",
        "/console/persons/{person}/merge",
        "duplicate.merge",
        entity="person",
        row_key="person",
        body={"into": "{twin}"},
    ),
    Step(
        "sophie",
        "POST",
        "/console/persons/{person}/referent",
        "person.referent",
        entity="person",
        row_key="person",
        body={"mediator_id": "{karim}"},
    ),
    Step(
        "sophie",
        "POST",
        "/console/persons/{person}/unmerge",
        "duplicate.unmerge",
        entity="person",
        row_key="person",
    ),
    # Administration.
    Step(
        "adele",
        "POST",
        "/admin/users",
        "user.create",
        entity="user",
        body={
            "username": "honorine",
            "display_name": "Honorine Brézé",
            "role": "mediator",
            "password": "un-mot-de-passe",
        },
        detail={"role": "mediator"},
    ),
    Step(
        "adele",
        "POST",
        "/admin/users/{leaving}/password",
        "user.password_reset",
        entity="user",
        row_key="leaving",
        body={"password": "un-autre-mot-de-passe"},
    ),
    Step("adele", "GET", "/admin/users", "users.list", detail={"page": 1}),
    Step(
        "adele",
        "GET",
        "/admin/users/{leaving}/devices",
        "devices.list",
        entity="user",
        row_key="leaving",
    ),
    Step(
        "adele",
        "POST",
        "/admin/users/{leaving}/enrol-codes",
        "enrol.code_issued",
        entity="user",
        row_key="leaving",
    ),
    Step(
        "adele",
        "POST",
        "/admin/devices/{spare}/revoke",
        "device.revoke",
        entity="device",
        row_key="spare",
    ),
    Step(
        "adele",
        "POST",
        "/admin/users/{leaving}/deactivate",
        "user.deactivate",
        entity="user",
        row_key="leaving",
    ),
    Step(
        "adele",
        "PUT",
        "/admin/qpvs",
        "qpv.save",
        entity="qpv",
        body={"code": "QN0609999", "name": "Les Hauts"},
    ),
    Step(
        "adele",
        "POST",
        "/admin/partners",
        "partner.create",
        entity="partner",
        body={"name": "Mission Locale", "type": "mission_locale"},
    ),
    Step(
        "adele",
        "PUT",
        "/admin/partners/{partner}",
        "partner.update",
        entity="partner",
        row_key="partner",
        body={"name": "France Travail Creil", "type": "france_travail"},
    ),
    Step(
        "adele",
        "PUT",
        "/admin/settings",
        "settings.retention",
        entity="cite",
        row_key="cite",
        body={"retention_months": 18},
        detail={"months": 18},
    ),
    # Rights: erasure last, the other steps still read the person.
    Step(
        "sophie",
        "POST",
        "/console/persons/{person}/erase",
        "person.erase",
        entity="person",
        row_key="person",
        body={"reason": "Demande écrite de Zéphyrine Quatrebarbes"},
    ),
)


@dataclass
class Scenario:
    ids: dict[str, str]
    callers: dict[str, DeviceLogin]
    admin_b: DeviceLogin


@pytest.fixture
def scenario(session: Session, world: World) -> Scenario:
    creil = session.get(Cite, world.cite_id)
    beauvais = session.get(Cite, world.other.user.cite_id)
    assert creil is not None and beauvais is not None
    ids = make_followed_person(session, login=world.amina, partner_id=world.partner_id)
    twin = make_followed_person(session, login=world.karim, partner_id=world.partner_id)
    other = make_followed_person(
        session, login=world.karim, partner_id=world.partner_id, first_name="Zéphyrin"
    )
    # A hard conflict on the person's France Travail registration.
    make_review_conflict(
        session,
        first=world.amina,
        second=world.karim,
        entity="person",
        row_id=ids["person"],
        base_version=1,
        values=({"ft_registration": "yes"}, {"ft_registration": "no"}),
    )
    conflict = session.exec(select(Conflict).where(Conflict.kind == "hard")).first()
    assert conflict is not None
    leaving = make_user(session, cite=creil, role=Role.MEDIATOR, username="partante")
    spare = make_device(session, user=world.karim.user, name="téléphone de rechange")
    admin = make_device(session, user=make_user(session, cite=creil, role=Role.ADMIN))
    admin_b = make_device(session, user=make_user(session, cite=beauvais, role=Role.ADMIN))
    return Scenario(
        ids={
            "person": ids["person"],
            "contact": ids["contact"],
            "twin": twin["person"],
            "other": other["person"],
            "conflict": conflict.id,
            "leaving": leaving.id,
            "spare": spare.device.id,
            "partner": world.partner_id,
            "cite": world.cite_id,
            "karim": world.karim.user.id,
        },
        callers={"sophie": world.sophie, "adele": admin},
        admin_b=admin_b,
    )


def _events(session: Session) -> list[AuditEvent]:
    session.commit()  # a new snapshot: see what the server committed since
    return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all())


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def test_every_action_leaves_one_event_without_personal_data(
    client: TestClient, session: Session, scenario: Scenario
) -> None:
    ids = scenario.ids
    failures: list[str] = []
    for step in STEPS:
        login = scenario.callers[step.caller]
        before = {e.id for e in _events(session)}
        res = client.request(
            step.method,
            step.path.format(**ids),
            json=_fill(step.body, ids),
            params=step.params,
            headers=login.headers,
        )
        where = f"{step.method} {step.path} ({step.action})"
        if not 200 <= res.status_code < 300:
            failures.append(f"{where}: {res.status_code} {res.text[:200]}")
            continue
        new = [e for e in _events(session) if e.id not in before]
        if [e.action for e in new] != [step.action]:
            failures.append(f"{where}: journaled {[e.action for e in new]}")
            continue
        event = new[0]
        expected_row = ids.get(step.row_key) if step.row_key else event.row_id
        if step.action == "user.create":
            expected_row = res.json()["id"]
        checks = {
            "actor_user_id": (event.actor_user_id, login.user.id),
            "actor_device_id": (event.actor_device_id, login.device.id),
            "cite_id": (event.cite_id, ids["cite"]),
            "entity": (event.entity, step.entity),
            "row_id": (event.row_id, expected_row),
        }
        for name, (got, want) in checks.items():
            if got != want:
                failures.append(f"{where}: {name} is {got!r}, expected {want!r}")
        for key, want in step.detail.items():
            if event.detail.get(key) != want:
                failures.append(f"{where}: detail[{key!r}] is {event.detail.get(key)!r}")
        if event.action not in ACTIONS:
            failures.append(f"{where}: no French label for {event.action}")
    assert not failures, "\n".join(failures)

    # Nothing that identifies a person anywhere in the journal, as stored or as served.
    stored = json.dumps([e.model_dump(mode="json") for e in _events(session)], ensure_ascii=False)
    served = client.get(
        "/admin/audit", headers=scenario.callers["adele"].headers, params={"page_size": 200}
    ).text
    for secret in SECRETS:
        assert secret not in stored
        assert secret not in served
    # The filters of a list are named, never their values.
    listed = next(e for e in _events(session) if e.action == "contacts.list")
    assert listed.detail["filters"] == ["qpv"] and "QN0600001" not in json.dumps(listed.detail)
    search = next(e for e in _events(session) if e.action == "persons.list")
    assert search.detail["search"] is True


def test_enrolment_by_code_is_journaled_as_the_enrolled_user(
    client: TestClient, session: Session, scenario: Scenario
) -> None:
    leaving = scenario.ids["leaving"]
    res = client.post(
        f"/admin/users/{leaving}/enrol-codes", headers=scenario.callers["adele"].headers
    )
    code = res.json()["code"]
    enrolled = client.post("/auth/enrol", json={"code": code, "device_name": "Pixel"})
    assert enrolled.status_code == 200, enrolled.text
    events = [e for e in _events(session) if e.action.startswith("enrol.")]
    assert [e.action for e in events] == ["enrol.code_issued", "enrol.redeemed"]
    redeemed = events[1]
    assert redeemed.actor_user_id == leaving
    assert redeemed.row_id == enrolled.json()["device_id"]
    assert code not in json.dumps([e.detail for e in events])


def test_a_refused_action_leaves_no_event(
    client: TestClient, session: Session, scenario: Scenario
) -> None:
    before = len(_events(session))
    sophie = scenario.callers["sophie"]
    assert client.post("/console/persons/nobody/unmerge", headers=sophie.headers).status_code == 404
    unmerge = f"/console/persons/{scenario.ids['person']}/unmerge"
    assert client.post(unmerge, headers=sophie.headers).status_code == 409  # not merged
    assert client.get("/console/persons/nobody/pathway", headers=sophie.headers).status_code == 404
    assert len(_events(session)) == before


def test_retention_run_is_journaled_per_cite(session: Session, scenario: Scenario) -> None:
    later = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    count = anonymise_expired(session, now=later, default_months=24)
    session.commit()
    events = _events(session)
    runs = {e.cite_id: e.detail for e in events if e.action == "retention.run"}
    creil, beauvais = scenario.ids["cite"], scenario.admin_b.user.cite_id
    assert runs[creil] == {"anonymised": count, "months": 24} and count == 3
    assert runs[beauvais] == {"anonymised": 0, "months": 24}
    anonymised = [e for e in events if e.action == "retention.anonymise"]
    assert len(anonymised) == 3 and all(e.actor_user_id is None for e in anonymised)


def test_the_journal_is_for_the_cites_admins_in_french(
    client: TestClient, session: Session, world: World, scenario: Scenario
) -> None:
    sophie, adele = world.sophie, scenario.callers["adele"]
    person = scenario.ids["person"]
    client.get(f"/console/persons/{person}/pathway", headers=sophie.headers)
    client.get("/console/exports/contacts.csv", headers=sophie.headers, params=YEAR_2025)

    for login in (world.amina, sophie):
        assert client.get("/admin/audit", headers=login.headers).status_code == 403
    assert client.get("/admin/audit").status_code == 401

    page = client.get("/admin/audit", headers=adele.headers, params={"family": "read"}).json()
    read = page["items"][0]
    assert read["action"] == "person.read" and page["total"] == 1
    assert read["action_label"] == "Lecture d'une fiche personne"
    assert read["family"] == "read"
    assert read["actor_name"] == sophie.user.display_name
    assert read["object_label"] == f"Personne …{person[-8:]}"
    exports = client.get(
        "/admin/audit", headers=adele.headers, params={"family": "export", "actor": sophie.user.id}
    ).json()
    assert [e["action_label"] for e in exports["items"]] == ["Export CSV des contacts"]
    assert "période du 01/01/2025 au 31/12/2025 · 3 ligne(s)" in exports["items"][0]["object_label"]
    bad = client.get("/admin/audit", headers=adele.headers, params={"family": "nimporte"})
    assert bad.status_code == 422

    # Another cité's admin sees none of this cité's events (only server-wide ones).
    other = client.get(
        "/admin/audit", headers=scenario.admin_b.headers, params={"page_size": 200}
    ).json()
    assert all(e["actor_user_id"] != sophie.user.id for e in other["items"])
    assert person not in json.dumps(other) and sophie.user.display_name not in json.dumps(other)
