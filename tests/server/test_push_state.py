"""The id lists the bulk push reads its batch with."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, String, bindparam, cast, select
from sqlalchemy.dialects import postgresql

from sync_server.crud.push_state import pg_text_array

AWKWARD = [
    "01a233d2-1b94-7bd0-aa18-72b049b6ad07",
    "a,b",
    '{"x"}',
    "back\\slash",
    'quote"inside',
    "  spaced  ",
    "NULL",
    "",
    "Aïcha N'Diaye",
]


@pytest.mark.postgres
def test_each_value_stays_one_array_element_on_postgres(pg_admin: Engine) -> None:
    """Ids come from the phone before validation: whatever their text, each must
    reach PostgreSQL as exactly itself."""
    as_array = select(cast(bindparam("ids", type_=String), postgresql.ARRAY(String)))
    with pg_admin.connect() as conn:
        found = conn.execute(as_array, {"ids": pg_text_array(AWKWARD)}).scalar_one()
    assert found == AWKWARD


def test_the_literal_quotes_every_element() -> None:
    assert pg_text_array(["a", 'b"c', "d\\e"]) == '{"a","b\\"c","d\\\\e"}'
    assert pg_text_array([]) == "{}"
