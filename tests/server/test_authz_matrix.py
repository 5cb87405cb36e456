"""Every route, every kind of caller: who gets in, and cité B never sees cité A.

The table below classifies each route by policy. A new route that is not listed
makes `test_every_route_is_classified` fail: add it to ROUTES with its policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from starlette.routing import Route

from domain.ids import uuid7
from domain.vocabulary import Role
from sync_server.models import Cite, Conflict, HeldOp, ProgrammeCite
from tests.factories import (
    DeviceLogin,
    hlc_at,
    make_device,
    make_followed_person,
    make_partner,
    make_record,
    make_review_conflict,
    make_user,
    person_values,
)
from tests.server.conftest import World

# session: any signed-in account (logging out); member: the cité's team, not a partner
# account (the phones' sync, the referentials); partner: a partner structure's account;
# programme: a préfecture or ANCT correspondent (aggregated indicators of its cités).
Policy = Literal["public", "session", "member", "supervisor", "admin", "partner", "programme"]


@dataclass(frozen=True)
class Spec:
    policy: Policy
    body: dict[str, Any] | None = None
    params: dict[str, str] = field(default_factory=dict)
    # Statuses that mean "allowed" for this route besides 2xx (e.g. 409: already done).
    also_ok: frozenset[int] = frozenset()


PLACEHOLDER = re.compile(r"\{[a-z_]+\}")  # a route or body naming a cité-A object
YEAR_2025 = {"date_from": "2025-01-01", "date_to": "2025-12-31"}

ROUTES: dict[tuple[str, str], Spec] = {
    ("GET", "/health"): Spec("public"),
    ("GET", "/health/live"): Spec("public"),
    ("GET", "/health/ready"): Spec("public"),
    ("GET", "/openapi.json"): Spec("public"),
    ("GET", "/docs"): Spec("public"),
    ("GET", "/docs/oauth2-redirect"): Spec("public"),
    ("GET", "/redoc"): Spec("public"),
    ("POST", "/auth/login"): Spec("public", body={"username": "personne", "password": "x"}),
    ("POST", "/auth/logout"): Spec("session"),
    ("POST", "/sync/push"): Spec("member", body={"ops": []}),
    ("GET", "/sync/pull"): Spec("member"),
    ("GET", "/sync/pull/stream"): Spec("member"),
    ("GET", "/referentials"): Spec("member"),
    ("GET", "/console/contacts"): Spec("supervisor"),
    ("GET", "/console/conflicts"): Spec("supervisor"),
    ("GET", "/console/persons/{person_id}/export"): Spec("supervisor"),
    ("POST", "/console/persons/{person_id}/erase"): Spec(
        "supervisor", body={"reason": "test de la matrice"}, also_ok=frozenset({409})
    ),
    ("GET", "/console/retention/upcoming"): Spec("supervisor"),
    ("GET", "/admin/audit"): Spec("admin"),
    # The console: supervisors (and admins) of the cité; other cités get 404 on ids.
    ("GET", "/console/persons"): Spec("supervisor"),
    ("GET", "/console/persons/{person_id}/pathway"): Spec("supervisor"),
    ("GET", "/console/duplicates"): Spec("supervisor"),
    ("POST", "/console/duplicates/dismiss"): Spec(
        "supervisor", body={"person_a": "{person_id}", "person_b": "{twin_id}"}
    ),
    ("GET", "/console/merges"): Spec("supervisor"),
    ("POST", "/console/persons/{person_id}/merge"): Spec(
        "supervisor", body={"into": "{twin_id}"}, also_ok=frozenset({409})
    ),
    ("POST", "/console/persons/{person_id}/unmerge"): Spec("supervisor", also_ok=frozenset({409})),
    # Once merged by an earlier caller, the two are « déjà fusionnée » (409).
    ("GET", "/console/persons/{person_id}/compare/{other_id}"): Spec(
        "supervisor", also_ok=frozenset({409})
    ),
    ("POST", "/console/persons/{person_id}/referent"): Spec(
        "supervisor", body={"mediator_id": "{mediator_id}"}, also_ok=frozenset({409})
    ),
    ("POST", "/console/contacts/{contact_id}/review"): Spec(
        "supervisor", body={"state": "validated"}
    ),
    ("GET", "/console/contacts/{contact_id}/history"): Spec("supervisor"),
    ("POST", "/console/records/{row_id}/correct"): Spec(
        "supervisor", body={"values": {"phone": "07 11 22 33 44"}}, also_ok=frozenset({409})
    ),
    ("POST", "/console/contacts/validate"): Spec(
        "supervisor", body={"contact_ids": ["{contact_id}"]}
    ),
    ("POST", "/console/contacts/validate/undo"): Spec(
        "supervisor",
        body={"undo": [{"id": "{contact_id}", "version": 1, "review_state": "received"}]},
    ),
    ("POST", "/console/conflicts/{conflict_id}/resolve"): Spec(
        "supervisor", body={"choice": "server"}, also_ok=frozenset({409})
    ),
    ("GET", "/console/held-ops"): Spec("supervisor"),
    # Once decided by one caller, a held op is « déjà traitée » (409) for the next.
    ("POST", "/console/held-ops/{held_id}/accept"): Spec("supervisor", also_ok=frozenset({409})),
    ("POST", "/console/held-ops/{held_id}/discard"): Spec("supervisor", also_ok=frozenset({409})),
    ("GET", "/console/indicators"): Spec("supervisor", params=YEAR_2025),
    ("GET", "/console/exports/contacts.csv"): Spec("supervisor", params=YEAR_2025),
    ("GET", "/console/exports/quarterly.csv"): Spec("supervisor", params=YEAR_2025),
    ("GET", "/console/exports/quarterly.xlsx"): Spec("supervisor", params=YEAR_2025),
    ("GET", "/console/exports/quarterly"): Spec(
        "supervisor", params={"year": "2025", "quarter": "4", "format": "pdf"}
    ),
    # Administration: admins of the cité only.
    ("GET", "/admin/users"): Spec("admin"),
    ("POST", "/admin/users"): Spec(
        "admin",
        body={
            "username": "nouvelle",
            "display_name": "Nouvelle Médiatrice",
            "role": "mediator",
            "password": "un-mot-de-passe",
        },
    ),
    ("POST", "/admin/users/{user_id}/deactivate"): Spec("admin"),
    ("POST", "/admin/users/{user_id}/password"): Spec(
        "admin", body={"password": "un-mot-de-passe"}
    ),
    ("GET", "/admin/users/{user_id}/devices"): Spec("admin"),
    ("POST", "/admin/users/{user_id}/enrol-codes"): Spec("admin", also_ok=frozenset({409})),
    ("POST", "/admin/devices/{device_id}/revoke"): Spec("admin"),
    ("GET", "/admin/qpvs"): Spec("admin"),
    ("PUT", "/admin/qpvs"): Spec("admin", body={"code": "QN0609999", "name": "Les Hauts"}),
    ("GET", "/admin/partners"): Spec("admin"),
    ("POST", "/admin/partners"): Spec(
        "admin", body={"name": "Mission Locale", "type": "mission_locale"}
    ),
    ("PUT", "/admin/partners/{partner_id}"): Spec(
        "admin", body={"name": "France Travail Creil", "type": "france_travail"}
    ),
    ("GET", "/admin/settings"): Spec("admin"),
    ("PUT", "/admin/settings"): Spec("admin", body={"retention_months": 24}),
    # Partner structures: the orientations addressed to the caller's structure only.
    ("GET", "/partner/orientations"): Spec("partner"),
    ("GET", "/partner/orientations/{orientation_id}"): Spec("partner"),
    ("POST", "/partner/orientations/{orientation_id}/answer"): Spec(
        "partner", body={"action": "accept"}, also_ok=frozenset({409})
    ),
    # Programme accounts: the aggregated indicators of the cités they are attached to.
    ("GET", "/programme/indicators"): Spec("programme", params=YEAR_2025),
    ("GET", "/programme/indicators.xlsx"): Spec("programme", params=YEAR_2025),
    ("GET", "/programme/quarterly"): Spec("programme", params={"year": "2025", "quarter": "1"}),
    # A phone redeems a one-time code: public, a wrong code is refused.
    ("POST", "/auth/enrol"): Spec("public", body={"code": "ABCD-1234", "device_name": "x"}),
}

CALLERS = (
    "anonymous",
    "mediator_a",
    "supervisor_b",
    "supervisor_a",
    "admin_a",
    # The conseiller of the structure cité A's orientation is addressed to, and one of
    # another structure of cité A (who must get 404 on it, as a stranger would).
    "partner_a",
    "partner_elsewhere",
    # A programme account attached to cités A and B, and one attached to B only.
    "programme_ab",
    "programme_b",
)
PARTNERS = frozenset({"partner_a", "partner_elsewhere"})
PROGRAMMES = frozenset({"programme_ab", "programme_b"})
ALLOWED: dict[Policy, frozenset[str]] = {
    "public": frozenset(CALLERS),
    "session": frozenset(CALLERS) - {"anonymous"},
    "member": frozenset(CALLERS) - {"anonymous"} - PARTNERS - PROGRAMMES,
    "supervisor": frozenset({"supervisor_a", "admin_a", "supervisor_b"}),
    "admin": frozenset({"admin_a"}),
    "partner": PARTNERS,
    "programme": PROGRAMMES,
}
# Who must get 404 (not 403) on a route they may not use: a partner account learns
# nothing of the rest of the cité, not even that a person or a page exists; nor does a
# programme account, which reads aggregated figures only.
NOT_FOUND_OUTSIDE = PARTNERS | PROGRAMMES
# Who must get 404 on a route naming a cité-A object: another cité, another structure.
STRANGERS = frozenset({"supervisor_b", "partner_elsewhere", "programme_b"})
# Recognisable cité-A data that must never reach cité B.
A_SECRETS = ("Zéphyrine", "Quatrebarbes", "06 12 34 56 78", "CAP cuisine", "Creil", "amina")
# What identifies a person or a member: never in a programme account's answers, even
# for its own cités (it reads the cité's name, never anyone's).
PERSON_SECRETS = tuple(s for s in A_SECRETS if s != "Creil")


def _app_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every route the app serves: the documented API (from its OpenAPI schema, which
    also sees routers FastAPI includes lazily) plus the plain routes (docs pages)."""
    app = client.app
    out = {
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()  # type: ignore[attr-defined]
        for method in item
    }
    for route in app.routes:  # type: ignore[attr-defined]
        if isinstance(route, APIRoute | Route):
            out.update((m, route.path) for m in route.methods or () if m != "HEAD")
    return sorted(out)


