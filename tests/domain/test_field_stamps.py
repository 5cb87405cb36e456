"""The stored form of a record's per-field stamps gives back exactly the full map."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.field_stamps import BASE, compact_hlc, compact_version, expand_hlc, expand_version

FIELDS = st.sampled_from(["first_name", "phone", "review_state", "person_id", "deleted"])
HLCS = st.sampled_from(["", "0001-0000-a", "0002-0000-a", "0002-0001-b"])
VERSIONS = st.integers(min_value=0, max_value=4)

NEW_CONTACT = {"person_id": "p1", "occurred_at": "2026-12-01", "review_state": "received"}


def test_a_new_contact_stores_no_stamp_of_its_own():
    full_hlc = dict.fromkeys(NEW_CONTACT, "0002-0000-a")
    full_version = dict.fromkeys(NEW_CONTACT, 7)
    assert compact_hlc(NEW_CONTACT, full_hlc, "0002-0000-a") == {}
    assert compact_version(NEW_CONTACT, full_version, 7) == {}
    assert expand_hlc(NEW_CONTACT, {}, "0002-0000-a") == full_hlc
    assert expand_version(NEW_CONTACT, {}, 7) == full_version


def test_only_the_fields_behind_the_record_are_stored():
    full = {"person_id": "0001-0000-a", "occurred_at": "0002-0000-a", "review_state": "0002-0000-a"}
    stored = compact_hlc(NEW_CONTACT, full, "0002-0000-a")
    assert stored == {"person_id": "0001-0000-a"}
    assert expand_hlc(NEW_CONTACT, stored, "0002-0000-a") == full


def test_a_reviewed_contact_stores_the_stamp_its_other_fields_share_once():
    contact = {**NEW_CONTACT, "channel": "drop_in", "note": "rappeler"}
    # The review stamped review_state later: the record's own stamp is now the review's.
    full = {**dict.fromkeys(contact, "0001-0000-a"), "review_state": "0003-0000-s"}
    stored = compact_hlc(contact, full, "0003-0000-s")
    assert stored == {BASE: "0001-0000-a", "review_state": "0003-0000-s"}
    assert expand_hlc(contact, stored, "0003-0000-s") == full
    versions = {**dict.fromkeys(contact, 4), "review_state": 9}
    assert compact_version(contact, versions, 9) == {BASE: 4, "review_state": 9}
    assert expand_version(contact, {BASE: 4, "review_state": 9}, 9) == versions


def test_the_reserved_key_is_never_taken_for_a_field():
    with pytest.raises(ValueError):
        compact_hlc({BASE: "x"}, {BASE: "0001-0000-a"}, "0001-0000-a")


def test_a_field_without_a_stamp_does_not_take_the_records():
    full = {"person_id": "0002-0000-a"}  # occurred_at and review_state never stamped
    stored = compact_hlc(NEW_CONTACT, full, "0002-0000-a")
    assert expand_hlc(NEW_CONTACT, stored, "0002-0000-a") == full


def test_a_map_stored_in_full_reads_the_same():
    full = {"person_id": "0001-0000-a", "occurred_at": "0002-0000-a"}
    assert expand_hlc(NEW_CONTACT, full, "0002-0000-a") == {**full, "review_state": "0002-0000-a"}
    # ... unless review_state really had no stamp: then the full map named it (below).
    exact = {**full, "review_state": ""}
    assert expand_hlc(NEW_CONTACT, exact, "0002-0000-a") == full


@settings(max_examples=400, deadline=None)
@given(
    data_keys=st.sets(FIELDS),
    hlcs=st.dictionaries(FIELDS, HLCS),
    versions=st.dictionaries(FIELDS, VERSIONS),
    updated_hlc=HLCS,
    version=VERSIONS,
)
def test_expand_after_compact_is_the_full_map(data_keys, hlcs, versions, updated_hlc, version):
    data = dict.fromkeys(data_keys, "x")
    # "" and 0 mean "no stamp" to every reader: the round trip drops them, nothing else.
    want_hlc = {k: v for k, v in hlcs.items() if v != ""}
    want_version = {k: v for k, v in versions.items() if v != 0}
    assert expand_hlc(data, compact_hlc(data, hlcs, updated_hlc), updated_hlc) == want_hlc
    assert expand_version(data, compact_version(data, versions, version), version) == want_version
