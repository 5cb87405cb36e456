"""The server's one-pass validation of a push batch (`domain.sync.normalised_push`)
against the op-by-op path it shortcuts: `PushRequest` then `normalise_fields`."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, get_args, get_origin

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from domain import sync
from domain.entities import ENTITY_NAMES, FIELD_MODELS, FieldsError, normalise_fields
from domain.sync import PushRequest, normalised_push
from tests.factories import contact_values, op, person_values

MEDIATOR = "01900000-0000-7000-8000-000000000001"
PERSON = "01900000-0000-7000-8000-0000000000a1"


def every_entity() -> list[dict[str, Any]]:
    """Valid ops of every entity, in forms the validation rewrites."""
    return [
        op("event", {"type": "forum", "starts_at": "2025-03-14T09:00:00.250-05:30",
                     "place": "  Salle des fêtes ", "qpv_code": "QN0600001", "axis": "identify",
                     "partner_ids": [PERSON], "mediator_ids": [], "deleted": False}),
        op("person", person_values(first_name=" Aïcha\t", birth_date="1998-04-12",
                                   declared_age="27", phone=" 06 12 34 56 78 ",
                                   email=" a.n@example.fr ", gender="f", freins=["mobility"],
                                   info_notice_given="yes", info_notice_at=1741944600,
                                   exit_date=None, merged_into=None, status="in_contact")),
        op("contact", contact_values(MEDIATOR, person_id=PERSON, occurred_at="2025-03-14T10:30Z",
                                     qpv_resident="unknown", note=" rappeler ", need=None)),
        op("contact", {"deleted": True}, base_version=7),
        op("contact", {"review_state": "to_fix", "review_comment": " photo floue "}),
        op("orientation", {"person_id": PERSON, "partner_id": PERSON, "date": "2025-03-14",
                           "status": "proposed", "theme": " emploi ", "feedback_date": None}),
        op("followup", {"person_id": PERSON, "due_date": "2025-04-01T00:00:00",
                        "what": " rappeler ", "done": 0}),
        op("followup", {}),
    ]  # fmt: skip


def op_by_op(payload: dict[str, Any]) -> PushRequest:
    """What the server did before the fast path: each set normalised on its own."""
    request = PushRequest.model_validate(payload)
    for o in request.ops:  # (an assignment would mark `set` as set)
        o.__dict__["set"] = normalise_fields(o.entity, o.set)
    return request


def assert_same(fast: PushRequest | None, slow: PushRequest) -> None:
    assert fast is not None and type(fast) is PushRequest
    assert fast.model_fields_set == slow.model_fields_set
    assert (fast.protocol, fast.schema_version) == (slow.protocol, slow.schema_version)
    assert len(fast.ops) == len(slow.ops)
    for a, b in zip(fast.ops, slow.ops, strict=True):
        assert type(a) is type(b) and a.model_fields_set == b.model_fields_set
        assert a.model_dump(exclude={"set"}) == b.model_dump(exclude={"set"})
        # repr: the same keys in the same order, and plain str, not enum members.
        assert repr(a.set) == repr(b.set)


def test_a_valid_batch_of_every_entity_is_the_op_by_op_result() -> None:
    payload = {"protocol": 1, "schema_version": 1, "ops": every_entity(), "later": "ignored"}
    fast = normalised_push(payload)
    assert_same(fast, op_by_op(payload))
    assert fast is not None and {o.entity for o in fast.ops} == set(ENTITY_NAMES)
    event, person = fast.ops[0].set, fast.ops[1].set
    assert event["place"] == "Salle des fêtes" and event["starts_at"].endswith("-05:30")
    assert person["first_name"] == "Aïcha" and person["declared_age"] == 27
    assert fast.ops[-1].set == {} and fast.ops[3].base_version == 7


def test_defaults_left_out_are_left_unset() -> None:
    bare = {k: v for k, v in op("person", person_values()).items() if k != "base_version"}
    no_set = {k: v for k, v in bare.items() if k != "set"}
    payload = {"ops": [bare, no_set]}
    assert_same(normalised_push(payload), op_by_op(payload))


def test_normalising_a_normalised_set_changes_nothing() -> None:
    fast = normalised_push({"ops": every_entity()})
    assert fast is not None
    for o in fast.ops:
        assert repr(normalise_fields(o.entity, o.set)) == repr(o.set)


_GOOD = op("person", person_values())


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"ops": [op("contact", {"colour": "red"})]}, id="unknown-field"),
        pytest.param({"ops": [op("contact", {"channel": "pigeon"})]}, id="bad-enum"),
        pytest.param({"ops": [op("contact", {"person_id": "not-a-uuid"})]}, id="bad-uuid"),
        pytest.param({"ops": [op("person", {"first_name": 2**70})]}, id="huge-int"),
        pytest.param({"ops": [op("person", {"declared_age": float("nan")})]}, id="nan"),
        pytest.param({"ops": [op("planet", {"name": "Mars"})]}, id="unknown-entity"),
        pytest.param({"ops": [{**_GOOD, "extra": 1}]}, id="extra-op-key"),
        pytest.param({"ops": [{**_GOOD, "set": None}]}, id="null-set"),
        pytest.param({"ops": [{**_GOOD, "device_seq": 2**70}]}, id="huge-device-seq"),
        pytest.param({"ops": [_GOOD] * 500}, id="too-many"),
        pytest.param({"ops": "none"}, id="ops-not-a-list"),
        pytest.param({}, id="no-ops"),
    ],
)
def test_any_failure_leaves_the_batch_to_the_op_by_op_path(bad: dict[str, Any]) -> None:
    ops = bad.get("ops")
    payload = {**bad, "ops": [_GOOD, *ops]} if isinstance(ops, list) else bad
    assert normalised_push(payload) is None


# Any set the fields could hold, valid or not: the fast path takes a batch exactly
# when every op of it normalises, and then yields what normalising op by op yields.

_DATETIMES = ["2025-03-14T10:30:00+01:00", "2025-03-14T10:30:00.5Z", "2025-03-14 10:30",
              "2025-03-14T10:30:00", "2025-03-14", 1741944600, 1741944600123, 1741944600.5,
              "14/03/2025", True, "2025-02-30T10:00:00Z"]  # fmt: skip
_DATES = ["2025-03-14", "2025-03-14T00:00:00Z", "2025-03-14T10:00:00", 1741910400, "20250314",
          "2025-13-01", 0]  # fmt: skip
_TEXTS = [" Aïcha ", "N'Diaye", "", "   ", "x" * 81, "y" * 300, 5, None, "\u00a0é\u2003"]
_IDS = [PERSON, PERSON.upper(), "x", 7]
_SPECIAL = {"qpv_code": ["QN0600001", "QN06", " QN0600001"],
            "phone": [" 06 12 34 56 78 ", "+33 6.12.34.56.78", "06", "abc"],
            "email": [" a@b.fr ", "a@b", "a b@c.fr"]}  # fmt: skip


def _pool(name: str, annotation: Any) -> list[Any]:
    inner = next(a for a in get_args(annotation) if a is not type(None))
    if get_origin(inner) is list:
        items = [v for v in _pool(name.removesuffix("s"), get_args(inner)[0] | None) if v]
        return [[], items[:1], items[:2], items[-2:], "mobility", None]
    if name in _SPECIAL:
        return [*_SPECIAL[name], None]
    if name.endswith("_id") or name == "merged_into":
        return [*_IDS, None]
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return [*(m.value for m in list(inner)[:3]), "nope", " f", 1, None]
    if inner is dt.datetime:
        return [*_DATETIMES, None]
    if inner is dt.date:
        return [*_DATES, None]
    if inner is bool:
        return [True, False, "yes", "off", 0, 1, 2, "peut-être", None]
    if get_args(inner) and get_args(inner)[0] is int:  # declared_age
        return [14, "27", 27.0, 27.5, 13, 101, 2**70, None]
    return [*_TEXTS, None]


def _sets(entity: str) -> st.SearchStrategy[dict[str, Any]]:
    fields = FIELD_MODELS[entity].model_fields
    pools = {name: st.sampled_from(_pool(name, f.annotation)) for name, f in fields.items()}
    pools["colour"] = st.just("red")  # no such field
    names = st.lists(st.sampled_from(sorted(pools)), max_size=3, unique=True)
    return names.flatmap(lambda keys: st.fixed_dictionaries({k: pools[k] for k in keys}))


_OPS = st.sampled_from(ENTITY_NAMES).flatmap(lambda e: _sets(e).map(lambda s: op(e, s)))


@settings(max_examples=300, deadline=None)
@given(ops=st.lists(_OPS, min_size=1, max_size=4))
def test_the_fast_path_takes_a_batch_exactly_when_every_op_normalises(
    ops: list[dict[str, Any]],
) -> None:
    payload = {"ops": ops}
    try:
        slow: PushRequest | None = op_by_op(payload)
    except (ValidationError, FieldsError):
        slow = None
    fast = normalised_push(payload)
    if slow is None:
        assert fast is None
        return
    assert_same(fast, slow)
    for o in slow.ops:
        assert repr(normalise_fields(o.entity, o.set)) == repr(o.set)


def test_the_typed_sets_are_the_entity_field_models() -> None:
    variants = get_args(get_args(sync._TypedOp)[0])
    typed = {get_args(v.model_fields["entity"].annotation)[0]: v for v in variants}
    assert set(typed) == set(FIELD_MODELS) == set(sync._SETS_JSON)
    for entity, variant in typed.items():
        assert variant.model_fields["set"].annotation is FIELD_MODELS[entity]
        assert list(variant.model_fields) == list(sync.Op.model_fields)