def test_every_route_is_classified(client: TestClient) -> None:
    missing = [r for r in _app_routes(client) if r not in ROUTES]
    assert not missing, (
        f"Unclassified routes {missing}: add each to ROUTES in {__file__} with its policy "
        "(public / session / member / supervisor / admin / partner / programme), then check "
        "the matrix passes."
    )


@pytest.fixture
def callers(session: Session, world: World) -> dict[str, DeviceLogin | None]:
    creil = session.get(Cite, world.cite_id)
    beauvais = session.get(Cite, world.other.user.cite_id)
    assert creil is not None and beauvais is not None
    admin = make_user(session, cite=creil, role=Role.ADMIN, username="adele")
    sup_b = make_user(session, cite=beauvais, role=Role.SUPERVISOR, username="bertrand")
    elsewhere = make_partner(session, cite=creil, name="Cap emploi")
    partner_a = make_user(session, cite=creil, role=Role.PARTNER, username="conseil-a")
    partner_b = make_user(session, cite=creil, role=Role.PARTNER, username="conseil-b")
    partner_a.partner_id, partner_b.partner_id = world.partner_id, elsewhere.id
    session.add_all([partner_a, partner_b])
    programme_ab = make_user(session, cite=creil, role=Role.PROGRAMME, username="prefecture")
    programme_b = make_user(session, cite=beauvais, role=Role.PROGRAMME, username="anct-b")
    session.add_all(
        [
            ProgrammeCite(user_id=programme_ab.id, cite_id=creil.id),
            ProgrammeCite(user_id=programme_ab.id, cite_id=beauvais.id),
            ProgrammeCite(user_id=programme_b.id, cite_id=beauvais.id),
        ]
    )
    session.commit()
    return {
        "anonymous": None,
        "mediator_a": world.amina,
        "supervisor_b": make_device(session, user=sup_b),
        "supervisor_a": world.sophie,
        "admin_a": make_device(session, user=admin),
        "partner_a": make_device(session, user=partner_a, name="console"),
        "partner_elsewhere": make_device(session, user=partner_b, name="console"),
        "programme_ab": make_device(session, user=programme_ab, name="console"),
        "programme_b": make_device(session, user=programme_b, name="console"),
    }


