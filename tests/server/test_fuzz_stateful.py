"""Stateful fuzzing of the HTTP API from its OpenAPI schema, with links (schemathesis).

The schema's operations are chained by OpenAPI links (a listed person's id feeds its
pathway, export, merge and erasure; a pushed row's id its history; a user's id its
devices and their revocation...), and each step is sent with the token of a
supervisor, a mediator or an admin, switched at random between steps. After every
call: no 5xx, and a refused request (4xx) left the store as it was.

Bounded: a few short scenarios per database (`max_examples`, `stateful_step_count`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize
from schemathesis.checks import not_a_server_error
from schemathesis.generation.stateful.state_machine import APIStateMachine
from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel

from domain.vocabulary import Role
from sync_server.core.settings import Settings
from sync_server.main import create_app
from sync_server.models import AppUser
from tests.factories import make_cite, make_device, make_followed_person, make_partner, make_user

ROLES = ("supervisor", "mediator", "admin")

# What a refused request may still write: the audit journal records refusals, the
# login throttle counts wrong passwords, and each authenticated call moves its
# device's last-seen time (the sliding session).
NOT_COMPARED_TABLES = frozenset({"audit_event", "login_failure"})
NOT_COMPARED_COLUMNS = frozenset({("device", "last_seen_at")})


def _link(operation_id: str, **parameters: str) -> dict[str, Any]:
    return {"operationId": operation_id, "parameters": parameters}


# source (method, path, status) -> {link name: (target method, path, parameters)}
LINKS: dict[tuple[str, str, str], dict[str, tuple[str, str, dict[str, str]]]] = {}


def _links_from(
    method: str, path: str, status: str, value: str, targets: list[tuple[str, str, str]]
) -> None:
    found = LINKS.setdefault((method, path, status), {})
    for target_method, target_path, parameter in targets:
        name = f"{target_method}{target_path}".replace("/", "_").replace("{", "").replace("}", "")
        found[name] = (target_method, target_path, {parameter: value})


_PERSON = [
    ("get", "/console/persons/{person_id}/pathway", "person_id"),
    ("get", "/console/persons/{person_id}/export", "person_id"),
    ("post", "/console/persons/{person_id}/merge", "person_id"),
    ("post", "/console/persons/{person_id}/unmerge", "person_id"),
    ("post", "/console/persons/{person_id}/referent", "person_id"),
    ("post", "/console/persons/{person_id}/erase", "person_id"),
]
_CONTACT = [
    ("post", "/console/contacts/{contact_id}/review", "contact_id"),
    ("get", "/console/contacts/{contact_id}/history", "contact_id"),
    ("post", "/console/records/{row_id}/correct", "row_id"),
]
_USER = [
    ("post", "/admin/users/{user_id}/deactivate", "user_id"),
    ("post", "/admin/users/{user_id}/password", "user_id"),
    ("get", "/admin/users/{user_id}/devices", "user_id"),
    ("post", "/admin/users/{user_id}/enrol-codes", "user_id"),
]
_links_from("get", "/console/persons", "200", "$response.body#/items/0/id", _PERSON)
_links_from("get", "/console/retention/upcoming", "200", "$response.body#/0/person_id", _PERSON)
_links_from("post", "/sync/push", "200", "$request.body#/ops/0/row_id", _PERSON + _CONTACT)
_links_from("get", "/console/contacts", "200", "$response.body#/items/0/id", _CONTACT)
_links_from(
    "get",
    "/console/conflicts",
    "200",
    "$response.body#/0/id",
    [("post", "/console/conflicts/{conflict_id}/resolve", "conflict_id")],
)
_links_from(
    "get",
    "/console/held-ops",
    "200",
    "$response.body#/0/op_id",
    [
        ("post", "/console/held-ops/{held_id}/accept", "held_id"),
        ("post", "/console/held-ops/{held_id}/discard", "held_id"),
    ],
)
_links_from("get", "/admin/users", "200", "$response.body#/items/0/id", _USER)
_links_from("post", "/admin/users", "201", "$response.body#/id", _USER)
_links_from(
    "get",
    "/admin/users/{user_id}/devices",
    "200",
    "$response.body#/0/id",
    [("post", "/admin/devices/{device_id}/revoke", "device_id")],
)
_PARTNER = [("put", "/admin/partners/{partner_id}", "partner_id")]
_links_from("get", "/admin/partners", "200", "$response.body#/0/id", _PARTNER)
_links_from("post", "/admin/partners", "201", "$response.body#/id", _PARTNER)
_links_from(
    "get",
    "/partner/orientations",
    "200",
    "$response.body#/items/0/id",
    [
        ("get", "/partner/orientations/{orientation_id}", "orientation_id"),
        ("post", "/partner/orientations/{orientation_id}/answer", "orientation_id"),
    ],
)


def schema_with_links(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI schema with the links above (the served schema has none)."""
    raw: dict[str, Any] = json.loads(json.dumps(app.openapi()))
    paths = raw["paths"]
    for (method, path, status), links in LINKS.items():
        response = paths[path][method]["responses"][status]
        response["links"] = {
            name: _link(paths[target_path][target_method]["operationId"], **parameters)
            for name, (target_method, target_path, parameters) in links.items()
        }
    return raw