def _path_values(session: Session, world: World) -> dict[str, str]:
    """Cité-A objects the id-carrying routes point at (throwaway ones where a route
    deactivates or revokes, so the callers keep working)."""
    ids = make_followed_person(session, login=world.amina, partner_id=world.partner_id)
    twin = make_followed_person(session, login=world.karim, partner_id=world.partner_id)
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
    conflict = session.exec(select(Conflict).where(Conflict.kind == "hard")).first()
    assert conflict is not None
    creil = session.get(Cite, world.cite_id)
    assert creil is not None
    leaving = make_user(session, cite=creil, role=Role.MEDIATOR, username="partante")
    spare = make_device(session, user=world.karim.user, name="téléphone de rechange")
    held = HeldOp(
        op_id=uuid7(),
        cite_id=world.cite_id,
        device_id=spare.device.id,
        user_id=world.karim.user.id,
        entity="person",
        row_id=uuid7(),
        device_seq=1,
        hlc=hlc_at(),
        set_values=person_values(),
    )
    session.add(held)
    session.commit()
    return {
        "held_id": held.op_id,
        "person_id": ids["person"],
        "twin_id": twin["person"],
        "other_id": twin["person"],
        "contact_id": ids["contact"],
        "orientation_id": ids["orientation"],
        "row_id": ids["person"],
        "conflict_id": conflict.id,
        "user_id": leaving.id,
        "device_id": spare.device.id,
        "partner_id": world.partner_id,
        "mediator_id": world.karim.user.id,
    }


def _fill(body: Any, values: dict[str, str]) -> Any:
    """The body with its placeholders filled in, at any depth."""
    if isinstance(body, str):
        return body.format(**values)
    if isinstance(body, list):
        return [_fill(v, values) for v in body]
    if isinstance(body, dict):
        return {k: _fill(v, values) for k, v in body.items()}
    return body


def _leaks(caller: str, path: str, text: str, where: str) -> list[str]:
    """Cité A's data in a stranger's answer; anyone's data in a programme account's."""
    found = []
    documented = path in ("/openapi.json", "/docs", "/redoc")
    if caller in STRANGERS and not documented and (leaked := [s for s in A_SECRETS if s in text]):
        found.append(f"cité A data {leaked} leaked — {where}")
    if caller in PROGRAMMES and (leaked := [s for s in PERSON_SECRETS if s in text]):
        found.append(f"person-level data {leaked} leaked — {where}")
    return found


def test_authorisation_matrix(
    client: TestClient, session: Session, world: World, callers: dict[str, DeviceLogin | None]
) -> None:
    path_values = _path_values(session, world)
    client.get("/console/contacts", headers=world.sophie.headers)  # something in the journal
    failures: list[str] = []
    # Erasure last: the other routes still find the person it anonymises.
    ordered = sorted(ROUTES.items(), key=lambda item: item[0][1].endswith("/erase"))
    for (method, path), spec in ordered:
        url = path.format(**path_values)
        body = _fill(spec.body, path_values)
        for name in CALLERS:
            login = callers[name]
            if path == "/auth/logout" and login is not None:
                login = make_device(session, user=login.user, name="jetable")  # keep the others
            headers = login.headers if login else {}
            res = client.request(method, url, json=body, headers=headers, params=spec.params)
            code = res.status_code
            where = f"{method} {path} as {name}: {code} {res.text[:120]}"
            if code >= 500:
                failures.append(f"server error — {where}")
            elif spec.policy == "public":
                pass
            elif name == "anonymous":
                if code != 401:
                    failures.append(f"expected 401 — {where}")
            elif name not in ALLOWED[spec.policy]:
                expected = 404 if name in NOT_FOUND_OUTSIDE else 403
                if code != expected:
                    failures.append(f"expected {expected} — {where}")
            elif name in STRANGERS and PLACEHOLDER.search(path + str(spec.body)):
                if code != 404:
                    failures.append(f"expected 404 (other cité) — {where}")
            elif not (200 <= code < 300 or code in spec.also_ok):
                failures.append(f"expected success — {where}")
            failures += _leaks(name, path, res.text, where)
    assert not failures, "\n".join(failures)