def store_snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in NOT_COMPARED_TABLES:
                continue
            columns = [c for c in table.c if (table.name, c.name) not in NOT_COMPARED_COLUMNS]
            query = select(*columns).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(r) for r in conn.execute(query).all()]
    return out


def _fresh_tokens(engine: Engine, users: dict[str, str]) -> dict[str, dict[str, str]]:
    """A working token per role: a scenario may have deactivated a user or revoked a
    device (a legitimate admin action) in an earlier scenario."""
    with Session(engine, expire_on_commit=False) as session:
        tokens = {}
        for role, user_id in users.items():
            user = session.get(AppUser, user_id)
            assert user is not None
            user.active = True
            session.add(user)
            session.commit()
            tokens[role] = make_device(session, user=user).headers
        return tokens


def _seed(engine: Engine) -> dict[str, str]:
    with Session(engine, expire_on_commit=False) as session:
        cite = make_cite(session, name="Cité fuzz")
        partner = make_partner(session, cite=cite)
        mediator = make_device(session, user=make_user(session, cite=cite))
        supervisor = make_user(session, cite=cite, role=Role.SUPERVISOR)
        admin = make_user(session, cite=cite, role=Role.ADMIN)
        make_followed_person(session, login=mediator, partner_id=partner.id)
        return {"supervisor": supervisor.id, "mediator": mediator.user.id, "admin": admin.id}


def machine_for(app: FastAPI, engine: Engine, answered: set[str]) -> type[APIStateMachine]:
    loaded = schemathesis.openapi.from_dict(schema_with_links(app))
    loaded.app = app
    # Logout would end the scenario's own session; login and enrolment make new ones.
    schema = loaded.exclude(path="/auth/logout")
    users = _seed(engine)
    base = schema.as_state_machine()
    snapshot: Callable[[], dict[str, list[tuple[Any, ...]]]] = lambda: store_snapshot(engine)  # noqa: E731

    class ThreeRoles(base):  # type: ignore[valid-type, misc]
        def setup(self) -> None:
            self.tokens = _fresh_tokens(engine, users)
            self.role = "supervisor"
            self.rng = random.Random(0)  # replaced by `draw_roles`, drawn by Hypothesis
            self.before: dict[str, list[tuple[Any, ...]]] = {}

        @initialize(rng=st.randoms(use_true_random=False))
        def draw_roles(self, rng: random.Random) -> None:
            self.rng = rng

        def before_call(self, case: schemathesis.Case) -> None:
            self.role = self.rng.choice(ROLES)
            self.before = snapshot()

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": self.tokens[self.role]}

        def validate_response(
            self, response: Any, case: schemathesis.Case, *_args: Any, **kwargs: Any
        ) -> None:
            case.validate_response(response, checks=[not_a_server_error], transport_kwargs=kwargs)
            if response.status_code < 300:
                answered.add(self.role)
            if 400 <= response.status_code < 500:
                label = f"{case.operation.label} as {self.role} → {response.status_code}"
                assert snapshot() == self.before, f"a refused request changed the store: {label}"

    return ThreeRoles


def test_api_survives_stateful_fuzzing_with_three_roles(settings: Settings, engine: Engine) -> None:
    app = create_app(settings.model_copy(update={"api_docs": True}))
    app.state.engine = engine  # the lifespan sets the same; the machine calls without it
    answered: set[str] = set()
    machine = machine_for(app, engine, answered)
    machine.run(
        settings=hypothesis_settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    # Each token did work: the scenarios were not all refused at the door.
    assert answered == set(ROLES)
